import { type EmbeddedTemporal, startEmbeddedTemporal } from '../src/temporal/embedded-temporal';
import { freePort } from './support/free-port';
import { eventually } from './support/eventually';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

/**
 * Temporal is unreachable when the customer writes: the webhook still answers 200 at once, the event
 * waits in the inbox, and once a Temporal server is up on that address the message is answered.
 */
describe('Temporal down at webhook time', () => {
  let t: TestApp;
  let temporal: EmbeddedTemporal | undefined;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${port}` } });
  });
  afterAll(async () => {
    await t?.close();
    await temporal?.stop();
  });

  test('the message is recorded, then answered once Temporal is back', async () => {
    const sid = newConversationSid();
    const res = await t.webhook(messageEvent({ ConversationSid: sid, Body: 'Anyone there?' }), { idempotencyToken: 'down-1' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});

    // Answered once recorded; the hand-over to Temporal is tried right after, and fails.
    const [pending] = await eventually(
      (): Promise<{ status: string; attempts: number; last_error: string | null }[]> => t.db.query(`SELECT status, attempts, last_error FROM inbox_events WHERE conversation_sid = $1`, [sid]),
      (rows) => (rows[0]?.attempts ?? 0) >= 1,
    );
    expect(pending!.status).toBe('pending');
    expect(pending!.attempts).toBeGreaterThanOrEqual(1);
    expect(pending!.last_error).toBeTruthy();
    expect(t.twilio.messagesFor(sid)).toHaveLength(0);

    temporal = await startEmbeddedTemporal({ port });

    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 45_000 });
    expect(reply!.body).toBe('Echo: Anyone there?');
    const delivered = await eventually(
      async () => (await t.db.query(`SELECT status FROM inbox_events WHERE conversation_sid = $1`, [sid]))[0].status,
      (status) => status === 'delivered',
    );
    expect(delivered).toBe('delivered');
    expect(t.twilio.messagesFor(sid)).toHaveLength(1);
  }, 90_000);
});
