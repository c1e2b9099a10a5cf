import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * The SSRF guard for every request the product sends to a URL someone else chose (custom HTTP tools,
 * webhooks): only http(s), no credentials in the URL, and no address inside the deployment's own
 * network — private, loopback, link-local, unique-local, CGNAT, multicast, unspecified, reserved,
 * including those ranges embedded in IPv6 (IPv4-mapped, NAT64, 6to4). ALLOW_PRIVATE_URLS=true
 * (config `allowPrivateUrls`) lifts the address check for deployments that call their own LAN.
 */
export class OutboundUrlError extends Error {
  constructor(
    message: string,
    /** `refused_url`: the URL or its address is not allowed; `timeout` and `too_large`: the exchange was cut off. */
    readonly code: 'refused_url' | 'timeout' | 'too_large' = 'refused_url',
  ) {
    super(message);
    this.name = 'OutboundUrlError';
  }
}

export interface OutboundUrlOptions {
  /** ALLOW_PRIVATE_URLS: the caller passes `config.allowPrivateUrls`; refused when absent. */
  allowPrivate?: boolean;
}

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", includes the unspecified address
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata endpoints
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved and broadcast
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const) blocked.addSubnet(net, prefix, 'ipv6');

/** Why an address may not be called, or undefined when it is public. */
export function privateAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 6 && address.includes('%')) return privateAddressReason(address.split('%')[0]!) ?? undefined;
  if (family === 4) return blocked.check(address, 'ipv4') ? 'a private or reserved IPv4 address' : undefined;
  if (family !== 6) return 'not an IP address';
  const embedded = embeddedIPv4(address);
  if (embedded !== undefined) {
    return blocked.check(embedded, 'ipv4') ? `an IPv6 form of the private or reserved address ${embedded}` : undefined;
  }
  return blocked.check(address, 'ipv6') ? 'a private or reserved IPv6 address' : undefined;
}

/** The IPv4 address carried inside an IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address. */
function embeddedIPv4(address: string): string | undefined {
  const h = hextets(address);
  const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  const zeros = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && h[5] === 0xffff) return v4(h[6]!, h[7]!);
  if (h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6)) return v4(h[6]!, h[7]!);
  if (h[0] === 0x2002) return v4(h[1]!, h[2]!);
  return undefined;
}

/** The eight 16-bit groups of an IPv6 address (the URL parser normalises dotted tails to hex first). */
function hextets(address: string): number[] {
  const normal = new URL(`http://[${address.split('%')[0]}]/`).hostname.slice(1, -1);
  const [head, tail] = normal.includes('::') ? normal.split('::') : [normal, undefined];
  const parse = (part: string | undefined) => (part ? part.split(':').map((x) => parseInt(x, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/**
 * Checks a URL and returns it parsed, with its resolved addresses, or throws an OutboundUrlError
 * naming the host and the reason. Numeric hosts in any form (2130706433, 0x7f.1) are normalised by the
 * URL parser before the check, so they are judged as the address they mean.
 */
export async function resolvePublicUrl(raw: string, options: OutboundUrlOptions = {}): Promise<{ url: URL; addresses: LookupAddress[] }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OutboundUrlError(`"${raw}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OutboundUrlError(`${url.protocol} URLs are not allowed, only http and https`);
  }
  if (url.username || url.password) throw new OutboundUrlError(`URLs with credentials in them are not allowed (host ${url.hostname})`);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: LookupAddress[];
  try {
    addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await dnsLookup(host, { all: true, verbatim: true });
  } catch (error) {
    throw new OutboundUrlError(`host ${host} could not be resolved: ${(error as Error).message}`);
  }
  if (addresses.length === 0) throw new OutboundUrlError(`host ${host} has no addresses`);
  if (!options.allowPrivate) {
    for (const { address } of addresses) {
      const reason = privateAddressReason(address);
      if (reason) {
        throw new OutboundUrlError(`host ${host} resolves to ${address}, ${reason}; set ALLOW_PRIVATE_URLS=true to allow it`);
      }
    }
  }
  return { url, addresses };
}

/** Checks a URL (see resolvePublicUrl) and returns it parsed. */
export async function assertPublicUrl(raw: string, options: OutboundUrlOptions = {}): Promise<URL> {
  return (await resolvePublicUrl(raw, options)).url;
}

export interface GuardedRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface GuardedLimits extends OutboundUrlOptions {
  /** For the whole exchange, connection to last byte. */
  timeoutMs: number;
  /** The response body is cut off (and the call fails) beyond this many bytes. */
  maxBytes: number;
}

export interface GuardedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends one request to a URL checked by the guard, connecting only to the addresses that were checked
 * (the socket's DNS lookup is pinned to them, so a second resolution cannot point elsewhere), with a
 * timeout and a response size cap. Redirects are not followed: a redirect would need its own check.
 */
export async function guardedFetch(raw: string, init: GuardedRequest, limits: GuardedLimits): Promise<GuardedResponse> {
  const { url, addresses } = await resolvePublicUrl(raw, limits);
  const pinned = addresses[0]!;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<GuardedResponse>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    const timer = setTimeout(() => fail(new OutboundUrlError(`${url.host} did not answer within ${limits.timeoutMs} ms`, 'timeout')), limits.timeoutMs);
    const req = send(
      url,
      {
        method: init.method ?? 'GET',
        headers: init.headers,
        lookup: (_host, opts, callback) => {
          if ((opts as { all?: boolean }).all) (callback as (e: null, a: LookupAddress[]) => void)(null, [pinned]);
          else callback(null, pinned.address, pinned.family);
        },
      },
      (res) => {
        const declared = Number(res.headers['content-length']);
        if (declared > limits.maxBytes) return fail(tooLarge(limits.maxBytes));
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > limits.maxBytes) return fail(tooLarge(limits.maxBytes));
          chunks.push(chunk);
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
        });
        res.on('error', fail);
      },
    );
    req.on('error', fail);
    req.end(init.body);
  });
}

const tooLarge = (maxBytes: number) => new OutboundUrlError(`the response is larger than ${maxBytes} bytes`, 'too_large');
