import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Alert } from '../src/alerts/alerts.service';
import { isPermanentTwilioError, isTwilioAuthError, twilioErrorInfo } from '../src/twilio/twilio-errors';
import { messagesSentTotal, type SendKind } from '../src/metrics/metrics';
import type { ActivityDeps } from './deps';

export interface SendInput {
  integrationId: string;
  conversationSid: string;
  body: string;
  /** Stable across retries: stored in the message's Attributes, so a retry can see the send already happened. */
  idempotencyKey: string;
  /** Send the integration's approved template instead of free text (outside the 24-hour window). */
  asTemplate?: boolean;
}

export interface SendResult {
  messageSid: string;
  author: string;
  acceptedAt: string;
}

/** Failure types of a send that the turn workflow handles itself instead of retrying. */
export const SendFailure = {
  /** The integration is paused (its credentials were rejected); nothing was sent. */
  paused: 'IntegrationPaused',
  /** Twilio rejected the credentials; the integration has just been paused. Details: [{ alert? }]. */
  auth: 'TwilioAuthError',
  /** WhatsApp 63016: free text outside the 24-hour customer-service window. */
  outsideWindow: 'OutsideWhatsAppWindow',
  /** Any other permanent refusal by Twilio. */
  rejected: 'TwilioRejected',
} as const;

/** Sends to the customer through Twilio Conversations. Runs on the rate-limited sends task queue. */
export function createTwilioActivities(deps: ActivityDeps) {
  return {
    async sendReply(input: SendInput): Promise<SendResult> {
      return sendToConversation(deps, { ...input, kind: input.asTemplate ? 'template' : 'reply' }, (integration) => {
        if (!input.asTemplate) return { body: input.body };
        if (!integration.templateContentSid) {
          throw ApplicationFailure.create({ message: 'No template is configured for this integration', type: SendFailure.rejected, nonRetryable: true });
        }
        return { contentSid: integration.templateContentSid, contentVariables: JSON.stringify({ 1: input.body }) };
      });
    },
  };
}

/**
 * One message into a conversation under the send policy's failure types: a paused integration sends
 * nothing; rejected credentials pause it (one alert per incident); the sandbox keeps its messages
 * local; every other Twilio error becomes what the policy retries or gives up on. Sent once per key.
 */
export async function sendToConversation(
  deps: Pick<ActivityDeps, 'integrations' | 'twilio' | 'alerts'>,
  target: { integrationId: string; conversationSid: string; idempotencyKey: string; lookFirst?: boolean; kind?: SendKind },
  content: (integration: { templateContentSid: string | null }) => { body?: string; contentSid?: string; contentVariables?: string; mediaSid?: string },
): Promise<SendResult> {
  // Counted per attempt: a send retried twice then accepted is two `failed` and one `ok`.
  const kind = target.kind ?? 'reply';
  try {
    const sent = await send(deps, target, content);
    messagesSentTotal.inc({ kind, outcome: 'ok' });
    return sent;
  } catch (err) {
    messagesSentTotal.inc({ kind, outcome: 'failed' });
    throw err;
  }
}

async function send(
  { integrations, twilio, alerts }: Pick<ActivityDeps, 'integrations' | 'twilio' | 'alerts'>,
  target: { integrationId: string; conversationSid: string; idempotencyKey: string; lookFirst?: boolean },
  content: Parameters<typeof sendToConversation>[2],
): Promise<SendResult> {
  const { integration, authToken } = await integrations.resolveById(target.integrationId);
  const author = integration.agentIdentity;
  if (integration.status === 'paused') {
    throw ApplicationFailure.create({ message: `Integration ${integration.id} is paused: ${integration.pausedReason ?? ''}`, type: SendFailure.paused, nonRetryable: true, details: [{ integrationId: integration.id }] });
  }
  const message = content(integration);
  if (integration.kind === 'sandbox') {
    // The sandbox's messages stay local: recorded by the workflow, never sent anywhere.
    return { messageSid: sandboxMessageSid(target.idempotencyKey), author, acceptedAt: new Date().toISOString() };
  }
  const messages = twilio.get(integration.accountSid, authToken).conversations.v1.conversations(target.conversationSid).messages;
  try {
    return { ...(await createOnce(messages, { author, ...message }, target.idempotencyKey, target.lookFirst)), author };
  } catch (err) {
    if (isTwilioAuthError(err)) throw await authFailure({ integrations, alerts }, integration, err);
    throw toFailure(err);
  }
}

