import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { ChatRequest, ScriptedReply } from './emulators/openai-emulator';
import type { EmulatedMessage } from './emulators/twilio-emulator';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { BUSINESS_NUMBER, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { alertWorkflowId } from '../workflows/definitions';

const OWNER = '+34600111001';
const AGENT = '+34600111002';
const ANALYST = '+34600111003';
const QUIET_AGENT = '+34600111004';
const CUSTOMER = 'whatsapp:+4915112345678';
const PRODUCTS = [{ sku: 'SHOE-1', name: 'Trail running shoe', description: 'Light shoe', price: { amount: 59.9, currency: 'EUR' }, stock: 50 }];

interface StaffMember { id: string; phone: string; name: string; role: string; notify: string[] }
interface AlertRow { id: string; kind: string; message: string; integrationId: string | null; acknowledgedAt: string | null; acknowledgedBy: string | null }

/** Receives the signed event webhooks; keeps each body. */
class Receiver {
  readonly bodies: { type: string; data: Record<string, unknown> }[] = [];
  url = '';
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { type: string; data: Record<string, unknown> });
      res.end('ok');
    });
  });

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');
const keyOf = (m: EmulatedMessage) => (JSON.parse(m.attributes) as { idempotencyKey?: string }).idempotencyKey;

/**
 * Staff numbers and the alerts that reach them, end to end on real Temporal and PostgreSQL with
 * Twilio and the model emulated: the staff registry API; a hand-off alert on the WhatsApp of the
 * staff subscribed to it (in the conversation an owner already has, in one opened through the
 * Conversations API for an agent who has none), once each, and as a signed `alert.raised` event;
 * a high-value order paid on the sandbox page; an angry customer; Twilio failing while an alert goes out.
 */
