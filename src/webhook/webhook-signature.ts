import twilio from 'twilio';
import type { WebhookParams } from './webhook-event';

/**
 * Whether a webhook request carries Twilio's signature. Twilio signs the URL it was configured to call,
 * so the URL is rebuilt from PUBLIC_BASE_URL (not the Host header a proxy may rewrite). Any of the
 * integration's signing tokens is accepted: the current one, and the previous one during a rotation.
 * The webhook and the diagnostics' signature self-test both decide through here.
 */
export function isSignedByTwilio(request: { publicBaseUrl: string; originalUrl: string; signature?: string; params: WebhookParams; signingTokens: string[] }): boolean {
  const { signature, signingTokens, params } = request;
  if (signature === undefined) return false;
  const url = request.publicBaseUrl + request.originalUrl;
  return signingTokens.some((token) => twilio.validateRequest(token, signature, url, params));
}
