import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { isPermanentTwilioError, isTwilioAuthError, twilioErrorInfo } from '../src/twilio/twilio-errors';
import type { ActivityDeps } from './deps';

export interface SendInput {
  integrationId: string;
  conversationSid: string;
  body: string;
  /** Stable across retries: stored in the message's Attributes, so a retry can see the send already happened. */
  idempotencyKey: string;
}

export interface SendResult {
  messageSid: string;
  author: string;
  acceptedAt: string;
}

/** Sends to the customer through Twilio Conversations. Runs on the sends task queue. */
export function createTwilioActivities({ integrations, twilio }: ActivityDeps) {
  return {
    async sendReply(input: SendInput): Promise<SendResult> {
      const { integration, authToken } = await integrations.resolveById(input.integrationId);
      const author = integration.agentIdentity;
      if (integration.kind === 'sandbox') {
        // The sandbox's replies stay local: recorded by the workflow, never sent anywhere.
        return { messageSid: sandboxMessageSid(input.idempotencyKey), author, acceptedAt: new Date().toISOString() };
      }
      const messages = twilio.get(integration.accountSid, authToken).conversations.v1.conversations(input.conversationSid).messages;
      try {
        if (Context.current().info.attempt > 1) {
          // A previous attempt may have reached Twilio before the worker lost its answer.
          const recent = await messages.list({ order: 'desc', limit: 50 });
          const sent = recent.find((m) => readIdempotencyKey(m.attributes) === input.idempotencyKey);
          if (sent) return { messageSid: sent.sid, author, acceptedAt: (sent.dateCreated ?? new Date()).toISOString() };
        }
        // Created through REST without X-Twilio-Webhook-Enabled, so it fires no webhook back at the agent.
        const created = await messages.create({ author, body: input.body, attributes: JSON.stringify({ idempotencyKey: input.idempotencyKey }) });
        return { messageSid: created.sid, author, acceptedAt: new Date().toISOString() };
      } catch (err) {
        throw toFailure(err);
      }
    },
  };
}

function toFailure(err: unknown): unknown {
  const info = twilioErrorInfo(err);
  const details = { status: info.status, code: info.code };
  if (isTwilioAuthError(err)) {
    return ApplicationFailure.create({ message: `Twilio rejected the credentials: ${info.message}`, type: 'TwilioAuthError', nonRetryable: true, details: [details] });
  }
  if (isPermanentTwilioError(err)) {
    return ApplicationFailure.create({ message: `Twilio refused the message (${info.status}/${info.code}): ${info.message}`, type: 'TwilioRejected', nonRetryable: true, details: [details] });
  }
  return err;
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
