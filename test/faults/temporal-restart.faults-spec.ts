import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from '../support/test-app';
import { freePort, report, sendAll, sleep, tally, TemporalServerProcess, waitForReplies } from './support';

/**
 * The Temporal server is stopped for 30 s while customers keep writing, then started again on its
 * persisted state. Webhooks keep answering 200; every message is answered once.
 */
describe('Temporal server stopped during load', () => {
  let t: TestApp;
  let temporal: TemporalServerProcess;

  beforeAll(async () => {
    temporal = new TemporalServerProcess(await freePort(), join(mkdtempSync(join(tmpdir(), 'wa-temporal-')), 'temporal.db'));
    await temporal.start();
    t = await startTestApp({ env: { TEMPORAL_ADDRESS: temporal.address, REDELIVERY_INTERVAL_MS: '500' } });
  });
  afterAll(async () => {
    await t?.close();
    await temporal?.kill();
  });

  test('150 messages, Temporal down for 30 s in the middle: none lost, none twice', async () => {
    const conversations = Array.from({ length: 150 }, () => newConversationSid());
    const started = Date.now();
    const acks: number[] = [];
    const send = (sid: string, i: number) =>
      t.webhook(messageEvent({ ConversationSid: sid, Body: `message ${i}` }), { idempotencyToken: `restart-${i}` }).then((r) => {
        acks.push(r.status);
        return r.status;
      });

    await sendAll(conversations.slice(0, 50), 5, send);
    await temporal.kill();
    const stoppedAt = Date.now();
    // Customers keep writing while Temporal is down: 100 more messages over the 30 s.
    for (let i = 50; i < 150; i += 10) {
      await sendAll(conversations.slice(i, i + 10), 5, (sid, j) => send(sid, i + j));
      await sleep(Math.max(0, stoppedAt + ((i - 40) / 10) * 3_000 - Date.now()));
    }
    const pending = (await t.db.query(`SELECT count(*)::int AS n FROM inbox_events WHERE status = 'pending'`))[0].n;
    await sleep(Math.max(0, 30_000 - (Date.now() - stoppedAt)));
    await temporal.start();
    const restartedAt = Date.now();

    await waitForReplies(t, conversations, 1, 180_000);
    const recoverySeconds = ((Date.now() - restartedAt) / 1000).toFixed(1);
    await sleep(2_000);
    const figures = tally(t, conversations);
    report('temporal-stopped-30s', { sent: conversations.length, ...figures, pendingWhileDown: pending, non200: acks.filter((s) => s !== 200).length, secondsFromRestartToLastReply: recoverySeconds, seconds: Math.round((Date.now() - started) / 1000) });
    expect(acks.every((s) => s === 200)).toBe(true);
    expect(pending).toBeGreaterThan(0);
    expect(figures).toMatchObject({ answered: 150, lost: 0, duplicates: 0, repeatedHolding: 0 });
  });
});

