import { createHttpToolSchema } from './http-tool.schema';
import { buildRequest, readResponse } from './http-request';
import type { HttpToolDefinition } from './http-tools.service';
import { customToolSet } from './offered-tools';
import { fillTemplate, TemplateError } from './url-template';

const valid = {
  name: 'order_tracking',
  description: 'Where a parcel is',
  parameters: { type: 'object', properties: { orderId: { type: 'string', pattern: '^[0-9]+$' }, detail: { type: 'boolean' } }, required: ['orderId'] },
  method: 'GET',
  url: 'https://api.shop.example/orders/{orderId}/tracking',
  risk: 'read',
};
const problems = (body: unknown) => {
  const parsed = createHttpToolSchema.safeParse(body);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('a custom HTTP tool definition', () => {
  it('accepts a valid one, with a 10 s timeout by default and no extra arguments allowed', () => {
    const tool = createHttpToolSchema.parse(valid);
    expect(tool.timeoutSeconds).toBe(10);
    expect(tool.parameters.additionalProperties).toBe(false);
  });

  it.each([
    [{ name: 'Bad-Name' }, /name: must be 3–64/],
    [{ url: 'https://{host}.example/x' }, /never in the host/],
    [{ url: 'https://api.example:{port}/x' }, /never in the host/],
    [{ url: 'https://user:pw@api.example/{orderId}' }, /credentials/],
    [{ url: 'ftp://api.example/{orderId}' }, /absolute http/],
    [{ url: 'https://api.example/{orderId}/{other}' }, /\{other\} must be a required property/],
    [{ parameters: { type: 'array' } }, /"type": "object"/],
    [{ parameters: { type: 'object', properties: { orderId: { type: 'strin' } }, required: ['orderId'] } }, /parameters/],
    [{ parameters: { type: 'object', properties: { orderId: { type: 'string', patern: 'x' } }, required: ['orderId'] } }, /patern/],
    [{ parameters: { type: 'object', properties: { orderId: { type: 'object' } }, required: ['orderId'] } }, /fills the URL/],
    [{ timeoutSeconds: 31 }, /timeoutSeconds/],
    [{ risk: 'approval' }, /risk/],
    [{ auth: { type: 'header', name: 'Idempotency-Key', value: 'x' } }, /set by the agent/],
    [{ auth: { type: 'bearer' } }, /auth.token/],
  ])('refuses %j', (change, message) => {
    expect(problems({ ...valid, ...change }).join('\n')).toMatch(message);
  });
});

describe('the URL template', () => {
  const template = 'https://api.example/orders/{id}?q={q}';
  it('fills placeholders URL-encoded, in the path and the query', () => {
    expect(fillTemplate(template, { id: 'a/b c', q: '1&x=2' }).url).toBe('https://api.example/orders/a%2Fb%20c?q=1%26x%3D2');
  });
  it('refuses a path segment that would climb the API', () => {
    expect(() => fillTemplate(template, { id: '..', q: 'x' })).toThrow(TemplateError);
    expect(fillTemplate(template, { id: '1', q: '..' }).url).toBe('https://api.example/orders/1?q=..');
  });
});

describe('the request and its response', () => {
  const tool: HttpToolDefinition = {
    id: 't1', name: 'order_tracking', description: '', parameters: {}, method: 'GET', url: 'https://api.example/orders/{orderId}',
    timeoutSeconds: 5, risk: 'read', auth: { type: 'basic', username: 'shop', password: 's3cret' },
  };
  it('sends the other arguments as the query of a GET, and the auth', () => {
    const req = buildRequest(tool, { orderId: '42', detail: true, tags: ['a', 'b'] });
    expect(req.url).toBe('https://api.example/orders/42?detail=true&tags=a&tags=b');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('shop:s3cret').toString('base64')}`);
    expect(req.body).toBeUndefined();
  });
  it('sends them as the JSON body of a POST, with the idempotency key', () => {
    const req = buildRequest({ ...tool, method: 'POST', auth: { type: 'header', name: 'X-Api-Key', value: 'k' } }, { orderId: '42', note: 'ring twice' }, 'wf:hash');
    expect(req).toEqual({
      url: 'https://api.example/orders/42', method: 'POST', body: '{"note":"ring twice"}',
      headers: expect.objectContaining({ 'x-api-key': 'k', 'idempotency-key': 'wf:hash', 'content-type': 'application/json' }),
    });
  });
  it('gives the model the parsed body, or an error', () => {
    const json = Buffer.from('{"status":"shipped"}');
    const schema = { ...tool, responseSchema: { type: 'object' as const, properties: { status: { type: 'string' as const, enum: ['shipped', 'pending'] } }, required: ['status'] } };
    expect(readResponse(schema, 200, 'application/json', json)).toEqual({ kind: 'ok', result: { status: 'shipped' } });
    expect(readResponse(schema, 200, 'application/json', Buffer.from('{"status":"lost"}'))).toMatchObject({ kind: 'refused', error: expect.stringContaining('does not match') });
    expect(readResponse(tool, 200, 'text/plain', Buffer.from('fine'))).toEqual({ kind: 'ok', result: 'fine' });
    expect(readResponse(tool, 404, 'application/json', Buffer.from('{"error":"no such order"}'))).toEqual({ kind: 'refused', error: 'order_tracking: the API answered 404', status: 404, body: { error: 'no such order' } });
    expect(readResponse(tool, 503, undefined, Buffer.from(''))).toMatchObject({ kind: 'retry' });
  });
});

describe('custom tools offered to the model', () => {
  const view = { ...createHttpToolSchema.parse(valid), id: 't1', createdAt: '' };
  const set = customToolSet([view, { ...view, name: 'search_products' }]);
  it('are offered beside the built-in ones, never in place of one', () => {
    expect(set.schemas.map((s) => s.function.name)).toEqual(['order_tracking']);
    expect(set.check('search_products', '{}')).toBeUndefined();
  });
  it('have their calls checked against their schema', () => {
    expect(set.check('order_tracking', '{"orderId":"42"}')).toEqual({ tool: { risk: 'read', activity: { timeoutSeconds: 10, maximumAttempts: 3, custom: true } }, args: { orderId: '42' } });
    expect(set.check('order_tracking', '{"orderId":"4x"}')).toEqual({ error: expect.stringMatching(/^Invalid arguments: orderId: /) });
    expect(set.check('order_tracking', '{"orderId":"42","customerPhone":"+34600"}')).toEqual({ error: expect.stringMatching(/^Invalid arguments: /) });
  });
});