/**
 * Twilio rejected the integration's credentials: pauses it and returns the non-retryable
 * `TwilioAuthError` to throw. Only the call that flips it to paused raises the alert: one per incident.
 */
export async function authFailure(
  { integrations, alerts }: Pick<ActivityDeps, 'integrations' | 'alerts'>,
  integration: { id: string; accountSid: string },
  err: unknown,
): Promise<ApplicationFailure> {
  const reason = `Twilio rejected the credentials of account ${integration.accountSid}: ${twilioErrorInfo(err).message}`;
  const alert: Alert | undefined = (await integrations.pause(integration.id, reason)) ? await alerts.raise('twilio_auth_failed', reason, integration.id) : undefined;
  return ApplicationFailure.create({ message: reason, type: SendFailure.auth, nonRetryable: true, details: [{ alert, integrationId: integration.id }] });
}

/** The failure a Twilio error becomes: what the send policy retries, waits on, or gives up on. */
export function toFailure(err: unknown): unknown {
  const info = twilioErrorInfo(err);
  const details = [{ status: info.status, code: info.code }];
  if (info.code === 63016) {
    return ApplicationFailure.create({ message: `Outside the WhatsApp 24-hour window: ${info.message}`, type: SendFailure.outsideWindow, nonRetryable: true, details });
  }
  if (info.status === 429) {
    // Rate limited: retried, after the delay Twilio asks for when it says one.
    const retryAfter = Number((err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds ?? NaN);
    return ApplicationFailure.create({ message: `Twilio rate limit (${info.code ?? 429})`, type: 'TwilioRateLimited', details, nextRetryDelay: Number.isFinite(retryAfter) ? `${retryAfter}s` : undefined });
  }
  if (isPermanentTwilioError(err)) {
    return ApplicationFailure.create({ message: `Twilio refused the message (${info.status}/${info.code}): ${info.message}`, type: SendFailure.rejected, nonRetryable: true, details });
  }
  return err;
}

type ConversationMessages = ReturnType<ReturnType<ActivityDeps['twilio']['get']>['conversations']['v1']['conversations']>['messages'];

/**
 * Creates a message in a conversation once per idempotency key: the key rides in the message's
 * Attributes, and a retry first looks for it among the conversation's latest messages, since a
 * previous attempt may have reached Twilio before the worker lost its answer. Created through REST
 * without X-Twilio-Webhook-Enabled, so it fires no webhook back at the agent.
 */
export async function createOnce(
  messages: ConversationMessages,
  content: { author: string; body?: string; contentSid?: string; contentVariables?: string; mediaSid?: string },
  idempotencyKey: string,
  lookFirst = false,
): Promise<{ messageSid: string; acceptedAt: string }> {
  if (lookFirst || Context.current().info.attempt > 1) {
    const recent = await messages.list({ order: 'desc', limit: 50 });
    const sent = recent.find((m) => readIdempotencyKey(m.attributes) === idempotencyKey);
    if (sent) return { messageSid: sent.sid, acceptedAt: (sent.dateCreated ?? new Date()).toISOString() };
  }
  const created = await messages.create({ ...content, attributes: JSON.stringify({ idempotencyKey }) });
  return { messageSid: created.sid, acceptedAt: new Date().toISOString() };
}

function readIdempotencyKey(attributes: string | undefined): string | undefined {
  try {
    const parsed = JSON.parse(attributes ?? '{}') as { idempotencyKey?: unknown };
    return typeof parsed.idempotencyKey === 'string' ? parsed.idempotencyKey : undefined;
  } catch {
    return undefined;
  }
}

const sandboxMessageSid = (key: string) => `IM${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
