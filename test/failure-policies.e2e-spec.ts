import { createServer, type Server } from 'node:http';
import { eventually } from './support/eventually';
import { ACCOUNT_SID, AUTH_TOKEN, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

/**
 * The failure policies with the failure injected at Twilio's HTTP boundary: rate limits, server
 * errors, a lost answer, the 24-hour window, and revoked credentials that pause the integration
 * until an administrator resumes it.
 */
describe('failure policies', () => {
  let t: TestApp;
  let alertHook: Server;
  const alertsPosted: { kind: string }[] = [];
  /** Alerts about failures; hand-off alerts (a held reply asks for a person) are another test's business. */
  const failureAlertsPosted = () => alertsPosted.filter((a) => !a.kind.startsWith('handoff_'));

  beforeAll(async () => {
    alertHook = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        alertsPosted.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((r) => alertHook.listen(0, '127.0.0.1', r));
    const { port } = alertHook.address() as { port: number };
    t = await startTestApp({ env: { ALERT_WEBHOOK_URL: `http://127.0.0.1:${port}/alerts` } });
  });
  afterAll(async () => {
    await t?.close();
    alertHook?.close();
  });
  beforeEach(() => t.twilio.clearFailures());

  const say = (sid: string, body: string, token = `${sid}-${body}`) => t.webhook(messageEvent({ ConversationSid: sid, Body: body }), { idempotencyToken: token });
  const createsFor = (sid: string) => t.twilio.requests.filter((r) => r.method === 'POST' && r.path === `/v1/Conversations/${sid}/Messages`);
  /** Every call about the conversation's messages: creates, and the look-ups a retried send makes first. */
  const callsFor = (sid: string) => t.twilio.requests.filter((r) => r.path === `/v1/Conversations/${sid}/Messages`);

  test('a 429 is retried after the Retry-After Twilio asks for, and the reply goes out once', async () => {
    const sid = newConversationSid();
    t.twilio.failNext(1, { status: 429, code: 20429, message: 'Too Many Requests', retryAfterSeconds: 3, path: new RegExp(sid) });
    await say(sid, 'hello');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe('Echo: hello');
    const calls = callsFor(sid);
    expect(calls.filter((c) => c.status === 429)).toHaveLength(1);
    expect(calls.at(-1)).toMatchObject({ method: 'POST', status: 201 });
    expect(t.twilio.messagesFor(sid)).toHaveLength(1);
    // The retry waited the 3 s Twilio asked for, not the policy's first backoff step (1 s).
    expect(calls[1]!.at.getTime() - calls[0]!.at.getTime()).toBeGreaterThanOrEqual(2_900);
  });

  test('server errors are retried with backoff; the reply goes out once', async () => {
    const sid = newConversationSid();
    t.twilio.failNext(3, { status: 500, path: new RegExp(sid) });
    await say(sid, 'are you there');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 30_000 });
    const calls = callsFor(sid);
    expect(calls.filter((c) => c.status === 500)).toHaveLength(3);
    expect(calls.at(-1)).toMatchObject({ method: 'POST', status: 201 });
    expect(t.twilio.messagesFor(sid)).toHaveLength(1);
  });

  test('a send Twilio accepted but whose answer was lost is not sent again on retry', async () => {
    const sid = newConversationSid();
    t.twilio.dropAnswersAfterCreate(1);
    await say(sid, 'first');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await say(sid, 'second');
    const replies = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    expect(replies.map((m) => m.body)).toEqual(['Echo: first', 'Echo: second']);
    // The retry listed the conversation's messages, found its idempotency key and did not create again.
    const retryLookup = t.twilio.requests.filter((r) => r.method === 'GET' && r.path === `/v1/Conversations/${sid}/Messages`);
    expect(retryLookup.length).toBeGreaterThanOrEqual(1);
    expect(t.twilio.messagesFor(sid)).toHaveLength(2);
  });

  test('outside the 24-hour window the approved template goes out instead', async () => {
    const template = `HX${'ab'.repeat(16)}`;
    expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { templateContentSid: template })).status).toBe(200);
    const sid = newConversationSid();
    t.twilio.failNext(1, { status: 400, code: 63016, message: 'Failed to send freeform message because you are outside the allowed window.', path: new RegExp(sid) });
    await say(sid, 'back after a week');
    const [sent] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(sent!.contentSid).toBe(template);
    expect(JSON.parse(sent!.contentVariables!)).toEqual({ 1: 'Echo: back after a week' });
    expect(sent!.body).toBeFalsy();
    await t.api('PATCH', `/api/integrations/${t.integrationId}`, { templateContentSid: null });
  });

  test('outside the window with no template the reply is held for a person, not retried', async () => {
    const sid = newConversationSid();
    t.twilio.failWhile({ status: 400, code: 63016, message: 'outside the allowed window', path: new RegExp(sid) });
    await say(sid, 'hello again');
    const rows = await eventually(
      (): Promise<{ delivery_status: string; error_code: string; status: string }[]> =>
        t.db.query(
          `SELECT m.delivery_status, m.error_code, c.status FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.conversation_sid = $1 AND m.direction = 'outbound'`,
          [sid],
        ),
      (r) => r.length > 0 && r[0]!.status !== 'bot',
    );
    expect(rows).toEqual([{ delivery_status: 'held', error_code: '63016', status: 'waiting_for_human' }]);
    expect(createsFor(sid).map((a) => a.status)).toEqual([400]);
  });

  test('a customer message whose webhook never arrived is found by the reconciliation and answered once', async () => {
    const sid = newConversationSid();
    await say(sid, 'first, delivered normally');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    // Twilio stored this one three minutes ago, but its webhook never reached the agent.
    t.twilio.addCustomerMessage(ACCOUNT_SID, sid, { author: messageEvent({ ConversationSid: sid }).Author!, body: 'did you get this?', dateCreated: new Date(Date.now() - 3 * 60_000) });

    const schedule = t.temporal.schedule.getHandle(`reconcile-inbound:${t.config.temporal.taskQueue}`);
    /**
     * Triggers the schedule and returns what that run found. (The schedule also runs by itself every
     * 5 minutes of the wall clock: the run is picked by the time it was taken, not by its position.)
     */
    const run = async (n: number) => {
      const since = new Date(Date.now() - 1000);
      await schedule.trigger();
      const fresh = (actions: { takenAt: Date }[]) => actions.filter((a) => a.takenAt >= since);
      const actions = await eventually(async () => (await schedule.describe()).info.recentActions, (a) => a.length >= n && fresh(a).length > 0);
      const latest = fresh(actions).at(-1) as (typeof actions)[number];
      return t.temporal.workflow.getHandle(latest.action.workflow.workflowId).result();
    };

    expect(await run(1)).toMatchObject({ recovered: 1 });
    const replies = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 30_000 });
    expect(replies.map((m) => m.body)).toEqual(['Echo: first, delivered normally', 'Echo: did you get this?']);
    // A second run finds nothing new: both messages are known, one by its text, one by its MessageSid.
    expect(await run(2)).toMatchObject({ recovered: 0 });
    expect(t.twilio.messagesFor(sid)).toHaveLength(2);
  });

  test('a language model that rejects the key pauses processing, alerts once, and answers after the resume', async () => {
    const sid = newConversationSid();
    t.openai.failWhile({ status: 401, message: 'Incorrect API key provided' });
    await say(sid, 'hi model');
    await eventually(async () => ((await (await t.api('GET', `/api/integrations/${t.integrationId}`)).json()) as { status: string }).status, (s) => s === 'paused');
    const alerts = (await (await t.api('GET', '/api/alerts')).json()) as { kind: string }[];
    expect(alerts.filter((a) => a.kind === 'llm_auth_failed')).toHaveLength(1);
    await eventually(async () => failureAlertsPosted().length, (n) => n > 0);
    expect(failureAlertsPosted()).toEqual([expect.objectContaining({ kind: 'llm_auth_failed', integrationId: t.integrationId })]);
    expect(t.twilio.messagesFor(sid)).toHaveLength(0);

    t.openai.clearFailures(); // the key is fixed (workers restarted with the new OPENAI_API_KEY)
    const resumed = (await (await t.api('POST', `/api/integrations/${t.integrationId}/resume`)).json()) as { status: string; wokenTurns: number };
    expect(resumed).toMatchObject({ status: 'active', wokenTurns: 1 });
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 30_000 });
    expect(reply!.body).toBe('Echo: hi model');
    alertsPosted.length = 0;
  });

  test('revoked credentials pause the integration, alert once, and everything waiting goes out, in order, after resume', async () => {
    const conversations = [newConversationSid(), newConversationSid(), newConversationSid()];
    const NEW_TOKEN = 'token-rotated-9876543210';
    t.twilio.setAuthToken(ACCOUNT_SID, NEW_TOKEN); // Twilio revokes the token the agent has
    const before = t.twilio.requests.length;
    for (const sid of conversations) await say(sid, 'one');

    const integration = await eventually(async () => (await (await t.api('GET', `/api/integrations/${t.integrationId}`)).json()) as { status: string }, (i) => i.status === 'paused');
    expect(integration.status).toBe('paused');
    // A paused integration still accepts webhooks: later messages queue behind the waiting turn.
    for (const sid of conversations) expect((await say(sid, 'two')).status).toBe(200);

    const alerts = await eventually(async () => (await (await t.api('GET', '/api/alerts')).json()) as { kind: string }[], (a) => a.some((x) => x.kind === 'twilio_auth_failed'));
    expect(alerts.filter((a) => a.kind === 'twilio_auth_failed')).toHaveLength(1);
    await eventually(async () => failureAlertsPosted().length, (n) => n > 0);
    expect(failureAlertsPosted()).toEqual([expect.objectContaining({ type: 'alert', kind: 'twilio_auth_failed', integrationId: t.integrationId })]);

    // At most one rejected send per waiting conversation before the pause, none after it.
    const rejected = t.twilio.requests.slice(before).filter((r) => r.method === 'POST' && r.status === 401);
    expect(rejected.length).toBeGreaterThanOrEqual(1);
    expect(rejected.length).toBeLessThanOrEqual(conversations.length);
    expect(conversations.flatMap((sid) => t.twilio.messagesFor(sid))).toHaveLength(0);

    expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: NEW_TOKEN })).status).toBe(200);
    const resumed = await (await t.api('POST', `/api/integrations/${t.integrationId}/resume`)).json();
    expect(resumed).toMatchObject({ status: 'active' });

    for (const sid of conversations) {
      const replies = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 30_000 });
      expect(replies.map((m) => m.body)).toEqual(['Echo: one', 'Echo: two']);
    }
    expect(t.twilio.requests.slice(before).filter((r) => r.method === 'POST' && r.status === 401).length).toBe(rejected.length);
    expect(alertsPosted).toHaveLength(1);
    // Restore the token the rest of the suite's harness signs with.
    t.twilio.setAuthToken(ACCOUNT_SID, AUTH_TOKEN);
    await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: AUTH_TOKEN });
  }, 90_000);
});
