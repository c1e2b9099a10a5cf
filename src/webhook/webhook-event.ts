import { createHash } from 'node:crypto';
import type { InboundMessage } from '../../workflows/definitions';

/** The Conversations message events the agent listens to; every other event is acknowledged and ignored. */
export const MESSAGE_EVENTS = ['onMessageAdd', 'onMessageAdded'] as const;
export type MessageEvent = (typeof MESSAGE_EVENTS)[number];

export type WebhookParams = Record<string, string | string[] | undefined>;

/** A form field as one string; repeated fields (not expected in message events) keep their first value. */
export function field(params: WebhookParams, name: string): string | undefined {
  const value = params[name];
  return Array.isArray(value) ? value[0] : value;
}

const CONVERSATION_SID = /^CH[0-9a-fA-F]{32}$/;

export interface AcceptedMessage {
  eventType: MessageEvent;
  conversationSid: string;
  message: InboundMessage;
}

/**
 * Reads a signed message event. Returns null, with the reason, when a genuine event carries no
 * customer message the agent could answer (the webhook still answers 200 so Twilio publishes it).
 */
export function readMessageEvent(
  params: WebhookParams,
  idempotencyToken: string | undefined,
  receivedAt: Date,
): { accepted: AcceptedMessage } | { ignored: string } {
  const eventType = field(params, 'EventType') as MessageEvent;
  const conversationSid = field(params, 'ConversationSid');
  const author = field(params, 'Author');
  if (!conversationSid || !CONVERSATION_SID.test(conversationSid)) return { ignored: 'missing or malformed ConversationSid' };
  if (!author) return { ignored: 'missing Author' };
  const messageSid = field(params, 'MessageSid');
  return {
    accepted: {
      eventType,
      conversationSid,
      message: {
        dedupeKey: dedupeKey(params, idempotencyToken),
        body: field(params, 'Body') ?? '',
        author,
        messageSid,
        media: parseMedia(field(params, 'Media')),
        receivedAt: receivedAt.toISOString(),
      },
    },
  };
}

/**
 * The identity of a delivery, stable across Twilio's retries: the `I-Twilio-Idempotency-Token` header,
 * else the MessageSid (post-event), else a hash of the event's identifying fields (pre-event).
 */
export function dedupeKey(params: WebhookParams, idempotencyToken: string | undefined): string {
  if (idempotencyToken) return `token:${idempotencyToken}`;
  const messageSid = field(params, 'MessageSid');
  if (messageSid) return `message:${messageSid}`;
  const identifying = ['EventType', 'AccountSid', 'ConversationSid', 'ParticipantSid', 'Author', 'Body', 'Media', 'Attributes'];
  const hash = createHash('sha256');
  for (const name of identifying) hash.update(`${name}=${field(params, name) ?? ''}\n`);
  return `hash:${hash.digest('hex')}`;
}

function parseMedia(raw: string | undefined): unknown[] | undefined {
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}
