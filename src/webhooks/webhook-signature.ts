import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How receivers know an event came from this deployment: HMAC-SHA256 with the webhook's secret over
 * `<timestamp>.<body>`, sent as `X-Webhook-Signature: t=<unix seconds>,v1=<hex>`. The timestamp is
 * signed too, so a captured request cannot be replayed after the tolerance has passed.
 */
export const SIGNATURE_HEADER = 'X-Webhook-Signature';
export const EVENT_ID_HEADER = 'X-Webhook-Id';

const hmac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The signature header's value for this body, signed at `timestamp` (unix seconds). */
export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * For receivers (and the tests): true when the header carries a valid signature of exactly this body
 * (the raw bytes as received, before any JSON parsing) made within `toleranceSeconds` of now.
 */
export function verifyWebhookSignature(secret: string, header: string | undefined | null, body: string | Buffer, toleranceSeconds = 300, now = Date.now()): boolean {
  if (!header) return false;
  const parts = new Map(header.split(',').map((part) => part.trim().split('=', 2) as [string, string]));
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1');
  if (!Number.isInteger(timestamp) || !signature || !/^[0-9a-f]{64}$/.test(signature)) return false;
  if (Math.abs(now / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(hmac(secret, timestamp, Buffer.isBuffer(body) ? body.toString('utf8') : body), 'hex');
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}
