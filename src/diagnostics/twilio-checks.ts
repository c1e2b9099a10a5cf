import twilio from 'twilio';
import type { AppConfig } from '../config/config';
import type { IntegrationEntity } from '../integrations/integration.entity';
import type { ResolvedIntegration } from '../integrations/integrations.service';
import type { TwilioClient } from '../twilio/twilio-client.factory';
import { isTwilioAuthError, twilioErrorInfo } from '../twilio/twilio-errors';
import { WEBHOOK_PATH } from '../webhook/twilio-webhook.service';
import { isSignedByTwilio } from '../webhook/webhook-signature';
import { type CheckOutcome, errorMessage, fail, ok, skip, warn } from './diagnostic-check';

/** What the Twilio checks of one integration need: its decrypted tokens and a client made with them. */
export interface TwilioCheckContext {
  config: AppConfig;
  resolved: ResolvedIntegration;
  client: TwilioClient;
}

export const REACH_TWILIO_FIX = 'Check that this machine reaches the Twilio API (TWILIO_API_BASE_URL when set)';

const configureFix = (i: IntegrationEntity) =>
  `PATCH /api/integrations/${i.id} {"configureWebhook": true} (or set it in the Twilio Console → Conversations → Global webhooks)`;

/** The token fix: the default integration takes its token from the environment, which wins at boot. */
export function rotateTokenFix(config: AppConfig, i: IntegrationEntity): string {
  const rotate = i.accountSid === config.twilio.accountSid
    ? 'Set TWILIO_AUTH_TOKEN to the current Auth Token from the Twilio Console and restart'
    : `Rotate the token: PATCH /api/integrations/${i.id} {"authToken": "<current Auth Token from the Twilio Console>"}`;
  return `${rotate}; then POST /api/integrations/${i.id}/resume if it is paused`;
}

/**
 * The Conversations webhook configuration as Twilio holds it: the answered event must reach our URL
 * by POST (the pre-webhook for `onMessageAdd`, the post-webhook for `onMessageAdded`); delivery
 * receipts (`onDeliveryUpdated` on the post-webhook) are a warning only, as the reconciliation fills them in.
 */
export async function checkWebhookConfiguration({ config, resolved, client }: TwilioCheckContext): Promise<CheckOutcome> {
  const { integration } = resolved;
  const ours = `${config.publicBaseUrl}${WEBHOOK_PATH}`;
  let webhooks: { preWebhookUrl?: string | null; postWebhookUrl?: string | null; method?: string; filters?: string[]; target?: string };
  try {
    webhooks = await client.conversations.v1.configuration.webhooks().fetch();
  } catch (err) {
    if (isTwilioAuthError(err)) return skip('Not read: Twilio rejected the credentials (see the credentials check)');
    return fail(`Could not read the webhook configuration from Twilio: ${twilioErrorInfo(err).message}`, REACH_TWILIO_FIX);
  }
  const filters = webhooks.filters ?? [];
  const event = integration.answeredEvent;
  const [hook, hookUrl] = event === 'onMessageAdd' ? ['pre-webhook', webhooks.preWebhookUrl] : ['post-webhook', webhooks.postWebhookUrl];
  const problems: string[] = [];
  if (hookUrl !== ours) problems.push(`the ${hook} URL is ${hookUrl ? hookUrl : 'not set'}, not ${ours}: customers' messages do not reach the agent`);
  if (!filters.includes(event)) problems.push(`the filters (${filters.join(', ') || 'none'}) lack ${event}: Twilio does not send new messages`);
  if ((webhooks.method ?? 'POST').toUpperCase() !== 'POST') problems.push(`the method is ${webhooks.method}, not POST`);
  if (webhooks.target && webhooks.target !== 'webhook') problems.push(`the target is ${webhooks.target}, not webhook`);
  if (problems.length > 0) return fail(capitalize(problems.join('; ')), configureFix(integration));

  const receipts: string[] = [];
  if (webhooks.postWebhookUrl !== ours) receipts.push(`the post-webhook URL is ${webhooks.postWebhookUrl || 'not set'}`);
  if (!filters.includes('onDeliveryUpdated')) receipts.push('onDeliveryUpdated is not among the filters');
  if (receipts.length > 0) {
    return warn(`${hook} ${ours}, ${event}, POST; but ${receipts.join(' and ')}: delivery receipts (delivered, read, failed) arrive only through the reconciliation, minutes late`, configureFix(integration));
  }
  return ok(`${hook} and post-webhook ${ours}, POST, filters ${filters.join(', ')}`);
}

/** The Account SID and the stored Auth Token, as Twilio judges them: fetching the account. */
export async function checkCredentials({ config, resolved, client }: TwilioCheckContext): Promise<CheckOutcome> {
  const { integration } = resolved;
  try {
    const account = await client.api.v2010.accounts(integration.accountSid).fetch();
    if (account.status && account.status !== 'active') {
      return fail(`Twilio accepted the credentials but the account is ${account.status}`, 'Reactivate the account in the Twilio Console');
    }
    return ok(`Twilio accepted the Account SID ${integration.accountSid} and the stored Auth Token`);
  } catch (err) {
    if (isTwilioAuthError(err)) {
      return fail(`Twilio rejected the Account SID ${integration.accountSid} with the stored Auth Token (401 / 20003): sends fail and the integration is paused; webhooks Twilio signs with its current token are refused`, rotateTokenFix(config, integration));
    }
    return fail(`Could not reach Twilio to check the credentials: ${twilioErrorInfo(err).message}`, REACH_TWILIO_FIX);
  }
}

/**
 * Signs a synthetic message event with the stored token exactly as Twilio does, for the URL Twilio is
 * told to call, and validates it through the webhook's own decision. It fails when the stored token
 * cannot be used, e.g. CREDENTIALS_KEY changed since it was saved.
 */
export function checkSignature(config: AppConfig, resolved: ResolvedIntegration): CheckOutcome {
  const url = `${config.publicBaseUrl}${WEBHOOK_PATH}`;
  const params = {
    EventType: 'onMessageAdd', AccountSid: resolved.integration.accountSid, ConversationSid: `CH${'0'.repeat(32)}`,
    Author: 'whatsapp:+10000000000', Body: 'diagnostics self-test', Source: 'WHATSAPP',
  };
  const signature = twilio.getExpectedTwilioSignature(resolved.authToken, url, params);
  const signed = isSignedByTwilio({ publicBaseUrl: config.publicBaseUrl, originalUrl: WEBHOOK_PATH, signature, params, signingTokens: resolved.signingTokens });
  if (!signed) return fail(`A request signed with the stored token for ${url} is not accepted`, `Set the Auth Token again: PATCH /api/integrations/${resolved.integration.id} {"authToken": …}`);
  const rotation = resolved.signingTokens.length > 1 ? '; the previous token is accepted too (rotation window)' : '';
  return ok(`Requests signed for ${url} with the stored token are accepted${rotation}`);
}

/** When the stored token cannot even be decrypted, every Twilio check says so once. */
export function unreadableToken(integration: IntegrationEntity, err: unknown): CheckOutcome {
  return fail(`The stored Auth Token cannot be decrypted (${errorMessage(err)}): CREDENTIALS_KEY differs from the one it was stored with`, `Restore the previous CREDENTIALS_KEY, or set the Auth Token again: PATCH /api/integrations/${integration.id} {"authToken": …}`);
}

const capitalize = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
