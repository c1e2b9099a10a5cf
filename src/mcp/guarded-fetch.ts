import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { OutboundUrlError, resolvePublicUrl } from '../security/outbound-url';

/**
 * The `fetch` the MCP transport is given, so its requests go through the SSRF guard: every URL is
 * checked (a redirect the SDK follows comes back here and is checked again) and the socket connects
 * only to the address that was checked. Unlike guardedFetch the body streams — the transport reads
 * server-sent events — but it is still capped, and the transport's abort signal ends the exchange.
 */
export type McpFetch = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface McpFetchLimits {
  /** ALLOW_PRIVATE_URLS (`config.allowPrivateUrls`). */
  allowPrivate: boolean;
  /** A response body beyond this many bytes fails. */
  maxBytes: number;
}

/** Statuses whose response has no body (a Response refuses one). */
const NO_BODY = new Set([101, 204, 205, 304]);

export function guardedMcpFetch(limits: McpFetchLimits): McpFetch {
  return async (raw, init = {}) => {
    const signal = init.signal ?? undefined;
    signal?.throwIfAborted();
    const { url, addresses } = await resolvePublicUrl(String(raw), { allowPrivate: limits.allowPrivate });
    const pinned = addresses[0]!;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => (headers[name] = value));
    if (init.body !== undefined && init.body !== null && typeof init.body !== 'string') throw new TypeError('The MCP transport sends text bodies only');

    return new Promise<Response>((resolve, reject) => {
      const req = send(
        url,
        {
          method: init.method ?? 'GET',
          headers,
          lookup: (_host, opts, callback) => {
            if ((opts as { all?: boolean }).all) (callback as (e: null, a: LookupAddress[]) => void)(null, [pinned]);
            else callback(null, pinned.address, pinned.family);
          },
        },
        (res) => resolve(toResponse(res, limits.maxBytes, signal)),
      );
      const abort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new DOMException('The request was aborted', 'AbortError'));
      signal?.addEventListener('abort', abort, { once: true });
      req.on('close', () => signal?.removeEventListener('abort', abort));
      req.on('error', reject);
      req.end(init.body ?? undefined);
    });
  };
}

function toResponse(res: IncomingMessage, maxBytes: number, signal: AbortSignal | undefined): Response {
  const status = res.statusCode ?? 0;
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, item);
  }
  if (NO_BODY.has(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  let size = 0;
  let finished = false;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: Error) => {
        if (finished) return;
        finished = true;
        controller.error(error);
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (finished) return;
        size += chunk.length;
        if (size > maxBytes) return fail(new OutboundUrlError(`the response is larger than ${maxBytes} bytes`, 'too_large'));
        controller.enqueue(new Uint8Array(chunk));
      });
      res.on('end', () => {
        if (finished) return;
        finished = true;
        controller.close();
      });
      res.on('error', fail);
      res.on('close', () => fail(new Error('The connection closed before the response ended')));
      signal?.addEventListener('abort', () => fail(new DOMException('The request was aborted', 'AbortError')), { once: true });
    },
    cancel() {
      finished = true;
      res.destroy();
    },
  });
  return new Response(body, { status: status >= 200 && status <= 599 ? status : 502, headers });
}
