import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createMcpToolRunner } from '../activities/mcp-tool.activities';
import { callServerTool, isTransientMcpFailure, listServerTools } from '../src/mcp/mcp-client';
import type { ChatRequest, ScriptedReply } from './emulators/openai-emulator';
import { askToConfirm } from '../workflows/confirmation';
import { startTestMcpServer, type TestMcpServer } from './support/mcp-server';
import { messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

const TOKEN = 'mcp-server-token-very-secret';

const lastTool = (req: ChatRequest) => {
  const last = req.messages[req.messages.length - 1];
  return last?.role === 'tool' ? String(last.content) : undefined;
};
/** The model calls `name` with `args`, then answers with what the tool returned. */
const callThenEcho = (name: string, args: Record<string, unknown>) => (req: ChatRequest): ScriptedReply =>
  lastTool(req) === undefined ? { toolCalls: [{ name, arguments: args }] } : { content: `Tool said: ${lastTool(req)}` };

/**
 * Tools of an MCP server end to end: the server (the SDK's McpServer over Streamable HTTP) is
 * registered through the API, its tools are offered as `<server>__<tool>`, and the conversation
 * workflow calls them as custom tools.
 */
describe('MCP tools', () => {
  let t: TestApp;
  let mcp: TestMcpServer;
  let serverId = '';
  let token = 0;
  const send = (sid: string, body: string) => t.webhook(messageEvent({ ConversationSid: sid, Body: body }), { idempotencyToken: `mcp-tools-${++token}` });
  const reply = async (sid: string, n = 1) => (await t.twilio.waitForMessages(n, { conversationSid: sid, timeoutMs: 20_000 }))[n - 1]!.body!;
  const register = (overrides: Record<string, unknown> = {}) =>
    t.api('POST', '/api/mcp-servers', { name: 'shop', url: mcp.url, headers: { Authorization: `Bearer ${TOKEN}` }, risk: 'read', toolRisks: { add_note: 'write' }, ...overrides });

  beforeAll(async () => {
    mcp = await startTestMcpServer(TOKEN);
    t = await startTestApp({ env: { ALLOW_PRIVATE_URLS: 'true' } });
  });
  afterEach(() => {
    t.openai.reset();
    mcp.calls.length = 0;
  });
  afterAll(async () => {
    await t?.close();
    await mcp?.close();
  });

  test('a server is registered through the API: its tools listed, an unenforceable one skipped, its headers never shown', async () => {
    const created = await register();
    expect(created.status).toBe(201);
    const text = await created.text();
    expect(text).not.toContain(TOKEN);
    const body = JSON.parse(text);
    serverId = body.id;
    expect(body).toEqual({
      id: expect.any(String),
      name: 'shop',
      tools: [
        { name: 'shop__lookup_order', description: 'Where one of the customer\'s orders is, by order number.', risk: 'read' },
        { name: 'shop__add_note', description: 'Adds a note for the courier to one of the customer\'s orders.', risk: 'write' },
        { name: 'shop__order_history', description: 'An order\'s events.', risk: 'read' },
        { name: 'shop__find_order', description: 'Finds an order.', risk: 'read' },
      ],
      skipped: [{ name: 'set_dimensions', reason: expect.stringMatching(/^its input schema is outside the JSON Schema subset the agent enforces/) }],
    });

    expect((await register()).status).toBe(409);
    expect((await register({ name: 'Shop!' })).status).toBe(400);
    expect((await register({ name: 'a__b' })).status).toBe(400);
    expect((await register({ name: 'other', headers: { Authorization: 'Bearer wrong' } })).status).toBe(502);
    expect((await t.api('POST', '/api/mcp-servers', { name: 'x1', url: mcp.url, risk: 'read' }, 'not-the-admin-key')).status).toBe(401);
    // A custom HTTP tool cannot take a name of the server's tools.
    const clash = { name: 'shop__refund', description: 'x', parameters: { type: 'object' }, method: 'GET', url: 'https://api.example.com/x', risk: 'read' };
    expect((await t.api('POST', '/api/tools', clash)).status).toBe(409);

    const listed = await (await t.api('GET', '/api/mcp-servers')).text();
    expect(listed).not.toContain(TOKEN);
    expect(JSON.parse(listed)).toEqual([expect.objectContaining({ id: serverId, name: 'shop', url: mcp.url, headerNames: ['Authorization'], risk: 'read', toolRisks: { add_note: 'write' } })]);
    const [row] = await t.db.query(`SELECT headers_encrypted FROM mcp_servers WHERE name = 'shop'`);
    expect(row.headers_encrypted).toMatch(/^v1:/);
    expect(row.headers_encrypted).not.toContain(TOKEN);
    const tools = (await (await t.api('GET', '/api/tools')).json()) as { name: string }[];
    expect(tools.find((tool) => tool.name === 'shop__lookup_order')).toMatchObject({ builtIn: false, mcp: true, risk: 'read', timeoutSeconds: 30 });
  });

  test('the model calls <server>__<tool>: the validated arguments reach the server, its text reaches the model', async () => {
    const sid = newConversationSid();
    t.openai.respond(callThenEcho('shop__lookup_order', { orderId: '1042' }));
    await send(sid, 'Where is my order 1042?');
    expect(await reply(sid)).toBe('Tool said: {"content":"Order 1042: shipped with DHL"}');
    expect(t.openai.requests[0]!.tools!.map((tool) => tool.function.name)).toEqual(expect.arrayContaining(['search_products', 'shop__lookup_order', 'shop__add_note']));
    expect(t.openai.schemaProblems).toEqual([]);
    expect(mcp.calls).toEqual([expect.objectContaining({ tool: 'lookup_order', args: { orderId: '1042' }, headers: expect.objectContaining({ authorization: `Bearer ${TOKEN}` }) })]);
    expect(JSON.stringify(mcp.calls[0])).not.toContain('4915112345678');
    const calls = await t.db.query(`SELECT tool, outcome, result FROM tool_calls WHERE conversation_sid = $1`, [sid]);
    expect(calls).toEqual([{ tool: 'shop__lookup_order', outcome: 'ok', result: { content: 'Order 1042: shipped with DHL' } }]);
  });

  test('invalid arguments go back to the model and never reach the server', async () => {
    const sid = newConversationSid();
    t.openai.respond(callThenEcho('shop__lookup_order', { orderId: '../admin', extra: true }));
    await send(sid, 'Track ../admin');
    expect(await reply(sid)).toMatch(/^Tool said: \{"error":"Invalid arguments: /);
    expect(mcp.calls).toEqual([]);
  });

  test('an error result reaches the model as an error; a long text is cut at 64 kB', async () => {
    const sid = newConversationSid();
    t.openai.respond(callThenEcho('shop__find_order', { orderId: '9' }));
    await send(sid, 'Find order 9');
    expect(await reply(sid)).toBe('Tool said: {"error":"shop__find_order: No order 9"}');
    const [failed] = await t.db.query(`SELECT outcome FROM tool_calls WHERE conversation_sid = $1`, [sid]);
    expect(failed.outcome).toBe('refused');

    const long = newConversationSid();
    t.openai.respond((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'shop__order_history', arguments: { orderId: '9' } }] } : { content: 'Here is the history.' }));
    await send(long, 'History of 9');
    await reply(long);
    const [row] = await t.db.query(`SELECT outcome, result FROM tool_calls WHERE conversation_sid = $1`, [long]);
    expect(row).toEqual({ outcome: 'ok', result: { content: 'x'.repeat(64 * 1024), truncated: true } });
  });

  test('a write tool waits for the customer\'s YES, then runs once with an idempotency key', async () => {
    const sid = newConversationSid();
    t.openai.respond((req) => (lastTool(req) === undefined ? { toolCalls: [{ name: 'shop__add_note', arguments: { orderId: '1042', note: 'Leave it with the neighbour' } }] } : { content: 'unexpected' }));
    await send(sid, 'Please tell the courier to leave it with the neighbour, order 1042');
    expect(await reply(sid)).toBe(`Please confirm this action: Add note\n• orderId: 1042\n• note: Leave it with the neighbour\n\n${askToConfirm('en')}`);
    expect(mcp.calls).toEqual([]);

    await send(sid, 'yes');
    expect(await reply(sid, 2)).toBe('Done ✅');
    const key = expect.stringMatching(/^conversation:.+:[0-9a-f]{32}$/);
    expect(mcp.calls).toEqual([expect.objectContaining({ tool: 'add_note', args: { orderId: '1042', note: 'Leave it with the neighbour' }, meta: { idempotencyKey: key }, headers: expect.objectContaining({ 'idempotency-key': key }) })]);
    const calls = await t.db.query(`SELECT tool, outcome FROM tool_calls WHERE conversation_sid = $1`, [sid]);
    expect(calls).toEqual([{ tool: 'shop__add_note', outcome: 'ok' }]);
  });

  test('a refresh lists the tools again; a deleted server\'s tools are no longer offered', async () => {
    mcp.withExtraTool = true;
    const refreshed = await t.api('POST', `/api/mcp-servers/${serverId}/refresh`);
    expect(refreshed.status).toBe(200);
    expect(((await refreshed.json()) as { tools: { name: string }[] }).tools.map((tool) => tool.name)).toContain('shop__cancel_order');
    expect((await t.api('POST', '/api/mcp-servers/00000000-0000-4000-8000-000000000000/refresh')).status).toBe(404);

    expect((await t.api('DELETE', `/api/mcp-servers/${serverId}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/mcp-servers/${serverId}`)).status).toBe(404);
    const names = ((await (await t.api('GET', '/api/tools')).json()) as { name: string }[]).map((tool) => tool.name);
    expect(names.filter((name) => name.startsWith('shop__'))).toEqual([]);
  });
});

