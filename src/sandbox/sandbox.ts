import { createHmac } from 'node:crypto';

/**
 * The built-in sandbox integration: used when no TWILIO_* variables are set, so the agent can be
 * tried without any account. Its replies stay local (stored, never sent); `npm run chat` talks to it
 * through the real, signed webhook. Its auth token is derived from CREDENTIALS_KEY, so only someone
 * holding that key can sign requests for it.
 */
export const SANDBOX_ACCOUNT_SID = 'AC00000000000000000000000000000000';
export const SANDBOX_PHONE_NUMBER = 'whatsapp:+10000000000';

export function sandboxAuthToken(credentialsKey: string): string {
  return createHmac('sha256', Buffer.from(credentialsKey, 'hex')).update('sandbox-auth-token').digest('hex').slice(0, 32);
}
