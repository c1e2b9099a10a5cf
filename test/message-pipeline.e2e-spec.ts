import { WorkflowNotFoundError } from '@temporalio/client';
import { conversationWorkflowId, transcriptQuery } from '../workflows/definitions';
import { eventually } from './support/eventually';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

/**
 * The core path end to end: signed webhook → inbox → conversation workflow on a real Temporal server
 * → LLM (OpenAI emulator, real `openai` client) → reply to the Twilio emulator (real `twilio` client)
 * → database. Runs on PostgreSQL when DATABASE_URL is set, else on the embedded database.
 */
describe('message pipeline', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    t.openai.respond((req) => {
      const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
      return { content: `Reply to: ${String(lastUser?.content)}` };
    });
  });
  afterAll(() => t?.close());

  /**
   * Waits for the first reply, then sends one more message and waits for its reply: turns run one at a
   * time, in order, so any turn a duplicate might have caused is done by then.
   */
  async function settle(conversationSid: string, expectedReplies: number) {
    await t.twilio.waitForMessages(1, { conversationSid, timeoutMs: 20_000 });
    const res = await t.webhook(messageEvent({ ConversationSid: conversationSid, Body: 'And one more thing' }), { idempotencyToken: `settle-${conversationSid}` });
    expect(res.status).toBe(200);
    return t.twilio.waitForMessages(expectedReplies, { conversationSid, timeoutMs: 20_000 });
  }

  test('a signed onMessageAdd is answered once, with the LLM text, through Twilio', async () => {
    const sid = newConversationSid();
    const started = Date.now();
    const res = await t.webhook(messageEvent({ ConversationSid: sid, Body: 'Are you open on Sunday?' }), { idempotencyToken: 'tok-1' });
    const ackMs = Date.now() - started;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});

    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe('Reply to: Are you open on Sunday?');
    expect(reply!.author).toBe('agent');
    expect(reply!.webhookEnabledHeader).toBeUndefined();
    expect(JSON.parse(reply!.attributes)).toEqual({ idempotencyKey: `${conversationWorkflowId(t.integrationId, sid)}:turn-1:reply` });
    console.log(`webhook ack ${ackMs} ms; webhook → reply accepted ${Date.now() - started} ms`);

    const llmRequest = t.openai.requests.at(-1)!;
    expect(llmRequest.messages.at(-1)).toEqual({ role: 'user', content: 'Are you open on Sunday?' });

    const handle = t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid));
    const transcript = await eventually(() => handle.query(transcriptQuery), (entries) => entries.length >= 2);
    expect(transcript.map((e) => [e.direction, e.text])).toEqual([
      ['inbound', 'Are you open on Sunday?'],
      ['outbound', 'Reply to: Are you open on Sunday?'],
    ]);
  });

  test('customer, inbound and outbound message are in the database', async () => {
    const sid = newConversationSid();
    await t.webhook(messageEvent({ ConversationSid: sid, Author: 'whatsapp:+14155550100', Body: 'Where is my order?' }), { idempotencyToken: 'tok-db' });
    const [sent] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });

    const customers = await t.db.query(`SELECT phone FROM customers WHERE integration_id = $1 AND phone = $2`, [t.integrationId, 'whatsapp:+14155550100']);
    expect(customers).toHaveLength(1);
    // The reply is recorded right after Twilio accepts it: wait for that last write.
    const rows = await eventually(
      (): Promise<{ direction: string; body: string; twilio_message_sid: string | null; reply_latency_ms: number | null }[]> =>
        t.db.query(
          `SELECT m.direction, m.body, m.twilio_message_sid, m.reply_latency_ms FROM messages m
           JOIN conversations c ON c.id = m.conversation_id WHERE c.conversation_sid = $1 ORDER BY m.at`,
          [sid],
        ),
      (found) => found.length >= 2,
    );
    expect(rows.map((r) => [r.direction, r.body])).toEqual([
      ['inbound', 'Where is my order?'],
      ['outbound', 'Reply to: Where is my order?'],
    ]);
    expect(rows[1]!.twilio_message_sid).toBe(sent!.sid);
    expect(rows[1]!.reply_latency_ms).toBeGreaterThanOrEqual(0);
    const inbox = await t.db.query(`SELECT status FROM inbox_events WHERE conversation_sid = $1`, [sid]);
    expect(inbox).toEqual([{ status: 'delivered' }]);
  });

  test('the same delivery retried three times and sent twice concurrently gets one reply', async () => {
    const sid = newConversationSid();
    const event = messageEvent({ ConversationSid: sid, Body: 'Do you ship to Spain?' });
    const first = await Promise.all([t.webhook(event, { idempotencyToken: 'dup-1' }), t.webhook(event, { idempotencyToken: 'dup-1' })]);
    for (let retry = 1; retry <= 3; retry++) {
      const res = await t.webhook({ ...event, RetryCount: String(retry) }, { idempotencyToken: 'dup-1' });
      first.push(res);
    }
    expect(first.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);

    const replies = await settle(sid, 2);
    expect(replies.map((m) => m.body)).toEqual(['Reply to: Do you ship to Spain?', 'Reply to: And one more thing']);
    expect(t.twilio.messagesFor(sid)).toHaveLength(2);
    const inbox = await t.db.query(`SELECT count(*)::int AS n FROM inbox_events WHERE conversation_sid = $1`, [sid]);
    expect(inbox[0].n).toBe(2);
  });

  test('without an idempotency token, a redelivered pre-event is recognised by its fields', async () => {
    const sid = newConversationSid();
    const event = messageEvent({ ConversationSid: sid, Body: 'Price of the blue lamp?' });
    await t.webhook(event);
    await t.webhook(event);
    const replies = await settle(sid, 2);
    expect(replies.map((m) => m.body)).toEqual(['Reply to: Price of the blue lamp?', 'Reply to: And one more thing']);
  });

  test('a bad or missing signature is refused with 403 and starts nothing', async () => {
    const sid = newConversationSid();
    const event = messageEvent({ ConversationSid: sid });
    const responses = [
      await t.webhook(event, { signature: 'bm90IGEgc2lnbmF0dXJl' }),
      await t.webhook(event, { signature: null }),
      await t.webhook(event, { authToken: 'some-other-token-000000' }),
      // Signed over the address the api listens on, not PUBLIC_BASE_URL: what a proxy rewrite would break.
      await t.webhook(event, { url: t.url }),
      await t.webhook({ ...event, AccountSid: `AC${'9'.repeat(32)}` }),
      await t.webhook({ ...event, Body: 'tampered after signing' }, { signature: (await signatureOf(event)) }),
    ];
    expect(responses.map((r) => r.status)).toEqual([403, 403, 403, 403, 403, 403]);
    await expect(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await t.db.query(`SELECT id FROM inbox_events WHERE conversation_sid = $1`, [sid])).toEqual([]);
  });

  test('other events, the post-event, and the agent\'s own messages are answered 200 and ignored', async () => {
    const sid = newConversationSid();
    const ignored = [
      { EventType: 'onConversationAdded', AccountSid: messageEvent({ ConversationSid: sid }).AccountSid!, ConversationSid: sid },
      { ...messageEvent({ ConversationSid: sid }), EventType: 'onDeliveryUpdated' },
      { ...messageEvent({ ConversationSid: sid }), EventType: 'onMessageAdded', MessageSid: `IM${'e5'.repeat(16)}` },
      messageEvent({ ConversationSid: sid, Author: 'agent', Body: 'our own reply' }),
      { ...messageEvent({ ConversationSid: sid }), EventType: '' },
    ];
    for (const event of ignored) {
      const res = await t.webhook(event);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({});
    }
    await expect(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    expect(await t.db.query(`SELECT id FROM inbox_events WHERE conversation_sid = $1`, [sid])).toEqual([]);
  });

  test('malformed and oversized bodies get a 4xx, never a crash', async () => {
    const post = (body: string | Uint8Array, contentType: string) => fetch(`${t.url}/api/twilio/webhook`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const statuses = [
      (await post('x'.repeat(300 * 1024), 'application/x-www-form-urlencoded')).status,
      (await post('{"EventType": ', 'application/json')).status,
      (await post('%E0%A4%A=broken', 'application/x-www-form-urlencoded')).status,
      (await post(new Uint8Array([0xff, 0xfe, 0x00]), 'application/x-www-form-urlencoded; charset=utf-16')).status,
      (await post('', 'application/x-www-form-urlencoded')).status,
    ];
    expect(statuses[0]).toBe(413);
    for (const status of statuses) {
      expect(status).toBeGreaterThanOrEqual(400);
      expect(status).toBeLessThan(500);
    }
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
  });

  async function signatureOf(params: Record<string, string>) {
    const twilio = (await import('twilio')).default;
    return twilio.getExpectedTwilioSignature('token-current-0123456789', 'https://agent.example.test/api/twilio/webhook', params);
  }
});