describe('an MCP tool\'s activity', () => {
  const scope = { integrationId: 'i', customerId: 'c', conversationSid: 'CH1' };
  const tool = { name: 'lookup_order', description: 'x', parameters: { type: 'object', properties: { orderId: { type: 'string' } }, additionalProperties: false }, risk: 'read' as const };
  const runnerFor = (url: string, allowPrivateUrls: boolean, recorded: unknown[] = []) =>
    createMcpToolRunner({
      mcpServers: { definition: async () => ({ toolId: 's/lookup_order', name: 'shop__lookup_order', endpoint: { url, headers: { authorization: `Bearer ${TOKEN}` } }, tool }), offered: async () => [] },
      toolCalls: { record: async (call: unknown) => void recorded.push(call) },
      config: { allowPrivateUrls } as never,
    } as never);

  test('fails (so Temporal retries it) when the server cannot be reached', async () => {
    const down = await startTestMcpServer(TOKEN);
    await down.close(); // its port now refuses connections
    const run = runnerFor(down.url, true).run;
    await expect(new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') }).run(run, { tool: 'shop__lookup_order', args: { orderId: '1' }, scope, language: 'en', callKey: 'k' })).rejects.toThrow(/ECONNREFUSED/);
  });

  test('a server that does not answer in time is a timeout, retried', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = { url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`, headers: {}, allowPrivate: true };
      const failure = await callServerTool(endpoint, 300, 'lookup_order', { orderId: '1' }).catch((err: unknown) => err);
      expect(isTransientMcpFailure(failure)).toBe(true);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('without ALLOW_PRIVATE_URLS, a loopback server cannot even be listed', async () => {
    await expect(listServerTools({ url: 'http://127.0.0.1:9/mcp', headers: {}, allowPrivate: false }, 1000)).rejects.toThrow(/a private or reserved IPv4 address; set ALLOW_PRIVATE_URLS=true/);
  });

  test('without ALLOW_PRIVATE_URLS, a loopback URL is refused and the server receives nothing', async () => {
    const mcp = await startTestMcpServer(TOKEN);
    try {
      const recorded: unknown[] = [];
      const out = await runnerFor(mcp.url, false, recorded).run({ tool: 'shop__lookup_order', args: { orderId: '1' }, scope, language: 'en', callKey: 'k' });
      expect(out).toEqual({ outcome: 'refused', result: { error: expect.stringMatching(/^shop__lookup_order: host 127\.0\.0\.1 resolves to 127\.0\.0\.1, a private or reserved IPv4 address/) } });
      expect(mcp.calls).toEqual([]);
      expect(recorded).toEqual([expect.objectContaining({ outcome: 'refused' })]);
    } finally {
      await mcp.close();
    }
  });
});
