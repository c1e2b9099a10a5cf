import { followUpWorkflowId } from '../workflows/skill-definitions';
import type { ChatRequest } from './emulators/openai-emulator';
import { eventually } from './support/eventually';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const ANA = 'whatsapp:+4915100000001';
const BEN = 'whatsapp:+4915100000002';
const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

type Listed = { id: string; customerId: string; conversationSid: string | null; audience: string; status: string; createdBy: string; message: string; dueAt: string };

/**
 * Follow-ups end to end (real Temporal dev server, real database, scripted model): the agent's
 * set_follow_up schedules one for the conversation's own customer only; the API creates, lists and
 * cancels them, and refuses invalid input without storing anything; a due one reaches the customer
 * or, for staff, the alerts.
 */
describe('follow-ups', () => {
  let t: TestApp;
  let token = 0;
  const send = (sid: string, body: string, author = ANA) => t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: author }), { idempotencyToken: `follow-ups-${++token}` });
  const customerId = async (phone: string) => ((await t.db.query(`SELECT id FROM customers WHERE phone = $1`, [phone])) as { id: string }[])[0]!.id;
  const list = async (query = '') => (await (await t.api('GET', `/api/follow-ups${query}`)).json()) as Listed[];
  const count = async () => ((await t.db.query(`SELECT count(*)::int AS n FROM follow_ups`)) as { n: number }[])[0]!.n;
  const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();
  let anaSid: string;

  // Quiet hours are covered on the time-skipping server; here a follow-up due now must go out whatever the hour.
  beforeAll(async () => {
    t = await startTestApp({ env: { QUIET_HOURS: 'off' } });
  });
  afterAll(() => t?.close());

  test("the agent's set_follow_up schedules one for this conversation's customer, and only for them", async () => {
    anaSid = newConversationSid();
    t.openai.respond((req) => {
      const result = lastTool(req);
      if (result !== undefined) return { content: `Tool said: ${result}` };
      const text = lastUser(req);
      if (text.startsWith('Remind')) return { toolCalls: [{ name: 'set_follow_up', arguments: { when: { inDays: 3 }, message: 'Hi Ana, the blue shoes are back in stock?' } }] };
      if (text.startsWith('Yesterday')) return { toolCalls: [{ name: 'set_follow_up', arguments: { when: '2020-01-01T10:00:00+01:00', message: 'Too late' } }] };
      if (text.startsWith('For Ben')) return { toolCalls: [{ name: 'set_follow_up', arguments: { when: { inHours: 2 }, message: 'Hello', customerId: 'someone-else' } }] };
      return { content: `Model saw: ${text}` };
    });
    const replies = async (n: number) => (await t.twilio.waitForMessages(n, { conversationSid: anaSid, timeoutMs: 20_000 })).map((m) => m.body!);

    await send(anaSid, 'Remind me in 3 days about the blue shoes');
    const result = JSON.parse((await replies(1))[0]!.slice('Tool said: '.length)) as { followUpId: string; status: string; dueAt: string };
    expect(result.status).toBe('scheduled');
    expect(Date.parse(result.dueAt) - Date.now()).toBeGreaterThan(3 * 86_400_000 - 120_000);

    const ana = await customerId(ANA);
    expect(await list(`?customerId=${ana}`)).toEqual([
      expect.objectContaining({ id: result.followUpId, customerId: ana, conversationSid: anaSid, audience: 'customer', status: 'scheduled', createdBy: 'agent', message: 'Hi Ana, the blue shoes are back in stock?' }),
    ]);
    const handle = t.temporal.workflow.getHandle(followUpWorkflowId(result.followUpId));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // A time in the past is refused with the reason; arguments naming another customer never reach the tool.
    await send(anaSid, 'Yesterday would have been good');
    expect((await replies(2))[1]).toMatch(/^Tool said: \{"error":"That time is not in the future/);
    await send(anaSid, 'For Ben too please');
    expect((await replies(3))[2]).toMatch(/^Tool said: \{"error":"Invalid arguments: .*customerId/);
    expect(await count()).toBe(1);

    // Another customer's conversation sees none of Ana's.
    const benSid = newConversationSid();
    await send(benSid, 'Hello', BEN);
    await t.twilio.waitForMessages(1, { conversationSid: benSid, timeoutMs: 20_000 });
    expect(await list(`?customerId=${await customerId(BEN)}`)).toEqual([]);
  });

  test('the API creates, lists and cancels a follow-up; the cancelled workflow ends without sending', async () => {
    const ana = await customerId(ANA);
    const created = await t.api('POST', '/api/follow-ups', { customerId: ana, at: inMinutes(60 * 24 * 5), audience: 'staff', message: 'Call Ana about the refund' });
    expect(created.status).toBe(201);
    const { id, workflowId } = (await created.json()) as { id: string; workflowId: string };
    expect(workflowId).toBe(followUpWorkflowId(id));
    expect(await list(`?customerId=${ana}&status=scheduled`)).toEqual(expect.arrayContaining([
      expect.objectContaining({ id, audience: 'staff', status: 'scheduled', conversationSid: anaSid, createdBy: expect.any(String) }),
    ]));

    const cancelled = await t.api('DELETE', `/api/follow-ups/${id}`);
    expect(cancelled.status).toBe(200);
    expect(await cancelled.json()).toMatchObject({ id, status: 'cancelled', doneAt: expect.any(String) });
    expect(await t.temporal.workflow.getHandle(workflowId).result()).toBe('cancelled');
    expect((await t.api('DELETE', `/api/follow-ups/${id}`)).status).toBe(200); // again: the same answer
    expect((await list('?status=cancelled')).map((f) => f.id)).toEqual([id]);
    expect((await t.api('GET', `/api/follow-ups/${id}`)).status).toBe(200);
  });

  test('a due follow-up reaches the customer, and a staff one the alerts', async () => {
    const ana = await customerId(ANA);
    const before = t.twilio.messagesFor(anaSid).length;
    const at = new Date(Date.now() + 2_000).toISOString();
    const toCustomer = (await (await t.api('POST', '/api/follow-ups', { customerId: ana, at, audience: 'customer', message: 'Your size is back!' })).json()) as { id: string; workflowId: string };
    const toStaff = (await (await t.api('POST', '/api/follow-ups', { customerId: ana, at, audience: 'staff', message: 'Call Ana' })).json()) as { id: string; workflowId: string };
    expect(await t.temporal.workflow.getHandle(toCustomer.workflowId).result()).toBe('sent');
    expect(await t.temporal.workflow.getHandle(toStaff.workflowId).result()).toBe('sent');
    expect(t.twilio.messagesFor(anaSid).slice(before).map((m) => m.body)).toEqual(['Your size is back!']);
    const alerts = await eventually(async () => (await (await t.api('GET', '/api/alerts')).json()) as { kind: string; message: string }[], (a) => a.some((x) => x.kind === 'follow_up_due'));
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'follow_up_due', message: expect.stringContaining('Call Ana') })]));
    expect((await list(`?customerId=${ana}&status=sent`)).map((f) => f.id).sort()).toEqual([toCustomer.id, toStaff.id].sort());
  });

  test('invalid input: 400 (or 404 for an unknown one), and nothing stored', async () => {
    const ana = await customerId(ANA);
    const stored = await count();
    const bad = [
      {},
      { customerId: ana, at: inMinutes(60), audience: 'everyone', message: 'Hi' },
      { customerId: ana, at: '2020-01-01T10:00:00Z', audience: 'customer', message: 'Hi' },
      { customerId: ana, at: '2030-01-01 10:00', audience: 'customer', message: 'Hi' },
      { customerId: ana, at: inMinutes(60), audience: 'customer', message: ' ' },
      { customerId: 'not-a-uuid', at: inMinutes(60), audience: 'customer', message: 'Hi' },
      { customerId: ana, at: inMinutes(60), audience: 'customer', message: 'Hi', extra: true },
    ];
    for (const body of bad) {
      const res = await t.api('POST', '/api/follow-ups', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect(await res.json()).toMatchObject({ error: 'invalid_request', problems: expect.any(Array) });
    }
    const unknown = await t.api('POST', '/api/follow-ups', { customerId: '00000000-0000-4000-8000-000000000000', at: inMinutes(60), audience: 'staff', message: 'Hi' });
    expect(unknown.status).toBe(404);
    expect((await t.api('GET', '/api/follow-ups?status=done')).status).toBe(400);
    expect((await t.api('GET', '/api/follow-ups?customerId=ana')).status).toBe(400);
    expect((await t.api('DELETE', '/api/follow-ups/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.api('GET', '/api/follow-ups', undefined, null)).status).toBe(401);
    expect(await count()).toBe(stored);
  });
});
