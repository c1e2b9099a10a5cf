import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';

type RequestOptions<TData> = RequestClient.RequestOptions<TData>;

export type TwilioClient = ReturnType<typeof twilio>;

/**
 * Every Twilio REST call of the product goes through the official `twilio` library, built here.
 * When `apiBaseUrl` is set (TWILIO_API_BASE_URL), the scheme and host of each call are replaced by it,
 * so a Twilio-compatible proxy or emulator receives exactly what Twilio would.
 */
export function createTwilioClient(accountSid: string, authToken: string, apiBaseUrl?: string): TwilioClient {
  const options: { httpClient?: InstanceType<typeof twilio.RequestClient>; autoRetry: boolean } = { autoRetry: false };
  if (apiBaseUrl) options.httpClient = new RewritingRequestClient(apiBaseUrl);
  return twilio(accountSid, authToken, options);
}

/** Rewrites `https://<any>.twilio.com/path?q` to `<base>/path?q`. */
export function rewriteTwilioUrl(uri: string, apiBaseUrl: string): string {
  const original = new URL(uri);
  const base = new URL(apiBaseUrl);
  const prefix = base.pathname.replace(/\/$/, '');
  return `${base.protocol}//${base.host}${prefix}${original.pathname}${original.search}`;
}

class RewritingRequestClient extends twilio.RequestClient {
  constructor(private readonly apiBaseUrl: string) {
    super();
  }

  override request<TData>(opts: RequestOptions<TData>) {
    return super.request<TData>({ ...opts, uri: rewriteTwilioUrl(opts.uri, this.apiBaseUrl) });
  }
}
