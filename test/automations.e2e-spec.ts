import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { eventually } from './support/eventually';
import { startTestApp, type TestApp } from './support/test-app';
import type { AutomationRun } from '../src/automations/automations.service';
import { verifyWebhookSignature } from '../src/webhooks/webhook-signature';

const SECRET = `auto-${randomBytes(16).toString('hex')}`;
const PHONE = '+34600333444';

/** A receiver in the test process: records every request and answers 200. */
async function startReceiver(): Promise<{ url: string; received: { path: string; headers: IncomingHttpHeaders; body: string }[]; close(): Promise<void> }> {
  const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Automation rules end to end on the real app, Temporal and PostgreSQL: bad rules are refused with
 * their problems and nothing stored; an event fired through POST /api/events runs a rule with no
 * delay that tags the customer and calls a real receiver with a signed request; the same event id
 * posted twice runs the rule once; edits bump the version and deletion removes the rule.
 */
describe('automation rules', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let customerId: string;
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await t.api(method, path, body);
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined, text };
  };

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ env: { ALLOW_PRIVATE_URLS: 'true' } });
    customerId = randomUUID();
    await t.db.query(`INSERT INTO customers (id, integration_id, phone, name, last_seen_at) VALUES ($1, $2, $3, 'Ana', now())`, [customerId, t.integrationId, `whatsapp:${PHONE}`]);
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  test('bad rules are refused with what is wrong, and nothing is stored', async () => {
    const good = { on: 'order.paid', then: [{ type: 'add_tag', tag: 'paid' }] };
    const cases: [unknown, string][] = [
      [{ ...good, on: 'Order Paid' }, 'on'],
      [{ ...good, on: 'order' }, 'on'],
      [{ ...good, then: [{ type: 'send_sms', to: '+1' }] }, 'then.0.type'],
      [{ ...good, then: [{ type: 'add_tag', tag: 'Not a tag!' }] }, 'then.0.tag'],
      [{ ...good, then: [] }, 'then'],
      [{ ...good, after: '3 days' }, 'after'],
      [{ ...good, after: 'P1Y' }, 'after'],
      [{ ...good, after: 'P91D' }, 'after'],
      [{ ...good, then: [{ type: 'start_follow_up', in: 'PT0S', audience: 'customer', message: 'Hi' }] }, 'then.0.in'],
      [{ ...good, if: { event: { all: [{ path: 'order.total', op: 'gt', value: 'lots' }] } } }, 'if.event.all.0.value'],
      [{ ...good, if: { segment: { all: [{ field: 'shoe_size', op: 'eq', value: '42' }] } } }, 'if.segment'],
      [{ ...good, then: [{ type: 'call_webhook', url: 'ftp://example.com/hook' }] }, 'then.0.url'],
      [{ ...good, then: [{ type: 'call_webhook', url: `${receiver.url}/hook`, secret: 'short' }] }, 'then.0.secret'],
      [{ ...good, code: 'process.exit()' }, '(body)'],
    ];
    for (const [body, field] of cases) {
      const res = await api('POST', '/api/automations', body);
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect({ body, fields: (res.json.problems as { field: string }[]).map((p) => p.field) }).toEqual({ body, fields: expect.arrayContaining([field]) });
    }
    expect((await api('GET', '/api/automations')).json).toEqual([]);
    expect(await t.db.query(`SELECT count(*)::int AS n FROM automations`)).toEqual([{ n: 0 }]);
  });

  test('an event fired through the API tags the customer and calls the webhook, signed; the same event twice runs once', async () => {
    const created = await api('POST', '/api/automations', {
      name: 'Loyal customers',
      on: 'loyalty.points_added',
      if: { event: { all: [{ path: 'properties.points', op: 'gte', value: 10 }] } },
      then: [{ type: 'add_tag', tag: 'loyal' }, { type: 'call_webhook', url: `${receiver.url}/hook`, secret: SECRET }],
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ id: expect.any(String), name: 'Loyal customers', on: 'loyalty.points_added', version: 1, enabled: true,
      then: [{ type: 'add_tag', tag: 'loyal' }, { type: 'call_webhook', url: `${receiver.url}/hook`, hasSecret: true }] });
    expect(created.text).not.toContain(SECRET);
    const id = created.json.id as string;

    const event = { id: `loyalty-${randomUUID()}`, type: 'loyalty.points_added', customer: { phone: PHONE }, data: { points: 50 } };
    expect((await api('POST', '/api/events', event)).status).toBe(201);
    const runs = async () => (await api('GET', `/api/automations/${id}`)).json.runs as AutomationRun[];
    const [run] = await eventually(runs, (r) => r.length === 1 && r[0]!.status === 'done', 20_000);
    expect(run).toMatchObject({ eventId: event.id, version: 1, workflowId: `automation:${id}:${event.id}`, detail: { actions: [
      { index: 0, type: 'add_tag', outcome: 'done', detail: 'tagged loyal' },
      { index: 1, type: 'call_webhook', outcome: 'done', detail: 'HTTP 200' },
    ] } });

    const customer = (await api('GET', `/api/customers/${customerId}`)).json;
    expect(customer.tags).toContain('loyal');
    const [change] = await t.db.query(`SELECT source, actor FROM profile_changes WHERE customer_id = $1 AND field = 'tags' ORDER BY at DESC LIMIT 1`, [customerId]);
    expect(change).toEqual({ source: 'system', actor: `automation:${id}` });

    const [request] = receiver.received.filter((r) => r.path === '/hook');
    expect(verifyWebhookSignature(SECRET, request!.headers['x-webhook-signature'] as string, request!.body, 300)).toBe(true);
    expect(request!.headers['x-webhook-id']).toBe(event.id);
    expect(JSON.parse(request!.body)).toMatchObject({ id: event.id, type: 'loyalty.points_added', data: { properties: { points: 50 }, customer: { id: customerId } } });

    // The same event again (a retried request): still one run, one call.
    expect((await api('POST', '/api/events', event)).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await runs()).toHaveLength(1);
    expect(receiver.received.filter((r) => r.path === '/hook')).toHaveLength(1);

    // Below the threshold: skipped, with the reason.
    const small = { ...event, id: `loyalty-${randomUUID()}`, data: { points: 5 } };
    expect((await api('POST', '/api/events', small)).status).toBe(201);
    const skipped = await eventually(runs, (r) => r.some((x) => x.eventId === small.id && x.status === 'skipped'), 20_000);
    expect(skipped.find((x) => x.eventId === small.id)!.detail).toEqual({ reason: 'the event does not meet properties.points gte 10' });
  });

  test('an edit bumps the version and stops the waiting runs; a deletion stops them too, and the rule is gone', async () => {
    const rule = { on: 'loyalty.tier_changed', after: 'P3D', then: [{ type: 'notify_staff', message: '{{customer.name}} is now {{properties.tier}}' }] };
    const created = await api('POST', '/api/automations', rule);
    const id = created.json.id as string;
    const fire = async () => {
      const fired = await api('POST', '/api/events', { type: 'loyalty.tier_changed', customer: { id: customerId }, data: { tier: 'gold' } });
      expect(fired.status).toBe(201);
      const workflowId = `automation:${id}:${fired.json.id}`;
      await eventually(async () => (await t.temporal.workflow.getHandle(workflowId).describe()).status.name, (s) => s === 'RUNNING', 10_000);
      return t.temporal.workflow.getHandle(workflowId);
    };
    const waiting = await fire();
    expect((await api('GET', `/api/automations/${id}`)).json.runs).toMatchObject([{ status: 'scheduled', version: 1 }]);

    const edited = await api('PUT', `/api/automations/${id}`, { ...rule, after: 'PT2H' });
    expect(edited).toMatchObject({ status: 200, json: { id, version: 2, after: 'PT2H' } });
    expect(await waiting.result()).toEqual({ status: 'cancelled', detail: { reason: 'the rule was edited (version 2)' } });
    expect((await api('GET', `/api/automations/${id}`)).json).toMatchObject({ version: 2, runs: [{ status: 'cancelled', version: 1, detail: { reason: 'the rule was edited (version 2)' } }] });
    expect((await api('PUT', `/api/automations/${id}`, { on: 'order.paid', then: [] })).status).toBe(400);
    expect((await api('GET', `/api/automations/${id}`)).json.version).toBe(2);

    const second = await fire();
    expect((await api('GET', '/api/automations')).json.map((a: { id: string }) => a.id)).toContain(id);
    expect((await api('DELETE', `/api/automations/${id}`)).status).toBe(204);
    expect(await second.result()).toEqual({ status: 'cancelled', detail: { reason: 'the rule was deleted' } });
    expect((await api('GET', `/api/automations/${id}`)).status).toBe(404);
    expect((await api('DELETE', `/api/automations/${id}`)).status).toBe(404);
  });
});
