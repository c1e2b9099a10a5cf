import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { SendPacer } from './send-pacer';

type RequestOptions<TData> = RequestClient.RequestOptions<TData>;

export type TwilioClient = ReturnType<typeof twilio>;

/**
 * Every Twilio REST call of the product goes through the official `twilio` library, built here.
 * When `apiBaseUrl` is set (TWILIO_API_BASE_URL), the scheme and host of each call are replaced by it,
 * so a Twilio-compatible proxy or emulator receives exactly what Twilio would. Retries are left to
 * Temporal, so the library never retries by itself; a pacer, when given, spaces the calls.
 */
export function createTwilioClient(accountSid: string, authToken: string, apiBaseUrl?: string, pacer?: SendPacer): TwilioClient {
  return twilio(accountSid, authToken, { httpClient: new ProductRequestClient(apiBaseUrl, pacer), autoRetry: false });
}

/** Rewrites `https://<any>.twilio.com/path?q` to `<base>/path?q` (also for calls made without the library). */
export function rewriteTwilioUrl(uri: string, apiBaseUrl: string): string {
  const original = new URL(uri);
  const base = new URL(apiBaseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  return `${base.protocol}//${base.host}${prefix}${original.pathname}${original.search}`;
}

class ProductRequestClient extends twilio.RequestClient {
  constructor(
    private readonly apiBaseUrl?: string,
    private readonly pacer?: SendPacer,
  ) {
    super();
  }

  override async request<TData>(opts: RequestOptions<TData>) {
    await this.pacer?.slot();
    const uri = this.apiBaseUrl ? rewriteTwilioUrl(opts.uri, this.apiBaseUrl) : opts.uri;
    const response = await super.request<TData>({ ...opts, uri });
    return response.statusCode === 429 ? withRetryAfter(response) : response;
  }
}

/**
 * The library's RestException keeps the error body but not the headers: carry a 429's Retry-After
 * into the body's `details`, where the error handling can read it (`err.details.retryAfterSeconds`).
 */
function withRetryAfter<T extends { headers: unknown; body: unknown }>(response: T): T {
  const header = Number((response.headers as Record<string, string | undefined>)?.['retry-after']);
  if (!Number.isFinite(header)) return response;
  let body: unknown = response.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      return response;
    }
  }
  if (!body || typeof body !== 'object') return response;
  const parsed = body as { details?: Record<string, unknown> };
  return { ...response, body: { ...parsed, details: { ...parsed.details, retryAfterSeconds: header } } };
}
