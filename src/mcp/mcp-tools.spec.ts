import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { OutboundUrlError } from '../security/outbound-url';
import { isTransientMcpFailure } from './mcp-client';
import { createMcpServerSchema } from './mcp-server.schema';
import { MAX_RESULT_BYTES, readCallResult, snapshotTools, splitOfferedName } from './mcp-tools';

const server = { name: 'shop', risk: 'read' as const };
const orderSchema = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] };

describe('an MCP server\'s tools as the agent takes them', () => {
  test('a tool inside the enforced subset is kept, its arguments closed to anything undeclared', () => {
    const { tools, skipped } = snapshotTools(server, [{ name: 'lookup', description: 'Finds an order', inputSchema: orderSchema, annotations: { readOnlyHint: true } }]);
    expect(skipped).toEqual([]);
    expect(tools).toEqual([{ name: 'lookup', description: 'Finds an order', risk: 'read', parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'], additionalProperties: false } }]);
  });

  test('the others are skipped with the reason', () => {
    const listed = [
      { name: 'odd', inputSchema: { type: 'object', properties: { a: { type: 'string', not: { const: 'x' } } } } },
      { name: 'list', inputSchema: { type: 'array' } },
      { name: 'has.dot', inputSchema: orderSchema },
      { name: 'x'.repeat(70), inputSchema: orderSchema },
      { name: 'lookup', inputSchema: orderSchema },
      { name: 'lookup', inputSchema: orderSchema },
      { description: 'no name' },
      'not a tool',
    ];
    const { tools, skipped } = snapshotTools(server, listed);
    expect(tools.map((t) => t.name)).toEqual(['lookup']);
    expect(skipped).toEqual([
      { name: 'odd', reason: expect.stringMatching(/^its input schema is outside the JSON Schema subset/) },
      { name: 'list', reason: expect.stringMatching(/must be a JSON schema with "type": "object"/) },
      { name: 'has.dot', reason: expect.stringMatching(/is not a name the model can call/) },
      { name: 'x'.repeat(70), reason: expect.stringMatching(/is not a name the model can call/) },
      { name: 'lookup', reason: 'listed twice by the server' },
      { name: '(unnamed)', reason: 'not a valid MCP tool definition' },
      { name: '(unnamed)', reason: 'not a valid MCP tool definition' },
    ]);
  });

  test('allowTools limits the tools, toolRisks sets each one\'s risk, and the server\'s own hints do not', () => {
    const listed = ['lookup', 'refund', 'wipe'].map((name) => ({ name, inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } }));
    const { tools, skipped } = snapshotTools({ ...server, allowTools: ['lookup', 'refund', 'missing'], toolRisks: { refund: 'write' } }, listed);
    expect(tools.map(({ name, risk, description }) => ({ name, risk, description }))).toEqual([
      { name: 'lookup', risk: 'read', description: 'lookup' },
      { name: 'refund', risk: 'write', description: 'refund' },
    ]);
    expect(skipped).toEqual([{ name: 'wipe', reason: 'not in allowTools' }, { name: 'missing', reason: 'in allowTools but not offered by the server' }]);
  });

  test('the model-facing name splits back into server and tool', () => {
    expect(splitOfferedName('shop__lookup__v2')).toEqual({ server: 'shop', tool: 'lookup__v2' });
    expect(splitOfferedName('order_tracking')).toBeUndefined();
    expect(splitOfferedName('shop__')).toBeUndefined();
  });
});

describe('registering a server', () => {
  const valid = { name: 'shop', url: 'https://mcp.example.com/mcp', risk: 'read' };
  test.each([
    [{ name: 'shop_' }, 'a name ending in _'],
    [{ name: 'a__b' }, 'a name with __'],
    [{ name: 'x' }, 'a one-letter name'],
    [{ headers: { 'Mcp-Session-Id': 'x' } }, 'a header the transport sets'],
    [{ headers: { Authorization: 'a\r\nb' } }, 'a header on two lines'],
    [{ risk: 'approval' }, 'a risk other than read or write'],
    [{ url: 'not a url' }, 'an invalid URL'],
  ])('refuses %j (%s)', (overrides, _why) => {
    expect(createMcpServerSchema.safeParse({ ...valid, ...overrides }).success).toBe(false);
  });
  test('accepts a server with an Authorization header', () => {
    expect(createMcpServerSchema.safeParse({ ...valid, headers: { Authorization: 'Bearer x' } }).success).toBe(true);
  });
});

describe('a tool call\'s result', () => {
  test('text blocks are the text; other blocks are named, not passed on', () => {
    const raw = { content: [{ type: 'text', text: 'one' }, { type: 'image', data: 'AAAA', mimeType: 'image/png' }, { type: 'resource', resource: { uri: 'x:/a', text: 'two' } }] };
    expect(readCallResult(raw)).toEqual({ text: 'one\n[image content not shown]\ntwo', isError: false, truncated: false });
  });

  test('structured content stands in for missing text; an error is flagged', () => {
    expect(readCallResult({ content: [], structuredContent: { ok: 1 }, isError: true })).toEqual({ text: '{"ok":1}', isError: true, truncated: false });
  });

  test('text beyond 64 kB is cut without splitting a character', () => {
    const reading = readCallResult({ content: [{ type: 'text', text: 'é'.repeat(MAX_RESULT_BYTES) }] })!;
    expect(reading.truncated).toBe(true);
    expect(reading.text).toBe('é'.repeat(MAX_RESULT_BYTES / 2));
  });

  test('an answer that is not a tool result is refused', () => {
    expect(readCallResult({ content: 'text' })).toBeUndefined();
    expect(readCallResult(null)).toBeUndefined();
  });
});

describe('which failures are retried', () => {
  test.each([
    ['a request timeout', true, new McpError(ErrorCode.RequestTimeout, 'Request timed out')],
    ['a closed connection', true, new McpError(ErrorCode.ConnectionClosed, 'Connection closed')],
    ['an MCP error answer', false, new McpError(ErrorCode.InvalidParams, 'bad')],
    ['a 503', true, new StreamableHTTPError(503, 'unavailable')],
    ['a 401', false, new StreamableHTTPError(401, 'unauthorized')],
    ['a guard timeout', true, new OutboundUrlError('slow', 'timeout')],
    ['a refused address', false, new OutboundUrlError('private address')],
    ['a refused connection', true, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })],
    ['a reset inside another error', true, new Error('wrapped', { cause: Object.assign(new Error('reset'), { code: 'ECONNRESET' }) })],
    ['any other error', false, new Error('Tool not found')],
  ])('%s: retried %s', (_label, transient, err) => {
    expect(isTransientMcpFailure(err)).toBe(transient);
  });
});
