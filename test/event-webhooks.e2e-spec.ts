import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { ChatRequest } from './emulators/openai-emulator';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import type { WebhookDelivery } from '../src/webhooks/webhook-deliveries.service';
import { verifyWebhookSignature } from '../src/webhooks/webhook-signature';
import { orderWorkflowId } from '../workflows/skill-definitions';
import { webhookDeliveryWorkflowId } from '../workflows/webhook-delivery.workflow';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver in the test process: records every request; each path answers the statuses queued for it, then 200. */
class Receiver {
  readonly received: Received[] = [];
  url = '';
  private readonly answers = new Map<string, number[]>();
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = this.answers.get(req.url ?? '')?.shift() ?? 200;
      res.end(res.statusCode === 200 ? 'ok' : 'not now');
    });
  });

  static async start(): Promise<Receiver> {
    const receiver = new Receiver();
    await new Promise<void>((resolve) => receiver.server.listen(0, '127.0.0.1', resolve));
    receiver.url = `http://127.0.0.1:${(receiver.server.address() as { port: number }).port}`;
    return receiver;
  }

  answer(path: string, ...statuses: number[]): void {
    this.answers.set(path, statuses);
  }

  at(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const SECRET = `whsec-${randomBytes(16).toString('hex')}`;
const PHONE = '+34600111222';
const lastUser = (req: ChatRequest) => String([...req.messages].reverse().find((m) => m.role === 'user')?.content ?? '');

/**
 * Outbound event webhooks and the inbound events API, end to end on real Temporal and PostgreSQL,
 * with a real HTTP receiver: signed deliveries, retries with every attempt visible, a refusal that is
 * not retried, replay, the SSRF guard, an order paid through the sandbox pay page, and an external
 * event that updates a profile on its way to the webhook. Retries are shortened to 1 s through config.
 */
describe('event webhooks', () => {
  let t: TestApp;
  let receiver: Receiver;
  const responses: string[] = [];
  /** Calls the API and keeps every response body, to prove the secret is never in one. */
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.api(method, path, body);
    const text = await res.text();
    responses.push(text);
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  };
  const subscribe = async (path: string, events: string[]) => {
    const created = await api('POST', '/api/webhooks', { url: `${receiver.url}${path}`, events, secret: SECRET });
    expect(created).toEqual({ status: 201, json: { id: expect.any(String) } });
    return created.json.id as string;
  };
  const deliveries = async (webhookId: string) => (await api('GET', `/api/webhooks/${webhookId}/deliveries`)).json as WebhookDelivery[];
  const settled = (webhookId: string, n = 1) => eventually(() => deliveries(webhookId), (d) => d.length >= n && d.every((x) => x.status !== 'pending'), 20_000);

  beforeAll(async () => {
    receiver = await Receiver.start();
    t = await startTestApp({ env: { ALLOW_PRIVATE_URLS: 'true', WEBHOOK_RETRY_INITIAL_SECONDS: '1', WEBHOOK_RETRY_MAX_SECONDS: '2' } });
    await t.db.query(`INSERT INTO customers (id, integration_id, phone, name, last_seen_at) VALUES ($1, $2, $3, 'Ana', now())`, [randomUUID(), t.integrationId, `whatsapp:${PHONE}`]);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  test('an event from POST /api/events updates the profile and reaches the webhook, signed; the secret is never shown', async () => {
    const webhookId = await subscribe('/loyalty', ['loyalty.*']);
    const fired = await api('POST', '/api/events', {
      type: 'loyalty.points_added',
      customer: { phone: PHONE },
      data: { points: 50 },
      profile: { name: 'Ana García', email: 'ana@example.com', attributes: { tier: 'gold' }, tags: ['vip'] },
    });
    expect(fired).toEqual({ status: 201, json: { id: expect.any(String), customerId: expect.any(String), changed: ['name', 'email', 'tags', 'attributes.tier'] } });

    const [delivery] = await settled(webhookId);
    expect(delivery).toMatchObject({ eventId: fired.json.id, eventType: 'loyalty.points_added', status: 'delivered', attempts: 1, lastStatusCode: 200, lastError: null });
    const [request] = receiver.at('/loyalty');
    const signature = request!.headers['x-webhook-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, signature, request!.body, 300)).toBe(true);
    expect(verifyWebhookSignature('another-secret-0123456789', signature, request!.body, 300)).toBe(false);
    expect(verifyWebhookSignature(SECRET, signature, request!.body.replace('50', '51'), 300)).toBe(false);
    expect(verifyWebhookSignature(SECRET, signature, request!.body, 300, Date.now() + 600_000)).toBe(false); // too old
    expect(request!.headers['x-webhook-id']).toBe(fired.json.id);
    expect(JSON.parse(request!.body)).toEqual({
      id: fired.json.id,
      type: 'loyalty.points_added',
      createdAt: expect.any(String),
      data: {
        properties: { points: 50 },
        profileChanges: ['name', 'email', 'tags', 'attributes.tier'],
        customer: { id: fired.json.customerId, phone: `whatsapp:${PHONE}`, name: 'Ana García', email: 'ana@example.com', tags: ['vip'], attributes: { tier: 'gold' } },
      },
    });
    const changes = await t.db.query(`SELECT field, source FROM profile_changes WHERE customer_id = $1 ORDER BY field`, [fired.json.customerId]);
    expect(changes).toEqual(['attributes.tier', 'email', 'name', 'tags'].map((field) => ({ field, source: 'api' })));

    expect((await api('GET', '/api/webhooks')).json).toContainEqual({ id: webhookId, url: `${receiver.url}/loyalty`, events: ['loyalty.*'], createdAt: expect.any(String) });
    const [stored] = await t.db.query(`SELECT secret_encrypted FROM webhooks WHERE id = $1`, [webhookId]);
    expect(stored.secret_encrypted).not.toContain(SECRET);
    expect(responses.some((r) => r.includes(SECRET))).toBe(false);
  });

  test('bad input answers 400 with the problem; an unknown customer 404', async () => {
    const bad = await api('POST', '/api/events', { type: 'Loyalty Points', customer: { phone: PHONE }, profile: { phone: '+1' } });
    expect(bad.status).toBe(400);
    expect(bad.json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'type' }), expect.objectContaining({ field: 'profile' })]));
    expect((await api('POST', '/api/events', { type: 'loyalty.points_added', customer: { phone: '+34699999999' } })).status).toBe(404);
    expect((await api('POST', '/api/events', { type: 'loyalty.points_added', customer: { id: randomUUID() } })).status).toBe(404);
    expect((await api('POST', '/api/webhooks', { url: 'ftp://example.com/hook', events: ['order.paid'], secret: SECRET })).status).toBe(400);
    expect((await api('POST', '/api/webhooks', { url: `${receiver.url}/x`, events: ['Order Paid'], secret: SECRET })).status).toBe(400);
  });

  test('a receiver answering 500 gets the event again with backoff until it answers 200; every attempt is visible', async () => {
    receiver.answer('/flaky', 500, 503);
    const webhookId = await subscribe('/flaky', ['stock.low']);
    await api('POST', '/api/events', { type: 'stock.low', customer: { phone: PHONE }, data: { sku: 'TENT-1' } });
    const [delivery] = await settled(webhookId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(delivery!.attemptLog.map((a) => a.statusCode)).toEqual([500, 503, 200]);
    expect(delivery!.attemptLog[0]!.error).toBe('The receiver answered HTTP 500: not now');
    const ids = receiver.at('/flaky').map((r) => r.headers['x-webhook-id']);
    expect(new Set(ids)).toEqual(new Set([delivery!.eventId])); // one event id, for the receiver to de-duplicate
  });

  test('a receiver answering 410 fails the delivery without retries; a replay sends the event again as a new delivery', async () => {
    receiver.answer('/gone', 410);
    const webhookId = await subscribe('/gone', ['stock.low']);
    await api('POST', '/api/events', { type: 'stock.low', customer: { phone: PHONE }, data: { sku: 'LAMP' } });
    const [failed] = await settled(webhookId);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, lastStatusCode: 410, lastError: 'The receiver answered HTTP 410: not now', failedAt: expect.any(String) });
    expect(await t.temporal.workflow.getHandle(webhookDeliveryWorkflowId(failed!.id)).result()).toBe('failed');
    expect(receiver.at('/gone')).toHaveLength(1);
    await recordHistory(t.temporal.workflow.getHandle(webhookDeliveryWorkflowId(failed!.id)), 'webhook-delivery-failed.json');

    const replay = await api('POST', `/api/webhooks/${webhookId}/deliveries/${failed!.id}/replay`);
    expect(replay).toMatchObject({ status: 201, json: { replayOf: failed!.id, eventId: failed!.eventId, status: 'pending' } });
    const after = await settled(webhookId, 2);
    expect(after.find((d) => d.id === replay.json.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(receiver.at('/gone').map((r) => r.headers['x-webhook-id'])).toEqual([failed!.eventId, failed!.eventId]);
    expect((await api('POST', `/api/webhooks/${webhookId}/deliveries/${randomUUID()}/replay`)).status).toBe(404);

    expect((await api('DELETE', `/api/webhooks/${webhookId}`)).status).toBe(204);
    expect((await api('GET', `/api/webhooks/${webhookId}/deliveries`)).status).toBe(404);
  });

  test('an order paid on the sandbox pay page reaches the webhook as order.paid, with the order and its customer', async () => {
    const webhookId = await subscribe('/orders', ['order.paid']);
    await t.api('PUT', '/api/products', [{ sku: 'TENT-1', name: 'Two-person tent', price: { amount: 149, currency: 'EUR' }, stock: 10 }]);
    t.openai.respond((req) => {
      if (req.messages[req.messages.length - 1]?.role === 'tool') return { content: 'The summary is the reply.' };
      if (/tent/.test(lastUser(req))) return { toolCalls: [{ name: 'create_order', arguments: { items: [{ sku: 'TENT-1', quantity: 1 }] } }] };
      return { content: `Model saw: ${lastUser(req)}` };
    });
    const sid = newConversationSid();
    const send = (body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body, Author: `whatsapp:${PHONE}` }), { idempotencyToken: `events-${randomUUID()}` });
    await send('One tent, please');
    await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await send('yes');
    const sent = await t.twilio.waitForMessages(3, { conversationSid: sid, timeoutMs: 20_000 });
    const number = /#(\d+)/.exec(sent[1]!.body!)![1]!;
    const reference = /\/pay\/(\S+)$/.exec(sent[2]!.body!)![1]!;
    expect((await fetch(`${t.url}/pay/${reference}`, { method: 'POST' })).status).toBeLessThan(400);

    const [delivery] = await settled(webhookId);
    expect(delivery).toMatchObject({ eventId: `${orderWorkflowId(number)}:paid`, eventType: 'order.paid', status: 'delivered' });
    const event = JSON.parse(receiver.at('/orders')[0]!.body);
    expect(event.data.order).toMatchObject({ number, status: 'paid', total: 14900, currency: 'EUR' });
    expect(event.data.customer).toMatchObject({ phone: `whatsapp:${PHONE}` });
    await recordHistory(t.temporal.workflow.getHandle(orderWorkflowId(number)), 'order-paid-events.json');
  });

  test('without ALLOW_PRIVATE_URLS a loopback URL is refused', async () => {
    const strict = await startTestApp({ roles: { api: true, worker: false } });
    try {
      const res = await strict.api('POST', '/api/webhooks', { url: `${receiver.url}/x`, events: ['*'], secret: SECRET });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'url_refused', message: expect.stringContaining('127.0.0.1') });
    } finally {
      await strict.close();
    }
  });
});
