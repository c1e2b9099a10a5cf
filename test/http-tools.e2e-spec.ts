import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpToolRunner } from '../activities/http-tool.activities';
import type { ChatRequest, ScriptedReply } from './emulators/openai-emulator';
import { askToConfirm } from '../workflows/confirmation';
import { conversationWorkflowId } from '../workflows/definitions';
import { recordHistory } from './support/record-history';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

/** A request the business's API received. */
interface Received { method: string; url: string; headers: IncomingHttpHeaders; body: string }

/** The business's own API, on 127.0.0.1: what the custom tools call. */
async function startBusinessApi(): Promise<{ server: Server; base: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.setHeader('content-type', 'application/json');
      if (req.url!.startsWith('/big')) return res.end(JSON.stringify({ padding: 'x'.repeat(70_000) }));
      if (req.url!.startsWith('/odd')) return res.end(JSON.stringify({ status: 42 }));
      if (req.method === 'POST') return res.end(JSON.stringify({ saved: true, note: JSON.parse(body).note }));
      res.end(JSON.stringify({ status: 'shipped', carrier: 'DHL' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const TOKEN = 'shop-api-token-very-secret';
const trackingTool = (base: string, overrides: Record<string, unknown> = {}) => ({
  name: 'order_tracking',
  description: 'Where the parcel of one of the customer\'s orders is, by order number.',
  parameters: { type: 'object', properties: { orderId: { type: 'string', pattern: '^[0-9]{1,10}$', description: 'The order number' } }, required: ['orderId'] },
  method: 'GET',
  url: `${base}/orders/{orderId}/tracking`,
  auth: { type: 'bearer', token: TOKEN },
  risk: 'read',
  responseSchema: { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
  ...overrides,
});

const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};
/** The model calls `name` with `args`, then answers with what the tool returned. */
const callThenEcho = (name: string, args: Record<string, unknown>) => (req: ChatRequest): ScriptedReply =>
  lastTool(req) === undefined ? { toolCalls: [{ name, arguments: args }] } : { content: `Tool said: ${lastTool(req)}` };

/**
 * Custom HTTP tools end to end: defined through the API, offered to the model, run by the conversation
 * workflow as the `tool.http` activity against a real HTTP server standing in for the business's API.
 */
describe('custom HTTP tools', () => {
  let t: TestApp;
  let api: Awaited<ReturnType<typeof startBusinessApi>>;
  let token = 0;
  const send = (sid: string, body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body }), { idempotencyToken: `http-tools-${++token}` });
  const reply = async (sid: string, n = 1) => (await t.twilio.waitForMessages(n, { conversationSid: sid, timeoutMs: 20_000 }))[n - 1]!.body!;

  beforeAll(async () => {
    api = await startBusinessApi();
    t = await startTestApp({ env: { ALLOW_PRIVATE_URLS: 'true' } });
  });
  afterEach(() => {
    t.openai.reset();
    api.received.length = 0;
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((resolve) => api?.server.close(resolve));
  });

  test('a tool is defined through the API; its secret never comes back', async () => {
    const created = await t.api('POST', '/api/tools', trackingTool(api.base));
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ id: expect.any(String), name: 'order_tracking' });

    expect((await t.api('POST', '/api/tools', trackingTool(api.base))).status).toBe(409);
    expect((await t.api('POST', '/api/tools', trackingTool(api.base, { name: 'search_products' }))).status).toBe(409);
    expect((await t.api('POST', '/api/tools', trackingTool(api.base, { url: 'https://{orderId}.example/x' }))).status).toBe(400);
    expect((await t.api('POST', '/api/tools', trackingTool(api.base), 'not-the-admin-key')).status).toBe(401);

    const listed = await (await t.api('GET', '/api/tools')).text();
    expect(listed).not.toContain(TOKEN);
    const tools = JSON.parse(listed) as { name: string; builtIn: boolean; auth?: unknown }[];
    expect(tools.find((tool) => tool.name === 'search_products')).toMatchObject({ builtIn: true });
    expect(tools.find((tool) => tool.name === 'order_tracking')).toMatchObject({ builtIn: false, auth: { type: 'bearer' }, timeoutSeconds: 10, risk: 'read' });
    const [row] = await t.db.query(`SELECT auth_encrypted FROM http_tools WHERE name = 'order_tracking'`);
    expect(row.auth_encrypted).toMatch(/^v1:/);
    expect(row.auth_encrypted).not.toContain(TOKEN);
  });

  test('the model calls it: the filled URL and the auth reach the API, its answer reaches the model', async () => {
    const sid = newConversationSid();
    t.openai.respond(callThenEcho('order_tracking', { orderId: '1042' }));
    await send(sid, 'Where is my order 1042?');
    expect(await reply(sid)).toBe('Tool said: {"status":"shipped","carrier":"DHL"}');
    expect(t.openai.requests[0]!.tools!.map((tool) => tool.function.name)).toContain('order_tracking');
    expect(t.openai.schemaProblems).toEqual([]);
    expect(api.received).toEqual([expect.objectContaining({ method: 'GET', url: '/orders/1042/tracking', headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }) })]);
    // Nothing about the customer goes along beyond the validated arguments.
    expect(JSON.stringify(api.received[0]!.headers)).not.toContain('4915112345678');
    const calls = await t.db.query(`SELECT tool, outcome, result FROM tool_calls WHERE conversation_sid = $1`, [sid]);
    expect(calls).toEqual([{ tool: 'order_tracking', outcome: 'ok', result: { status: 'shipped', carrier: 'DHL' } }]);
  });

  test('invalid arguments go back to the model and never reach the API', async () => {
    const sid = newConversationSid();
    t.openai.respond(callThenEcho('order_tracking', { orderId: '../admin' }));
    await send(sid, 'Track ../admin');
    expect(await reply(sid)).toMatch(/^Tool said: \{"error":"Invalid arguments: orderId: /);
    expect(api.received).toEqual([]);
  });

  test('a response over 64 kB, or not matching the response schema, is an error for the model', async () => {
    for (const [name, path] of [['big_tracking', 'big'], ['odd_tracking', 'odd']] as const) {
      expect((await t.api('POST', '/api/tools', trackingTool(api.base, { name, url: `${api.base}/${path}/{orderId}` }))).status).toBe(201);
    }
    const big = newConversationSid();
    t.openai.respond(callThenEcho('big_tracking', { orderId: '7' }));
    await send(big, 'Track 7');
    expect(await reply(big)).toContain('the response is larger than 65536 bytes');

    const odd = newConversationSid();
    t.openai.respond(callThenEcho('odd_tracking', { orderId: '8' }));
    await send(odd, 'Track 8');
    expect(await reply(odd)).toMatch(/odd_tracking: the response does not match the tool's response schema \(status: /);
  });

  test('a write tool waits for the customer\'s YES, then runs once with an idempotency key', async () => {
    const note = {
      name: 'add_delivery_note', description: 'Adds a note for the courier to one of the customer\'s orders.', method: 'POST', risk: 'write',
      url: `${api.base}/orders/{orderId}/notes`, auth: { type: 'header', name: 'X-Api-Key', value: 'header-secret' },
      parameters: { type: 'object', properties: { orderId: { type: 'string' }, note: { type: 'string', maxLength: 200 } }, required: ['orderId', 'note'] },
    };
    expect((await t.api('POST', '/api/tools', note)).status).toBe(201);
    const sid = newConversationSid();
    t.openai.respond((req) => (lastTool(req) === undefined ? { content: 'Noted!', toolCalls: [{ name: 'add_delivery_note', arguments: { orderId: '1042', note: 'Leave it with the neighbour' } }] } : { content: 'unexpected' }));
    await send(sid, 'Please tell the courier to leave it with the neighbour, order 1042');
    expect(await reply(sid)).toBe(`Please confirm this action: Add delivery note\n• orderId: 1042\n• note: Leave it with the neighbour\n\n${askToConfirm('en')}`);
    expect(api.received).toEqual([]);

    await send(sid, 'yes');
    expect(await reply(sid, 2)).toBe('Done ✅');
    expect(api.received).toEqual([expect.objectContaining({
      method: 'POST', url: '/orders/1042/notes', body: '{"note":"Leave it with the neighbour"}',
      headers: expect.objectContaining({ 'x-api-key': 'header-secret', 'idempotency-key': expect.stringMatching(/^conversation:.+:[0-9a-f]{32}$/) }),
    })]);
    const calls = await t.db.query(`SELECT tool, outcome FROM tool_calls WHERE conversation_sid = $1`, [sid]);
    expect(calls).toEqual([{ tool: 'add_delivery_note', outcome: 'ok' }]);
    await recordHistory(t.temporal.workflow.getHandle(conversationWorkflowId(t.integrationId, sid)), 'conversation-http-tool.json');
  });

  test('a custom tool is removed through the API; a built-in one cannot be', async () => {
    expect((await t.api('DELETE', '/api/tools/odd_tracking')).status).toBe(204);
    expect((await t.api('DELETE', '/api/tools/odd_tracking')).status).toBe(404);
    expect((await t.api('DELETE', '/api/tools/search_products')).status).toBe(400);
    const names = ((await (await t.api('GET', '/api/tools')).json()) as { name: string }[]).map((tool) => tool.name);
    expect(names).not.toContain('odd_tracking');
  });
});

describe('a custom HTTP tool without ALLOW_PRIVATE_URLS', () => {
  test('is refused a URL that resolves to a loopback address, and sends nothing', async () => {
    const api = await startBusinessApi();
    try {
      const recorded: unknown[] = [];
      const tool = { ...trackingTool(api.base), id: 't1', timeoutSeconds: 5, risk: 'read' as const, method: 'GET' as const, auth: undefined };
      const runner = createHttpToolRunner({
        httpTools: { definition: async () => tool, list: async () => [] },
        toolCalls: { record: async (call: unknown) => void recorded.push(call) },
        config: { allowPrivateUrls: false } as never,
      } as never);
      const scope = { integrationId: 'i', customerId: 'c', conversationSid: 'CH1' };
      const out = await runner.run({ tool: 'order_tracking', args: { orderId: '1' }, scope, language: 'en', callKey: 'k' });
      expect(out).toEqual({ outcome: 'refused', result: { error: expect.stringMatching(/^order_tracking: host 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or reserved IPv4 address/) } });
      expect(api.received).toEqual([]);
      expect(recorded).toEqual([expect.objectContaining({ outcome: 'refused' })]);
    } finally {
      await new Promise((resolve) => api.server.close(resolve));
    }
  });
});
