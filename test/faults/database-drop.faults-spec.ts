import { messageEvent, newConversationSid, startTestApp, type TestApp } from '../support/test-app';
import { report, requirePostgres, sendAll, sleep, tally, waitForReplies } from './support';

/**
 * Every PostgreSQL connection of the suite's database is cut twice while customers write and the
 * agent answers. Webhooks keep answering 200, activities reconnect and retry, nothing is lost.
 */
describe('PostgreSQL connections dropped under load', () => {
  let t: TestApp;

  beforeAll(async () => {
    requirePostgres();
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('100 messages, all connections terminated twice: none lost, none twice', async () => {
    const conversations = Array.from({ length: 100 }, () => newConversationSid());
    const database = new URL(t.database.databaseUrl!).pathname.slice(1);
    const dropConnections = async () => {
      const admin = new (await import('pg')).Client({ connectionString: process.env.DATABASE_URL });
      await admin.connect();
      const { rows } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
      await admin.end();
      return rows.length;
    };

    const started = Date.now();
    const statuses: number[] = [];
    let terminated = 0;
    for (let i = 0; i < 100; i += 10) {
      if (i === 30 || i === 60) terminated += await dropConnections();
      statuses.push(...(await sendAll(conversations.slice(i, i + 10), 5, async (sid, j) => (await t.webhook(messageEvent({ ConversationSid: sid, Body: `message ${i + j}` }), { idempotencyToken: `db-${i + j}` })).status)));
      await sleep(500);
    }
    await waitForReplies(t, conversations, 1, 180_000);
    await sleep(2_000);

    const figures = tally(t, conversations);
    report('postgres-connections-dropped', { sent: 100, ...figures, connectionsTerminated: terminated, non200: statuses.filter((s) => s !== 200).length, seconds: Math.round((Date.now() - started) / 1000) });
    expect(terminated).toBeGreaterThan(0);
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(figures).toMatchObject({ answered: 100, lost: 0, duplicates: 0, repeatedHolding: 0 });
  });
});
