import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/test-app';
import { maxPerSecond, report, requirePostgres, sleep, WorkerProcess } from './support';

const SENDS_PER_SECOND = 60;
const OPTED_IN = 1_800;
const OPTED_OUT = 200;
const CONTENT_SID = `HX${'d'.repeat(32)}`;

/**
 * A campaign to 2,000 customers, the worker SIGKILLed twice while it sends (with sends in flight, and
 * across the workflow's continue-as-new): every opted-in recipient gets the template exactly once,
 * no opted-out one ever does, and Twilio is never called faster than the configured rate.
 */
describe('campaign across worker crashes', () => {
  let t: TestApp;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    requirePostgres();
    t = await startTestApp({ roles: { api: true, worker: false }, env: { TWILIO_SENDS_PER_SECOND: String(SENDS_PER_SECOND) } });
  });
  afterAll(async () => {
    await worker?.kill();
    await t?.close();
  });

  test('2,000 recipients, 2 SIGKILLs: each opted-in once, opted-out never, rate kept', async () => {
    const tag = `crash-${randomUUID().slice(0, 8)}`;
    // One statement per kind: 2,000 customers who wrote in before, each with their conversation.
    for (const [count, consent] of [[OPTED_IN, 'opted_in'], [OPTED_OUT, 'opted_out']] as const) {
      await t.db.query(
        `WITH c AS (
           INSERT INTO customers (id, integration_id, phone, name, tags, marketing_consent, consent_changed_at, last_seen_at)
           SELECT gen_random_uuid(), $1, 'whatsapp:+3470' || $4 || lpad(i::text, 6, '0'), 'Customer ' || i, ARRAY[$2], $3, now(), now() - interval '3 days'
           FROM generate_series(1, $5::int) i RETURNING id, last_seen_at)
         INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at)
         SELECT gen_random_uuid(), $1, 'CH' || replace(gen_random_uuid()::text, '-', ''), c.id, 'closed', c.last_seen_at FROM c`,
        [t.integrationId, tag, consent, consent === 'opted_in' ? '1' : '2', count],
      );
    }
    const segment = (await (await t.api('POST', '/api/segments', { name: 'Everyone', rule: { all: [{ field: 'tag', op: 'contains', value: tag }] } })).json()) as { id: string; count: number };
    expect(segment.count).toBe(OPTED_IN + OPTED_OUT);
    const campaign = (await (await t.api('POST', '/api/campaigns', { name: 'Crash test', segmentId: segment.id, contentSid: CONTENT_SID, variables: { 1: { field: 'name' } } })).json()) as { id: string };

    t.twilio.setDelay(40); // sends take a moment, so the kills land while some are in flight
    worker = await WorkerProcess.start(t.env);
    const started = Date.now();
    expect((await t.api('POST', `/api/campaigns/${campaign.id}/start`)).status).toBe(202);
    const templates = () => t.twilio.messages.filter((m) => m.contentSid === CONTENT_SID);
    let kills = 0;
    for (const threshold of [400, 1_100]) {
      while (templates().length < threshold) await sleep(20);
      await worker.kill();
      kills++;
      worker = await WorkerProcess.start(t.env);
    }
    let status = '';
    for (const deadline = Date.now() + 300_000; Date.now() < deadline && status !== 'completed'; await sleep(500)) {
      status = ((await (await t.api('GET', `/api/campaigns/${campaign.id}`)).json()) as { status: string }).status;
    }
    await sleep(2_000); // time for a late duplicate to show up, if there were one

    const recipients: { conversation_sid: string; consent: string }[] = await t.db.query(
      `SELECT cv.conversation_sid, c.marketing_consent AS consent FROM customers c JOIN conversations cv ON cv.customer_id = c.id WHERE $1 = ANY(c.tags)`, [tag]);
    const perConversation = new Map<string, number>();
    for (const m of templates()) perConversation.set(m.conversationSid, (perConversation.get(m.conversationSid) ?? 0) + 1);
    const optedIn = recipients.filter((r) => r.consent === 'opted_in');
    const figures = {
      recipients: recipients.length,
      sent: templates().length,
      lost: optedIn.filter((r) => !perConversation.has(r.conversation_sid)).length,
      duplicates: [...perConversation.values()].reduce((sum, n) => sum + Math.max(0, n - 1), 0),
      sentToOptedOut: recipients.filter((r) => r.consent !== 'opted_in' && perConversation.has(r.conversation_sid)).length,
      maxCallsPerSecond: maxPerSecond(t.twilio.requests.map((r) => r.at)),
      kills,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    report('campaign-sigkill', figures);
    const final = (await (await t.api('GET', `/api/campaigns/${campaign.id}`)).json()) as { status: string; figures: Record<string, number> };
    expect(final.status).toBe('completed');
    expect(final.figures).toMatchObject({ recipients: 2_000, sent: OPTED_IN, optedOut: OPTED_OUT, queued: 0, failed: 0 });
    expect(figures).toMatchObject({ recipients: 2_000, sent: OPTED_IN, lost: 0, duplicates: 0, sentToOptedOut: 0 });
    expect(figures.maxCallsPerSecond).toBeLessThanOrEqual(SENDS_PER_SECOND);
  });
});
