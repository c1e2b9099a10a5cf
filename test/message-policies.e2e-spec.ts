import { WorkflowNotFoundError } from '@temporalio/client';
import { conversationWorkflowId } from '../workflows/definitions';
import { budgetReply, redactionNotice } from '../workflows/replies';
import { eventually } from './support/eventually';
import { ACCOUNT_SID, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const CARD = '4242 4242 4242 4242';

/**
 * The message policies end to end: redaction at the pre-action hook (the redacted text is the only
 * one Twilio is told to store, the database keeps and the model sees), blocked senders refused with
 * 403, and the daily token budget (fallback without a model call, alerts once, usage in the API).
 */
describe('message policies', () => {
  let t: TestApp;
  let token = 0;
  const send = (sid: string, body: string, author = 'whatsapp:+4915112345678') =>
    t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: author }), { idempotencyToken: `policies-${++token}` });
  const setPolicies = (body: unknown) => t.api('PUT', `/api/integrations/${t.integrationId}/policies`, body);

  beforeAll(async () => {
    t = await startTestApp();
    t.openai.respond((req) => {
      const lastUser = [...req.messages].reverse().find((m) => m.role === 'user');
      return { content: `Reply to: ${String(lastUser?.content)}` };
    });
  });
  afterEach(async () => {
    expect((await setPolicies({})).status).toBe(200);
  });
  afterAll(() => t?.close());

  test('a card number is redacted before Twilio, the database and the model see it; the customer is told once', async () => {
    const sid = newConversationSid();
    const res = await send(sid, `Please charge my card ${CARD}, exp 12/27`);
    expect(res.status).toBe(200);
    // Twilio stores this body instead of the customer's original.
    expect(await res.json()).toEqual({ body: 'Please charge my card [card •••• 4242], exp 12/27' });
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe(`${redactionNotice('en', ['card'])}\n\nReply to: Please charge my card [card •••• 4242], exp 12/27`);

    await send(sid, 'Did you get my card number 4242-4242-4242-4242?');
    const replies = await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    expect(replies[1]!.body).toBe('Reply to: Did you get my card number [card •••• 4242]?');

    const stored = await eventually(
      (): Promise<{ body: string }[]> => t.db.query(`SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.conversation_sid = $1`, [sid]),
      (rows) => rows.length >= 4,
    );
    const everything = JSON.stringify([
      stored,
      await t.db.query(`SELECT payload FROM inbox_events WHERE conversation_sid = $1`, [sid]),
      t.openai.requests,
    ]);
    expect(everything).toContain('[card •••• 4242]');
    expect(everything.replace(/[ -]/g, '')).not.toContain('4242424242424242');
  });

  test('patterns the integration configures are redacted too; a dangerous or broken pattern is refused', async () => {
    const refused = await setPolicies({ redaction: { patterns: [{ name: 'slow', pattern: '(a+)+$' }, { name: 'broken', pattern: '([0-9' }] } });
    expect(refused.status).toBe(400);
    const { problems } = (await refused.json()) as { problems: { field: string; message: string }[] };
    expect(problems.map((p) => p.field)).toEqual(['redaction.patterns.0.pattern', 'redaction.patterns.1.pattern']);

    const res = await setPolicies({ redaction: { patterns: [{ name: 'DNI', pattern: '\\b\\d{8}[A-Z]\\b', flags: 'i' }] } });
    expect(res.status).toBe(200);
    const view = (await res.json()) as { policy: { redaction: { cards: boolean; patterns: unknown[] } } };
    expect(view.policy.redaction).toEqual({ cards: true, patterns: [{ name: 'DNI', pattern: '\\b\\d{8}[A-Z]\\b', flags: 'i' }] });

    const sid = newConversationSid();
    const ack = await send(sid, 'Hola, mi DNI es 12345678z');
    expect(await ack.json()).toEqual({ body: 'Hola, mi DNI es [DNI redacted]' });
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe(`${redactionNotice('es', ['DNI'])}\n\nReply to: Hola, mi DNI es [DNI redacted]`);
  });

  test('with card redaction off, the message goes through unchanged', async () => {
    expect((await setPolicies({ redaction: { cards: false } })).status).toBe(200);
    const sid = newConversationSid();
    const res = await send(sid, `card ${CARD}`);
    expect(await res.json()).toEqual({});
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
  });

  test('a blocked sender is answered 403 and starts nothing, until unblocked', async () => {
    const author = 'whatsapp:+15550001111';
    const created = await t.api('POST', '/api/blocked-senders', { phone: '+15550001111', reason: 'abusive messages' });
    expect(created.status).toBe(201);
    const blocked = (await created.json()) as { id: string; address: string; integrationId: string; createdBy: string };
    expect(blocked).toMatchObject({ address: author, integrationId: t.integrationId, createdBy: 'admin:admin' });
    expect((await t.api('POST', '/api/blocked-senders', { phone: author })).status).toBe(409);
    expect((await t.api('POST', '/api/blocked-senders', { phone: '555' })).status).toBe(400);

    const sid = newConversationSid();
    const res = await send(sid, 'Hello again', author);
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'sender_blocked' });
    expect(await t.db.query(`SELECT id FROM inbox_events WHERE conversation_sid = $1`, [sid])).toHaveLength(0);
    await expect(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    const list = (await (await t.api('GET', '/api/blocked-senders')).json()) as { id: string }[];
    expect(list.map((b) => b.id)).toContain(blocked.id);
    expect((await t.api('DELETE', `/api/blocked-senders/${blocked.id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/blocked-senders/${blocked.id}`)).status).toBe(404);

    // Each replica trusts its copy for a few seconds; this one forgot it at once.
    expect((await send(sid, 'Hello again', author)).status).toBe(200);
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
  });

  test('the reconciliation applies the same checks: a blocked sender stays out, a missed card number is redacted', async () => {
    const blockedAuthor = 'whatsapp:+15550002222';
    const cardAuthor = 'whatsapp:+15550003333';
    const [blockedSid, cardSid] = [newConversationSid(), newConversationSid()];
    await send(blockedSid, 'Hello', blockedAuthor);
    await send(cardSid, 'Hello', cardAuthor);
    await t.twilio.waitForMessages(1, { conversationSid: blockedSid, timeoutMs: 20_000 });
    await t.twilio.waitForMessages(1, { conversationSid: cardSid, timeoutMs: 20_000 });
    expect((await t.api('POST', '/api/blocked-senders', { phone: blockedAuthor })).status).toBe(201);
    // Stored by Twilio three minutes ago, their webhooks never reached the agent (e.g. the hook timed
    // out, so Twilio kept the original text: fail-open).
    const past = new Date(Date.now() - 3 * 60_000);
    t.twilio.addCustomerMessage(ACCOUNT_SID, blockedSid, { author: blockedAuthor, body: 'answer me!', dateCreated: past });
    t.twilio.addCustomerMessage(ACCOUNT_SID, cardSid, { author: cardAuthor, body: `here is my card ${CARD}`, dateCreated: past });

    const schedule = t.temporal.schedule.getHandle(`reconcile-inbound:${t.config.temporal.taskQueue}`);
    await schedule.trigger();
    const [action] = await eventually(async () => (await schedule.describe()).info.recentActions, (a) => a.length >= 1);
    expect(await t.temporal.workflow.getHandle(action!.action.workflow.workflowId).result()).toMatchObject({ recovered: 1 });

    const replies = await t.twilio.waitForMessages(2, { conversationSid: cardSid, timeoutMs: 20_000 });
    expect(replies[1]!.body).toBe(`${redactionNotice('en', ['card'])}\n\nReply to: here is my card [card •••• 4242]`);
    const stored = (await t.db.query(`SELECT m.body FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.conversation_sid = $1`, [cardSid])) as { body: string }[];
    expect(JSON.stringify(stored).replace(/[ -]/g, '')).not.toContain('4242424242424242');
    expect(t.twilio.messagesFor(blockedSid).filter((m) => m.author === 'agent')).toHaveLength(1);
  });

  test('a spent daily token budget: the fallback goes out without a model call, alerts once, usage is visible', async () => {
    expect((await setPolicies({ limits: { customerDailyTokens: 10 } })).status).toBe(200);
    const author = 'whatsapp:+4915199990000';
    const sid = newConversationSid();
    const callsBefore = t.openai.requests.length;

    await send(sid, 'Hello, can you help me with my order?', author);
    const [first] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(first!.body).toBe('Reply to: Hello, can you help me with my order?');
    expect(t.openai.requests.length).toBe(callsBefore + 1);

    await send(sid, 'Hello? Is anyone there?', author);
    await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    await send(sid, 'Please answer my question', author);
    const replies = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    expect(replies.slice(1).map((r) => r.body)).toEqual([budgetReply('en'), budgetReply('en')]);
    expect(t.openai.requests.length).toBe(callsBefore + 1); // no model call beyond the budget

    const alerts = (await (await t.api('GET', '/api/alerts')).json()) as { kind: string; message: string }[];
    const customerId = ((await t.db.query(`SELECT id FROM customers WHERE phone = $1`, [author])) as { id: string }[])[0]!.id;
    const about = alerts.filter((a) => a.message.includes(customerId));
    expect(about.map((a) => a.kind).sort()).toEqual(['llm_budget_exhausted', 'llm_budget_warning']);

    const usage = (await (await t.api('GET', `/api/usage?integrationId=${t.integrationId}`)).json()) as {
      integrations: { calls: number; totalTokens: number; topCustomers: { phone: string; calls: number; totalTokens: number; budgetUsedPercent: number }[] }[];
    };
    const customer = usage.integrations[0]!.topCustomers.find((c) => c.phone === author)!;
    expect(customer.calls).toBe(1);
    expect(customer.totalTokens).toBeGreaterThan(10);
    expect(customer.budgetUsedPercent).toBeGreaterThanOrEqual(100);
    expect((await t.api('GET', '/api/usage?day=yesterday')).status).toBe(400);
  });

  test('the integration-wide budget applies to every customer, with its own alert', async () => {
    expect((await setPolicies({ limits: { integrationDailyTokens: 1 } })).status).toBe(200); // today's usage is already beyond it
    const sid = newConversationSid();
    const callsBefore = t.openai.requests.length;
    await send(sid, 'Hello, can you help me?', 'whatsapp:+4915100000001');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe(budgetReply('en'));
    expect(t.openai.requests.length).toBe(callsBefore);
    const alerts = (await (await t.api('GET', '/api/alerts')).json()) as { kind: string; message: string }[];
    expect(alerts.filter((a) => a.kind === 'llm_budget_exhausted' && a.message.startsWith('The integration'))).toHaveLength(1);
  });

  test('the policy endpoints are for administrators only', async () => {
    const res = await t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' });
    const { key } = (await res.json()) as { key: string };
    expect((await t.api('GET', `/api/integrations/${t.integrationId}/policies`, undefined, key)).status).toBe(403);
    expect((await t.api('GET', '/api/blocked-senders', undefined, key)).status).toBe(403);
    expect((await t.api('GET', '/api/usage', undefined, key)).status).toBe(403);
    expect((await t.api('GET', '/api/usage', undefined, null)).status).toBe(401);
    const policy = (await (await t.api('GET', `/api/integrations/${t.integrationId}/policies`)).json()) as { policy: Record<string, unknown> };
    expect(policy.policy).toMatchObject({ holdingMessageSeconds: 8, limits: { customerMessagesPerMinute: 20 }, businessHours: null });
  });
});