describe('staff notifications', () => {
  let t: TestApp;
  let receiver: Receiver;
  let token = 0;
  const staff: Record<string, StaffMember> = {};
  const ownerSid = newConversationSid();
  const say = (sid: string, body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: CUSTOMER }), { idempotencyToken: `staff-${++token}` });
  const json = async <T>(res: Response | Promise<Response>) => (await (await res).json()) as T;
  const alerts = (kind: string) => json<AlertRow[]>(t.api('GET', `/api/alerts?kind=${kind}`));
  /** The alert's delivery settled: every staff message it sends has gone out (or failed for good). */
  const delivered = async (alert: AlertRow) => {
    const handle = t.temporal.workflow.getHandle(alertWorkflowId(alert.id));
    // The alert is recorded a moment before its delivery starts.
    await eventually(() => handle.describe().then(() => true, () => false), Boolean);
    return handle.result();
  };
  const staffMessages = (alert: AlertRow) => t.twilio.messages.filter((m) => keyOf(m)?.startsWith(`${alertWorkflowId(alert.id)}:staff:`));
  let script: (req: ChatRequest) => ScriptedReply = (req) => ({ content: `Echo: ${lastUser(req)}` });

  beforeAll(async () => {
    receiver = await new Receiver().start();
    t = await startTestApp({ env: { ALLOW_PRIVATE_URLS: 'true', HIGH_VALUE_ORDER_AMOUNT: '100', WEBHOOK_RETRY_INITIAL_SECONDS: '1', WEBHOOK_RETRY_MAX_SECONDS: '2' } });
    t.openai.respond((req) => {
      if (String(req.messages[0]?.content ?? '').includes('has been asked to take over')) return { content: 'Someone from the team will take over here.' };
      return script(req);
    });
    expect((await t.api('POST', '/api/webhooks', { url: `${receiver.url}/alerts`, events: ['alert.raised'], secret: `whsec-${randomUUID()}` })).status).toBe(201);
    expect((await t.api('PUT', '/api/products', PRODUCTS)).status).toBe(200);
    for (const [phone, name, role, notify] of [[OWNER, 'Olga', 'owner'], [AGENT, 'Arturo', 'agent'], [ANALYST, 'Ana', 'analyst'], [QUIET_AGENT, 'Nico', 'agent', []]] as const) {
      const res = await t.api('POST', '/api/staff', { phone, name, role });
      expect(res.status).toBe(201);
      staff[name] = (await res.json()) as StaffMember;
      if (notify) expect((await t.api('PATCH', `/api/staff/${staff[name]!.id}`, { notify })).status).toBe(200);
    }
    // The owner has written to the business before: their latest conversation is where alerts go.
    const customerId = randomUUID();
    await t.db.query(`INSERT INTO customers (id, integration_id, phone, last_seen_at) VALUES ($1, $2, $3, now())`, [customerId, t.integrationId, `whatsapp:${OWNER}`]);
    await t.db.query(`INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at) VALUES ($1, $2, $3, $4, 'bot', now())`, [randomUUID(), t.integrationId, ownerSid, customerId]);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  test('the staff registry: validated, one entry per phone, admins only', async () => {
    expect(staff.Olga).toEqual({ id: expect.any(String), phone: `whatsapp:${OWNER}`, name: 'Olga', role: 'owner', notify: expect.arrayContaining(['handoff_requested', 'high_value_order', 'negative_sentiment', 'integration_paused']), integrationId: null, createdAt: expect.any(String) });
    expect(staff.Arturo!.notify).toEqual(['handoff_requested', 'handoff_sla_missed', 'handoff_reminder']);
    expect(staff.Ana!.notify).toEqual([]);

    for (const body of [{ phone: '600111222', name: 'X', role: 'owner' }, { phone: '+34600111999', name: 'X', role: 'boss' }, { phone: '+34600111999', role: 'owner' }, { phone: '+34600111999', name: 'X', role: 'owner', extra: 1 }]) {
      const res = await t.api('POST', '/api/staff', body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request' });
    }
    const duplicate = await t.api('POST', '/api/staff', { phone: `whatsapp:${OWNER}`, name: 'Olga again', role: 'agent' });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ error: 'staff_exists' });

    expect((await t.api('GET', '/api/staff', undefined, null)).status).toBe(401);
    const agentKey = (await json<{ key: string }>(t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' }))).key;
    expect((await t.api('GET', '/api/staff', undefined, agentKey)).status).toBe(403);
    expect((await t.api('POST', '/api/staff', { phone: '+34600111999', name: 'X', role: 'owner' }, agentKey)).status).toBe(403);

    const created = await json<StaffMember>(t.api('POST', '/api/staff', { phone: '+34600111999', name: 'Temp', role: 'analyst' }));
    expect(await json(t.api('GET', '/api/staff?role=analyst'))).toEqual([expect.objectContaining({ name: 'Ana' }), expect.objectContaining({ name: 'Temp' })]);
    expect(await json(t.api('PATCH', `/api/staff/${created.id}`, { name: 'Tom', notify: ['high_value_order'] }))).toMatchObject({ name: 'Tom', role: 'analyst', notify: ['high_value_order'] });
    expect(await json(t.api('PATCH', `/api/staff/${created.id}`, { role: 'owner', notify: null }))).toMatchObject({ role: 'owner', notify: expect.arrayContaining(['automation']) });
    expect((await t.api('PATCH', `/api/staff/${created.id}`, { notify: ['everything'] })).status).toBe(400);
    expect((await t.api('PATCH', `/api/staff/${created.id}`, {})).status).toBe(400);
    expect((await t.api('PATCH', `/api/staff/${randomUUID()}`, { name: 'Nobody' })).status).toBe(404);
    expect((await t.api('DELETE', `/api/staff/${created.id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/staff/${created.id}`)).status).toBe(404);
    expect((await json<StaffMember[]>(t.api('GET', '/api/staff'))).map((s) => s.name)).toEqual(['Olga', 'Arturo', 'Ana', 'Nico']);
  });

  test("a hand-off reaches the subscribed staff's WhatsApp once each, and the alert.raised webhook", async () => {
    const sid = newConversationSid();
    await say(sid, 'I want to talk to a human');
    const [alert] = await eventually(() => alerts('handoff_requested'), (a) => a.some((x) => x.message.includes(sid)), 20_000);
    await delivered(alert!);

    // The owner in the conversation they already have; the agent in one opened for them.
    const opened = t.twilio.conversationWith(`whatsapp:${AGENT}`);
    expect(opened).toMatchObject({ uniqueName: `staff:${staff.Arturo!.id}`, participants: [expect.objectContaining({ address: `whatsapp:${AGENT}`, proxyAddress: `whatsapp:${BUSINESS_NUMBER}` })] });
    const sent = staffMessages(alert!);
    expect(sent.map((m) => [m.conversationSid, keyOf(m)]).sort()).toEqual([
      [ownerSid, `alert:${alert!.id}:staff:${staff.Olga!.id}`],
      [opened!.sid, `alert:${alert!.id}:staff:${staff.Arturo!.id}`],
    ].sort());
    expect(sent[0]!.body).toBe(`🔔 Hand-off waiting: ${alert!.message}`);
    // Not subscribed: no message, no conversation.
    for (const phone of [ANALYST, QUIET_AGENT]) expect(t.twilio.conversationWith(`whatsapp:${phone}`)).toBeUndefined();

    const events = await eventually(async () => receiver.bodies.filter((b) => b.type === 'alert.raised' && b.data.id === alert!.id), (e) => e.length > 0);
    expect(events).toEqual([{ id: `alert:${alert!.id}:alert.raised`, type: 'alert.raised', createdAt: expect.any(String), data: expect.objectContaining({ kind: 'handoff_requested', message: alert!.message }) }]);

    await recordHistory(t.temporal.workflow.getHandle(alertWorkflowId(alert!.id)), 'alert-staff-notified.json');

    const acked = await json<AlertRow>(t.api('POST', `/api/alerts/${alert!.id}/ack`));
    expect(acked).toMatchObject({ id: alert!.id, acknowledgedBy: expect.any(String), acknowledgedAt: expect.any(String) });
    expect((await t.api('POST', `/api/alerts/${randomUUID()}/ack`)).status).toBe(404);
    expect((await alerts('handoff_requested')).every((a) => a.kind === 'handoff_requested')).toBe(true);

    // A second alert goes to the same conversations: the agent's is reused, not opened again.
    await say(newConversationSid(), 'Can I speak to a person please');
    const second = await eventually(() => alerts('handoff_requested'), (a) => a.length >= 2, 20_000);
    await delivered(second[0]!);
    expect(staffMessages(second[0]!).map((m) => m.conversationSid).sort()).toEqual([ownerSid, opened!.sid].sort());
    expect(t.twilio.conversations.size).toBe(1);
  });

  test('a high-value order paid on the sandbox page alerts the owner', async () => {
    const sid = newConversationSid();
    script = (req) => {
      const last = req.messages.at(-1)!;
      if (last.role === 'tool') return { content: 'Done.' };
      if (/shoes/.test(lastUser(req))) return { content: 'Sure', toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: 'SHOE-1', quantity: 2 }] } }] };
      return { content: `Echo: ${lastUser(req)}` };
    };
    await say(sid, 'I want 2 pairs of the trail shoes');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await say(sid, 'yes');
    const messages = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    const link = /\/pay\/(\S+)$/.exec(messages[2]!.body!)![1]!;
    const number = /#(\d+)/.exec(messages[1]!.body!)![1]!;
    expect(await (await fetch(`${t.url}/pay/${link}`, { method: 'POST' })).text()).toContain('Payment received');

    const [alert] = await eventually(() => alerts('high_value_order'), (a) => a.length > 0, 20_000);
    expect(alert!.message).toBe(`Order #${number} was paid: 119.80 EUR (high-value orders start at 100 EUR)`);
    await delivered(alert!);
    expect(staffMessages(alert!).map((m) => [m.conversationSid, m.body])).toEqual([[ownerSid, `🔔 High-value order: ${alert!.message}`]]);
  });

  test('an angry customer raises negative_sentiment once for the conversation', async () => {
    script = (req) => ({ content: `Echo: ${lastUser(req)}` });
    const sid = newConversationSid();
    await say(sid, 'This is a SCAM, where is my refund?!!!');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await say(sid, 'Worst shop ever, I am furious');
    await t.twilio.waitForMessages(2, { conversationSid: sid, timeoutMs: 20_000 });
    await say(sid, 'Thanks, all good now');
    await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });

    const raised = (await alerts('negative_sentiment')).filter((a) => a.message.includes(sid));
    expect(raised).toHaveLength(1);
    expect(raised[0]!.message).not.toContain('refund'); // the customer's words stay out of logs and alerts
    await delivered(raised[0]!);
    expect(staffMessages(raised[0]!).map((m) => m.conversationSid)).toEqual([ownerSid]);
  });

  test('Twilio failing while an alert goes out: retried, delivered once', async () => {
    const failing = new RegExp(`${ownerSid}/Messages$`);
    const before = t.twilio.requests.length;
    t.twilio.failWhile({ status: 500, path: failing });
    const sid = newConversationSid();
    await say(sid, 'Terrible service, this is a scam');
    const [alert] = await eventually(async () => (await alerts('negative_sentiment')).filter((a) => a.message.includes(sid)), (a) => a.length > 0, 20_000);
    await eventually(async () => t.twilio.requests.slice(before).filter((r) => failing.test(r.path) && r.status === 500).length, (n) => n >= 2, 20_000);
    t.twilio.clearFailures();
    await delivered(alert!);
    expect(staffMessages(alert!).map((m) => [m.conversationSid, keyOf(m)])).toEqual([[ownerSid, `alert:${alert!.id}:staff:${staff.Olga!.id}`]]);
  });
});
