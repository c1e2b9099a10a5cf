import { messageEvent, newConversationSid, startTestApp, type TestApp } from '../support/test-app';
import { maxPerSecond, repliesOf, report, sendAll, sleep, waitForReplies } from './support';

const SENDS_PER_SECOND = 5;

/**
 * Twilio answers 429 for a minute, then 500s, then too slowly (longer than the send's timeout).
 * Every reply must still go out, once, in order per conversation, and the sends queue must never
 * call Twilio faster than its configured rate.
 */
describe('Twilio outage: 429s, then 500s, then timeouts', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { TWILIO_SENDS_PER_SECOND: String(SENDS_PER_SECOND) } });
  });
  afterAll(() => t?.close());

  test('40 messages in 20 conversations across a 100 s outage: all delivered, in order, rate respected', async () => {
    const conversations = Array.from({ length: 20 }, () => newConversationSid());
    const messagesPath = /\/v1\/Conversations\/[^/]+\/Messages$/;
    const started = Date.now();

    t.twilio.failWhile({ status: 429, code: 20429, message: 'Too Many Requests', path: messagesPath });
    await sendAll(conversations, 5, async (sid, i) => (await t.webhook(messageEvent({ ConversationSid: sid, Body: `first ${i}` }), { idempotencyToken: `o1-${i}` })).status);
    await sleep(5_000);
    await sendAll(conversations, 5, async (sid, i) => (await t.webhook(messageEvent({ ConversationSid: sid, Body: `second ${i}` }), { idempotencyToken: `o2-${i}` })).status);
    await sleep(55_000);
    t.twilio.failWhile({ status: 500, code: 20500, message: 'Internal Server Error', path: messagesPath });
    await sleep(15_000);
    t.twilio.clearFailures();
    t.twilio.setDelay(25_000); // longer than the send's 20 s start-to-close timeout
    await sleep(25_000);
    t.twilio.setDelay(0);
    const outageEnded = Date.now();

    await waitForReplies(t, conversations, 2, 240_000);
    const drainSeconds = ((Date.now() - outageEnded) / 1000).toFixed(1);
    await sleep(2_000);

    // A first attempt creates (POST); a retry first looks for its idempotency key (GET), then creates.
    const calls = t.twilio.requests.filter((r) => messagesPath.test(r.path));
    const creates = calls.filter((r) => r.method === 'POST');
    const replies = conversations.map((sid) => repliesOf(t, sid).length);
    const figures = {
      sent: 40,
      replies: replies.reduce((a, b) => a + b, 0),
      lost: replies.reduce((sum, n) => sum + Math.max(0, 2 - n), 0),
      duplicates: replies.reduce((sum, n) => sum + Math.max(0, n - 2), 0),
      twilioCalls: calls.length,
      creates: creates.length,
      answered429: calls.filter((r) => r.status === 429).length,
      answered500: calls.filter((r) => r.status === 500).length,
      maxCallsPerSecond: maxPerSecond(t.twilio.requests.map((r) => r.at)),
      drainSeconds,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    report('twilio-outage', figures);
    for (const [i, sid] of conversations.entries()) {
      expect(repliesOf(t, sid).map((m) => m.body)).toEqual([`Echo: first ${i}`, `Echo: second ${i}`]);
    }
    expect(figures).toMatchObject({ replies: 40, lost: 0, duplicates: 0 });
    expect(figures.maxCallsPerSecond).toBeLessThanOrEqual(SENDS_PER_SECOND);
  });
});
