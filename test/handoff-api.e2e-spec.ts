import type { ChatRequest } from './emulators/openai-emulator';
import { eventually } from './support/eventually';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const CUSTOMER = 'whatsapp:+4915112345678';

/**
 * The hand-off end to end: a customer asks for a person over the signed webhook, an agent with an
 * `agent` key finds the conversation, takes over, writes through Twilio (emulated) while the bot
 * stays silent, hands back, and closes; the model's escalate_to_human tool through the real client.
 */
describe('human hand-off API', () => {
  let t: TestApp;
  let dana: string;
  let sam: string;

  beforeAll(async () => {
    t = await startTestApp();
    t.openai.respond(respond);
    const create = async (name: string) => ((await (await t.api('POST', '/api/keys', { name, role: 'agent' })).json()) as { key: string }).key;
    dana = await create('Dana');
    sam = await create('Sam');
  });
  afterAll(() => t?.close());

  /** The model: phrases hand-off notices, escalates refunds with its tool, echoes the rest. */
  function respond(req: ChatRequest) {
    const system = String(req.messages[0]?.content ?? '');
    const last = req.messages.at(-1)!;
    if (system.includes('has been asked to take over')) return { content: 'Klar, eine Kollegin übernimmt gleich hier im Chat.' };
    if (last.role === 'tool') return { content: 'Ich verbinde dich mit einer Person aus dem Team.' };
    if (String(last.content).includes('Erstattung')) return { toolCalls: [{ name: 'escalate_to_human', arguments: { reason: 'refund of 900 EUR' } }] };
    return { content: `Echo: ${String(last.content)}` };
  }

  let token = 0;
  const say = (sid: string, body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: CUSTOMER }), { idempotencyToken: `handoff-${++token}` });
  const as = (key: string) => ({
    get: (path: string) => t.api('GET', path, undefined, key),
    post: (path: string, body?: unknown) => t.api('POST', path, body, key),
  });
  const transcript = async (sid: string) => (await (await as(dana).get(`/api/conversations/${sid}`)).json()) as {
    status: string; assignedAgent: { name: string } | null; temporalWorkflowId: string;
    messages: { direction: string; body: string; sentBy: string | null }[];
    handoffs: { from: string; to: string; cause: string; actor: string | null; reason: string | null }[];
  };
  const statusOf = async (sid: string) => (await transcript(sid)).status;

  test('ask for a person, take over, write while the bot is silent, hand back, close', async () => {
    const sid = newConversationSid();
    await say(sid, 'Ich möchte mit einem Menschen sprechen');
    const [notice] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(notice!.body).toBe('Klar, eine Kollegin übernimmt gleich hier im Chat.');
    await eventually(() => statusOf(sid), (s) => s === 'waiting_for_human');

    // The agent's list: waiting conversations with customer, last message and waiting time.
    const list = (await (await as(dana).get('/api/conversations?status=waiting_for_human')).json()) as { conversations: Record<string, unknown>[] };
    expect(list.conversations.find((c) => c.conversationSid === sid)).toMatchObject({
      status: 'waiting_for_human',
      customer: { phone: CUSTOMER },
      assignedAgent: null,
      lastMessage: { direction: 'outbound', body: notice!.body },
      waitingSince: expect.any(String),
      waitingSeconds: expect.any(Number),
    });

    // In Temporal: the README's query finds it by status and phone.
    const { temporalWorkflowId } = await transcript(sid);
    const found: string[] = [];
    for await (const wf of t.temporal.workflow.list({ query: `ConversationStatus="waiting_for_human" AND CustomerPhone="${CUSTOMER}"` })) found.push(wf.workflowId);
    expect(found).toContain(temporalWorkflowId);

    const takeover = await as(dana).post(`/api/conversations/${sid}/takeover`);
    expect(takeover.status).toBe(200);
    expect(await takeover.json()).toMatchObject({ conversationSid: sid, status: 'human', assignedAgent: { name: 'Dana' } });
    const stolen = await as(sam).post(`/api/conversations/${sid}/takeover`);
    expect(stolen.status).toBe(409);
    expect(await stolen.json()).toMatchObject({ error: 'owned_by_another_agent' });

    // The customer writes: recorded and shown to the agent, never answered by the bot.
    await say(sid, 'Meine Bestellung 1042 ist nicht angekommen');
    await eventually(async () => (await transcript(sid)).messages.map((m) => m.body), (b) => b.includes('Meine Bestellung 1042 ist nicht angekommen'));
    expect(t.twilio.messagesFor(sid)).toHaveLength(1);

    const sent = await as(dana).post(`/api/conversations/${sid}/messages`, { body: 'Hallo, hier ist Dana. Ich schaue nach.' });
    expect(sent.status).toBe(201);
    expect(await sent.json()).toMatchObject({ status: 'sent', messageSid: expect.stringMatching(/^IM/) });
    expect(t.twilio.messagesFor(sid).map((m) => m.body)).toEqual([notice!.body, 'Hallo, hier ist Dana. Ich schaue nach.']);
    expect((await transcript(sid)).messages.at(-1)).toMatchObject({ direction: 'outbound', sentBy: 'agent:Dana' });

    const refused = await as(sam).post(`/api/conversations/${sid}/messages`, { body: 'Hi' });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: 'not_conversation_owner', message: expect.stringContaining('Dana') });
    expect((await as(dana).post(`/api/conversations/${sid}/messages`, { body: '  ' })).status).toBe(400);
    expect((await as(dana).post(`/api/conversations/${sid}/messages`, { text: 'wrong field' })).status).toBe(400);

    const handback = await as(dana).post(`/api/conversations/${sid}/handback`);
    expect(handback.status).toBe(200);
    expect(await handback.json()).toMatchObject({ status: 'bot', assignedAgent: null });
    await say(sid, 'Danke, noch eine Frage');
    const replies = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    expect(replies.at(-1)!.body).toBe('Echo: Danke, noch eine Frage');

    expect((await as(dana).post(`/api/conversations/${sid}/close`)).status).toBe(200);
    const closed = await as(dana).post(`/api/conversations/${sid}/messages`, { body: 'Hi' });
    expect(closed.status).toBe(409);
    expect(await closed.json()).toMatchObject({ error: 'conversation_closed' });
    expect((await as(dana).post(`/api/conversations/${sid}/takeover`)).status).toBe(409);
    await eventually(() => statusOf(sid), (s) => s === 'closed');
    expect((await transcript(sid)).handoffs.map((h) => [h.from, h.to, h.cause, h.actor])).toEqual([
      ['bot', 'waiting_for_human', 'customer_request', null],
      ['waiting_for_human', 'human', 'agent_takeover', 'agent:Dana'],
      ['human', 'bot', 'agent_handback', 'agent:Dana'],
      ['bot', 'closed', 'agent_close', 'agent:Dana'],
    ]);
    expect(t.twilio.messagesFor(sid)).toHaveLength(3);
  });

  test("the model's escalate_to_human tool hands over, with the model's words and reason", async () => {
    const sid = newConversationSid();
    await say(sid, 'Ich will eine Erstattung über 900 Euro');
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    expect(reply!.body).toBe('Ich verbinde dich mit einer Person aus dem Team.');
    await eventually(() => statusOf(sid), (s) => s === 'waiting_for_human');
    expect((await transcript(sid)).handoffs).toEqual([expect.objectContaining({ cause: 'llm_tool', reason: 'refund of 900 EUR' })]);
    const offered = t.openai.requests.find((r) => JSON.stringify(r.messages).includes('Erstattung'))!;
    expect(offered.tools?.map((tool) => tool.function.name)).toContain('escalate_to_human');
    expect(t.openai.schemaProblems).toEqual([]);
  });

  test('the agent API refuses what it cannot do, clearly', async () => {
    expect((await as(dana).get('/api/conversations?status=sleeping')).status).toBe(400);
    expect((await as(dana).get('/api/conversations/not-a-sid')).status).toBe(400);
    const unknown = await as(dana).post(`/api/conversations/${newConversationSid()}/takeover`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'conversation_not_found' });
    expect((await t.api('POST', `/api/conversations/${newConversationSid()}/takeover`, undefined, null)).status).toBe(401);

    const sid = newConversationSid();
    await say(sid, 'Hallo');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    const handback = await as(dana).post(`/api/conversations/${sid}/handback`);
    expect(handback.status).toBe(409);
    expect(await handback.json()).toMatchObject({ error: 'already_with_bot' });
    const notTaken = await as(dana).post(`/api/conversations/${sid}/messages`, { body: 'Hi' });
    expect(notTaken.status).toBe(409);
    expect(await notTaken.json()).toMatchObject({ error: 'not_with_human' });
  });
});
