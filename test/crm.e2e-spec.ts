import type { ChatRequest } from './emulators/openai-emulator';
import { seedCustomers, seedOrder } from './support/crm-seed';
import { eventually } from './support/eventually';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { behaviourTagsScheduleId } from '../workflows/behaviour-tags.workflow';
import { conversationWorkflowId, taskQueues } from '../workflows/definitions';

const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
const systemOf = (req: ChatRequest) => String(req.messages.find((m) => m.role === 'system')?.content ?? '');

/**
 * Customer profiles, end to end: the agent records what the customer says about themselves (with
 * the message it came from), staff edit through the API, the timeline shows it all, STOP and START
 * change consent at once, segments select by profile and behaviour, and erasure leaves nothing.
 */
describe('CRM: profiles, timeline, consent, segments, erasure', () => {
  let t: TestApp;
  let token = 0;
  const send = (sid: string, body: string, author = 'whatsapp:+34600111222') =>
    t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: author }), { idempotencyToken: `crm-${++token}` });
  const bodies = async (sid: string, n: number) => (await t.twilio.waitForMessages(n, { conversationSid: sid, timeoutMs: 20_000 })).map((m) => m.body!);
  const json = async <T>(res: Promise<Response>, status = 200): Promise<T> => {
    const r = await res;
    const body = (await r.json()) as T;
    if (r.status !== status) throw new Error(`Expected ${status}, got ${r.status}: ${JSON.stringify(body)}`);
    return body;
  };

  beforeAll(async () => {
    t = await startTestApp();
    t.openai.respond((req) => {
      const result = lastTool(req);
      if (result !== undefined) return { content: `Tool said: ${result}` };
      const text = lastUser(req);
      const profile = /^I am (\w+), (\S+@\S+)$/.exec(text);
      if (profile) return { toolCalls: [{ name: 'update_customer_profile', arguments: { name: profile[1]!, email: profile[2]!, attributes: { shoe_size: 42 } } }] };
      const city = /^I live in (\w+)$/.exec(text);
      if (city) return { toolCalls: [{ name: 'update_customer_profile', arguments: { attributes: { city: city[1]! } } }] };
      if (text === 'Change someone else') return { toolCalls: [{ name: 'update_customer_profile', arguments: { customerId: '00000000-0000-4000-8000-000000000000', name: 'Mallory' } }] };
      return { content: `Model saw: ${text}` };
    });
  });
  afterAll(() => t?.close());

  type Profile = { id: string; name: string | null; email: string | null; tags: string[]; attributes: Record<string, unknown>; consent: { marketing: string | null; source: string | null } };

  test('the agent saves what the customer says, with the message it came from; staff edit; the timeline shows both', async () => {
    const sid = newConversationSid();
    await send(sid, 'I am Ana, ana@example.com');
    expect((await bodies(sid, 1))[0]).toMatch(/^Tool said: \{"saved":\["name","email","attributes.shoe_size"\]/);
    const { customers } = await json<{ customers: Profile[] }>(t.api('GET', '/api/customers?query=ana%40example'));
    expect(customers).toHaveLength(1);
    const ana = customers[0]!;
    expect(ana).toMatchObject({ name: 'Ana', email: 'ana@example.com', attributes: { shoe_size: 42 } });
    const changes: { field: string; source: string; body: string }[] = await t.db.query(
      `SELECT p.field, p.source, m.body FROM profile_changes p JOIN messages m ON m.id = p.message_id WHERE p.customer_id = $1 ORDER BY p.field`, [ana.id]);
    expect(changes).toEqual([
      { field: 'attributes.shoe_size', source: 'agent', body: 'I am Ana, ana@example.com' },
      { field: 'email', source: 'agent', body: 'I am Ana, ana@example.com' },
      { field: 'name', source: 'agent', body: 'I am Ana, ana@example.com' },
    ]);

    // The model cannot widen the scope: a customer id in its arguments is an invalid call, and changes nothing.
    await send(sid, 'Change someone else');
    expect((await bodies(sid, 2))[1]).toMatch(/Unrecognized key.*customerId|customerId/);
    expect((await json<Profile>(t.api('GET', `/api/customers/${ana.id}`))).name).toBe('Ana');

    // What the agent knows of the customer reaches the model on the next turn: this customer only.
    await send(sid, 'Hello again');
    await bodies(sid, 3);
    const prompt = systemOf(t.openai.requests[t.openai.requests.length - 1]!);
    expect(prompt).toContain('Name: Ana');
    expect(prompt).toContain('shoe_size: 42');

    // Staff: a bad change is refused whole; a good one is recorded with who made it.
    expect((await t.api('PATCH', `/api/customers/${ana.id}`, { email: 'not-an-email', addTags: ['vip'] })).status).toBe(400);
    expect((await json<Profile>(t.api('GET', `/api/customers/${ana.id}`))).tags).toEqual([]);
    const patched = await json<Profile>(t.api('PATCH', `/api/customers/${ana.id}`, { addTags: ['vip'], attributes: { shoe_size: null, city: 'Madrid' }, timeZone: 'Europe/Madrid' }));
    expect(patched).toMatchObject({ tags: ['vip'], attributes: { city: 'Madrid' } });
    expect((await t.api('PATCH', '/api/customers/00000000-0000-4000-8000-000000000000', { name: 'X' })).status).toBe(404);
    // What staff set is the business's record: the agent cannot overwrite it from the customer's words.
    await send(sid, 'I live in Paris');
    expect((await bodies(sid, 4))[3]).toContain('These are kept by the business and cannot be changed here: attributes.city');
    expect((await json<Profile>(t.api('GET', `/api/customers/${ana.id}`))).attributes.city).toBe('Madrid');
    // An agent key reads and edits profiles but does not change consent.
    const agentKey = (await json<{ key: string }>(t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' }), 201)).key;
    expect((await t.api('PATCH', `/api/customers/${ana.id}`, { consent: 'opted_in' }, agentKey)).status).toBe(403);
    expect((await t.api('PATCH', `/api/customers/${ana.id}`, { name: 'Ana María' }, agentKey)).status).toBe(200);
    expect((await t.api('POST', '/api/segments', { name: 'x', rule: { all: [{ field: 'tag', op: 'contains', value: 'vip' }] } }, agentKey)).status).toBe(403);
    expect((await json<{ id: string }>(t.api('POST', `/api/customers/${ana.id}/notes`, { body: 'Prefers calls after 6pm' }), 201)).id).toBeTruthy();

    const timeline = await json<{ kind: string; summary: string; at: string }[]>(t.api('GET', `/api/customers/${ana.id}/timeline`));
    const kinds = new Set(timeline.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['message', 'note', 'profile_change', 'tool_call']);
    expect(timeline.map((e) => e.at)).toEqual([...timeline.map((e) => e.at)].sort().reverse());
    expect(timeline.find((e) => e.kind === 'profile_change' && e.summary.startsWith('tags'))?.summary).toBe('tags: [] → ["vip"] (staff)');
    expect(timeline.find((e) => e.kind === 'note')?.summary).toBe('Note by admin:admin: Prefers calls after 6pm');
    // Staff notes are internal: the agent's summary of the customer leaves them out.
    await send(sid, 'Thanks');
    await bodies(sid, 5);
    expect(systemOf(t.openai.requests[t.openai.requests.length - 1]!)).not.toContain('calls after 6pm');
  });

  test('STOP, BAJA and START change consent at once, are confirmed, and never reach the model', async () => {
    const sid = newConversationSid();
    const author = 'whatsapp:+34600999888';
    await send(sid, 'Hola', author);
    await bodies(sid, 1);
    const asked = t.openai.requests.length;
    await send(sid, 'BAJA', author);
    expect((await bodies(sid, 2))[1]).toMatch(/^Hecho: no recibirás más mensajes promocionales/);
    const [customer] = (await json<{ customers: Profile[] }>(t.api('GET', `/api/customers?query=${encodeURIComponent('+34600999888')}`))).customers;
    expect(customer!.consent).toMatchObject({ marketing: 'opted_out', source: 'customer:keyword:baja' });
    await send(sid, 'start!', author);
    expect((await bodies(sid, 3))[2]).toMatch(/^(Done|Hecho): /);
    expect((await json<Profile>(t.api('GET', `/api/customers/${customer!.id}`))).consent.marketing).toBe('opted_in');
    expect(t.openai.requests.length).toBe(asked);
    // "stop" inside a sentence is a message for the agent, not a keyword.
    await send(sid, 'please stop the order', author);
    expect((await bodies(sid, 4))[3]).toBe('Model saw: please stop the order');
    expect((await json<Profile>(t.api('GET', `/api/customers/${customer!.id}`))).consent.marketing).toBe('opted_in');
  });

  test('segments select by profile and behaviour; values stay values, whatever they hold', async () => {
    const run = `seg${Date.now()}`;
    const [big, repeat, idle, odd] = await seedCustomers(t.db, t.integrationId, [
      { name: 'Big Spender', tags: [run], consent: 'opted_in', language: 'es' },
      { name: 'Repeat Buyer', tags: [run], consent: 'opted_out' },
      { name: "O'Idle", tags: [run], lastSeenDaysAgo: 90, attributes: { city: 'Lyon' } },
      { name: '100% Real', tags: [run] },
    ]);
    await seedOrder(t.db, t.integrationId, big!, 250);
    await seedOrder(t.db, t.integrationId, repeat!, 20);
    await seedOrder(t.db, t.integrationId, repeat!, 30, 'paid', 10);
    await seedOrder(t.db, t.integrationId, repeat!, 999, 'cancelled');
    const mine = { field: 'tag', op: 'contains', value: run };
    const preview = async (rule: unknown) => json<{ count: number; customers: Profile[] }>(t.api('POST', '/api/segments/preview', { rule }));
    const names = async (rule: unknown) => (await preview(rule)).customers.map((c) => c.name).sort();

    expect(await names({ all: [mine, { field: 'total_spent', op: 'gte', value: 100 }] })).toEqual(['Big Spender']);
    expect(await names({ all: [mine, { field: 'orders_count', op: 'gt', value: 1 }] })).toEqual(['Repeat Buyer']);
    expect(await names({ all: [mine, { any: [{ field: 'language', op: 'eq', value: 'es' }, { field: 'attributes.city', op: 'eq', value: 'Lyon' }] }] })).toEqual(["O'Idle", 'Big Spender'].sort());
    expect(await names({ all: [mine, { field: 'last_message', op: 'older_than_days', value: 60 }] })).toEqual(["O'Idle"]);
    expect(await names({ all: [mine, { field: 'consent', op: 'not_exists' }] })).toEqual(['100% Real', "O'Idle"]);
    expect(await names({ all: [mine, { field: 'last_order_date', op: 'within_days', value: 5 }] })).toEqual(['Big Spender', 'Repeat Buyer']);
    // Injection attempts are compared as text and match nothing (or only what literally holds them).
    expect(await names({ all: [mine, { field: 'name', op: 'eq', value: "' OR 1=1 --" }] })).toEqual([]);
    expect(await names({ all: [mine, { field: 'name', op: 'contains', value: "%' OR '1'='1" }] })).toEqual([]);
    expect(await names({ all: [mine, { field: 'name', op: 'contains', value: '%' }] })).toEqual(['100% Real']);
    expect(await names({ all: [mine, { field: 'name', op: 'contains', value: "'" }] })).toEqual(["O'Idle"]);
    // Fields and operators are checked: a 400 naming the condition, and no query runs.
    for (const [rule, message] of [
      [{ all: [{ field: 'c.id; DROP TABLE customers', op: 'eq', value: 'x' }] }, 'rule.all[0]: unknown field'],
      [{ all: [{ field: 'attributes.x) OR (1=1', op: 'eq', value: 'x' }] }, 'rule.all[0]: unknown field'],
      [{ all: [{ field: 'total_spent', op: 'contains', value: 'x' }] }, 'does not apply to total_spent'],
      [{ all: [{ field: 'total_spent', op: 'gt', value: '1; DELETE FROM orders' }] }, 'takes a number'],
      [{ all: [{ field: 'orders_count', op: 'gte', value: 1.5 }] }, 'takes a whole number'],
      [JSON.parse(`${'{"all":['.repeat(1000)}{"field":"name","op":"exists"}${']}'.repeat(1000)}`), 'groups nest at most 4 deep'],
    ] as const) {
      const res = await t.api('POST', '/api/segments', { name: 'bad', rule });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toContain(message);
    }
    expect(Number((await t.db.query(`SELECT count(*) AS n FROM customers`))[0].n)).toBeGreaterThanOrEqual(4);

    const segment = await json<{ id: string; count: number }>(t.api('POST', '/api/segments', { name: 'Buyers', rule: { all: [mine, { field: 'orders_count', op: 'gte', value: 1 }] } }), 201);
    expect(segment.count).toBe(2);
    const members = await json<{ count: number; customers: Profile[] }>(t.api('GET', `/api/segments/${segment.id}/customers?limit=1`));
    expect(members).toMatchObject({ count: 2 });
    expect(members.customers).toHaveLength(1);
    expect((await json<{ total: number }>(t.api('GET', `/api/customers?segment=${segment.id}`))).total).toBe(2);
    expect((await json<{ total: number }>(t.api('GET', `/api/customers?tag=${run}`))).total).toBe(4);

    // Behaviour tags: the schedule's run (triggered here rather than waited for) tags by the same rules.
    await t.temporal.schedule.getHandle(behaviourTagsScheduleId(taskQueues(t.config.temporal.taskQueue).conversations)).trigger();
    const tagged = await eventually(
      async () => Object.fromEntries(((await t.db.query(`SELECT id, behaviour_tags FROM customers WHERE $1 = ANY(tags)`, [run])) as { id: string; behaviour_tags: string[] }[]).map((r) => [r.id, [...r.behaviour_tags].sort()])),
      (tags: Record<string, string[]>) => (tags[repeat!.id] ?? []).length > 0,
    );
    expect(tagged).toEqual({ [big!.id]: ['buyer', 'new'], [repeat!.id]: ['buyer', 'new', 'repeat-buyer'], [idle!.id]: ['inactive-60d', 'new'], [odd!.id]: ['new'] });
    expect(await names({ all: [mine, { field: 'tag', op: 'contains', value: 'repeat-buyer' }] })).toEqual(['Repeat Buyer']);
    expect((await json<{ total: number }>(t.api('GET', `/api/customers?tag=inactive-60d&query=Idle`))).total).toBe(1);
  });

  test('export holds everything; erasure scrubs the transcript and deletes the workflow histories', async () => {
    const sid = newConversationSid();
    const author = 'whatsapp:+34600777666';
    await send(sid, 'I am Eve, eve@example.com', author);
    await bodies(sid, 1);
    // The reply is recorded just after Twilio accepts it.
    await eventually(() => t.db.query(`SELECT m.id FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.conversation_sid = $1`, [sid]), (rows: unknown[]) => rows.length === 2);
    const [eve] = (await json<{ customers: Profile[] }>(t.api('GET', '/api/customers?query=eve%40example.com'))).customers;
    const exported = await json<{ profile: Profile; messages: { body: string }[]; profileChanges: unknown[] }>(t.api('GET', `/api/customers/${eve!.id}/export`));
    expect(exported.profile.email).toBe('eve@example.com');
    expect(exported.messages.map((m) => m.body)).toContain('I am Eve, eve@example.com');
    expect(exported.profileChanges).toHaveLength(3);
    expect((await t.api('GET', `/api/customers/${eve!.id}/export`, undefined, null)).status).toBe(401);

    const workflowId = conversationWorkflowId(t.integrationId, sid);
    await t.temporal.workflow.getHandle(workflowId).describe();
    const erased = await json<{ messagesScrubbed: number; workflowHistoriesDeleted: number }>(t.api('DELETE', `/api/customers/${eve!.id}`));
    expect(erased).toMatchObject({ erased: true, messagesScrubbed: 2, complete: true });
    expect(erased.workflowHistoriesDeleted).toBeGreaterThanOrEqual(1);
    // Repeating the request (as when it was incomplete) scrubs nothing more. (Temporal's visibility may
    // still list a history being deleted for a moment; deleting it again is harmless.)
    expect(await json(t.api('DELETE', `/api/customers/${eve!.id}`))).toMatchObject({ erased: true, messagesScrubbed: 0, complete: true });
    const payloads: { payload: unknown }[] = await t.db.query(`SELECT payload FROM inbox_events WHERE conversation_sid = $1`, [sid]);
    expect(payloads.length).toBeGreaterThan(0);
    expect(payloads.every((p) => JSON.stringify(p.payload) === '{}')).toBe(true);
    expect((await t.api('GET', `/api/customers/${eve!.id}`)).status).toBe(404);
    const left: { body: string }[] = await t.db.query(`SELECT body FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE c.conversation_sid = $1`, [sid]);
    expect(left.map((m) => m.body)).toEqual(['[erased]', '[erased]']);
    expect(await t.db.query(`SELECT * FROM profile_changes WHERE customer_id = $1`, [eve!.id])).toEqual([]);
    const gone = await eventually(() => t.temporal.workflow.getHandle(workflowId).describe().then(() => false, (err: Error) => /not found/i.test(err.message)), (g) => g);
    expect(gone).toBe(true);
    // Writing again starts a new customer with nothing of the old one.
    await send(sid, 'Hello', author);
    await bodies(sid, 2);
    const again = (await json<{ customers: Profile[] }>(t.api('GET', `/api/customers?query=${encodeURIComponent('+34600777666')}`))).customers;
    expect(again).toHaveLength(1);
    expect(again[0]).toMatchObject({ name: null, email: null });
  });
});
