import { rewriteTwilioUrl } from './twilio-client.factory';

export const MCS_BASE_URL = 'https://mcs.us1.twilio.com';
const UPLOAD_TIMEOUT_MS = 30_000;

export interface MediaUpload {
  accountSid: string;
  authToken: string;
  /** The Conversations service (IS…) of the conversation the media will be sent to. */
  chatServiceSid: string;
  bytes: Buffer;
  contentType: string;
  filename: string;
  /** TWILIO_API_BASE_URL: replaces the scheme and host, as for every other Twilio call. */
  apiBaseUrl?: string;
}

/**
 * A refusal by the Media Content Service, shaped like the `twilio` library's RestException (HTTP
 * `status`, Twilio `code`, and a 429's Retry-After in `details.retryAfterSeconds`), so the send
 * error handling (`twilioErrorInfo`, `toFailure`) reads it the same way.
 */
export class TwilioMediaError extends Error {
  override readonly name = 'TwilioMediaError';

  constructor(
    message: string,
    readonly status: number,
    readonly code: number | undefined,
    readonly details: { retryAfterSeconds?: number } | undefined,
  ) {
    super(message);
  }
}

/**
 * Uploads bytes to Twilio's Media Content Service and returns the media sid (ME…), which a
 * Conversations message then carries as `MediaSid`. The `twilio` library does not wrap MCS, so this
 * is a plain POST of the raw bytes with their Content-Type and HTTP basic auth.
 */
export async function uploadMedia(upload: MediaUpload): Promise<string> {
  const url = `${MCS_BASE_URL}/v1/Services/${encodeURIComponent(upload.chatServiceSid)}/Media`;
  const response = await fetch(upload.apiBaseUrl ? rewriteTwilioUrl(url, upload.apiBaseUrl) : url, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${upload.accountSid}:${upload.authToken}`).toString('base64')}`,
      'content-type': upload.contentType,
      // Twilio documents no file-name field for a raw upload; this header offers it where it is read.
      'content-disposition': `attachment; filename="${upload.filename.replace(/["\\\r\n]/g, '_')}"`,
      accept: 'application/json',
    },
    body: new Uint8Array(upload.bytes),
    signal: AbortSignal.timeout(UPLOAD_TIMEOUT_MS),
  });
  const text = await response.text();
  const body = parseJson(text);
  if (!response.ok) {
    const retryAfter = Number(response.headers.get('retry-after'));
    throw new TwilioMediaError(
      `Twilio media upload failed (${response.status}): ${typeof body?.message === 'string' ? body.message : text.slice(0, 200)}`,
      response.status,
      typeof body?.code === 'number' ? body.code : undefined,
      Number.isFinite(retryAfter) && response.headers.has('retry-after') ? { retryAfterSeconds: retryAfter } : undefined,
    );
  }
  if (typeof body?.sid !== 'string') throw new Error(`Twilio media upload answered without a sid: ${text.slice(0, 200)}`);
  return body.sid;
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
