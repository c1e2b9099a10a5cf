import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assertPublicUrl, guardedFetch, OutboundUrlError, privateAddressReason } from './outbound-url';

describe('assertPublicUrl', () => {
  it.each([
    'http://10.0.0.1/',
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::a00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[fe80::1]/',
    'http://[ff02::1]/',
    'http://[::]/',
    'http://100.64.0.1/',
    'http://0.0.0.0/',
    'http://172.16.5.4/',
    'http://192.168.1.1/',
    'http://224.0.0.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://017700000001/',
  ])('refuses %s', async (url) => {
    await expect(assertPublicUrl(url)).rejects.toThrow(/resolves to .*private or reserved/);
  });

  it.each([
    ['http://user:pw@example.com/', /credentials/],
    ['file:///etc/passwd', /file: URLs are not allowed/],
    ['gopher://example.com/', /gopher: URLs are not allowed/],
    ['ftp://example.com/', /ftp: URLs are not allowed/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', async (url, message) => {
    await expect(assertPublicUrl(url)).rejects.toThrow(message);
  });

  it('names the host in the error', async () => {
    await expect(assertPublicUrl('http://127.0.0.1:8080/x')).rejects.toThrow(
      new OutboundUrlError('host 127.0.0.1 resolves to 127.0.0.1, a private or reserved IPv4 address; set ALLOW_PRIVATE_URLS=true to allow it'),
    );
  });

  it('accepts a public address', async () => {
    expect((await assertPublicUrl('https://93.184.215.14/orders?id=1')).href).toBe('https://93.184.215.14/orders?id=1');
    expect((await assertPublicUrl('http://[2606:4700:4700::1111]/')).hostname).toBe('[2606:4700:4700::1111]');
  });

  it('accepts private addresses when allowed, but never other schemes or credentials', async () => {
    expect((await assertPublicUrl('http://127.0.0.1:9/', { allowPrivate: true })).port).toBe('9');
    await expect(assertPublicUrl('file:///etc/passwd', { allowPrivate: true })).rejects.toThrow(OutboundUrlError);
    await expect(assertPublicUrl('http://a:b@127.0.0.1/', { allowPrivate: true })).rejects.toThrow(/credentials/);
  });

  it('judges IPv6 forms of public IPv4 addresses as public', () => {
    expect(privateAddressReason('::ffff:8.8.8.8')).toBeUndefined();
    expect(privateAddressReason('8.8.8.8')).toBeUndefined();
    expect(privateAddressReason('::ffff:10.1.2.3')).toMatch(/10\.1\.2\.3/);
  });
});

describe('guardedFetch', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') return res.end('x'.repeat(2000));
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 2000).unref();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ method: req.method, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const limits = { timeoutMs: 1000, maxBytes: 1000, allowPrivate: true };

  it('sends the request and returns the body', async () => {
    const res = await guardedFetch(`${base}/ok`, { method: 'POST', headers: { authorization: 'Bearer t' }, body: '{}' }, limits);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ method: 'POST', auth: 'Bearer t' });
  });

  it('refuses a loopback address unless allowed', async () => {
    await expect(guardedFetch(`${base}/ok`, {}, { ...limits, allowPrivate: false })).rejects.toThrow(/private or reserved/);
  });

  it('cuts a response over the size cap', async () => {
    await expect(guardedFetch(`${base}/big`, {}, limits)).rejects.toThrow('the response is larger than 1000 bytes');
  });

  it('gives up after the timeout', async () => {
    await expect(guardedFetch(`${base}/slow`, {}, { ...limits, timeoutMs: 200 })).rejects.toThrow(/did not answer within 200 ms/);
  });
});
