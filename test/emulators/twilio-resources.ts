import { createHash } from 'node:crypto';
import type { EmulatedConversation, EmulatedMedia, EmulatedMessage, EmulatedParticipant, WebhookConfiguration } from './twilio-emulator';

/** The JSON bodies Twilio answers with, in its snake_case shapes. */

export const CONVERSATIONS_URL = 'https://conversations.twilio.com/v1';

export function accountResource(sid: string, authToken: string, dateCreated: Date) {
  return {
    sid,
    owner_account_sid: sid,
    friendly_name: 'Emulated account',
    status: 'active',
    type: 'Full',
    auth_token: authToken,
    date_created: rfc2822(dateCreated),
    date_updated: rfc2822(dateCreated),
    uri: `/2010-04-01/Accounts/${sid}.json`,
    subresource_uris: {},
  };
}

export function messageResource(message: EmulatedMessage, media: EmulatedMedia | undefined) {
  const url = `${CONVERSATIONS_URL}/Conversations/${message.conversationSid}/Messages/${message.sid}`;
  return {
    sid: message.sid,
    account_sid: message.accountSid,
    conversation_sid: message.conversationSid,
    chat_service_sid: 'IS' + createHash('md5').update(message.accountSid).digest('hex'),
    body: message.body,
    author: message.author,
    attributes: message.attributes,
    media: media
      ? [{ sid: media.sid, content_type: media.contentType, size: media.bytes.length, filename: null, category: 'media' }]
      : null,
    content_sid: message.contentSid ?? null,
    index: message.index,
    date_created: iso8601(message.dateCreated),
    date_updated: iso8601(message.dateCreated),
    participant_sid: null,
    delivery: message.delivery ?? null,
    url,
    links: { delivery_receipts: `${url}/Receipts`, channel_metadata: `${url}/ChannelMetadata` },
  };
}

/** Media Content Service resource; its links are relative, as Twilio returns them. */
export function mediaResource(media: EmulatedMedia) {
  const path = `/v1/Services/${media.serviceSid}/Media/${media.sid}`;
  return {
    sid: media.sid,
    account_sid: media.accountSid,
    service_sid: media.serviceSid,
    content_type: media.contentType,
    size: media.bytes.length,
    filename: null,
    category: 'media',
    date_created: iso8601(media.dateCreated),
    url: path,
    links: { content: `${path}/Content`, content_direct_temporary: `${path}/Content/direct` },
  };
}

export function webhooksResource(accountSid: string, configuration: WebhookConfiguration) {
  return {
    account_sid: accountSid,
    pre_webhook_url: configuration.preWebhookUrl,
    post_webhook_url: configuration.postWebhookUrl,
    method: configuration.method,
    filters: configuration.filters,
    target: configuration.target,
    url: `${CONVERSATIONS_URL}/Configuration/Webhooks`,
  };
}

export function conversationResource(conversation: EmulatedConversation) {
  const url = `${CONVERSATIONS_URL}/Conversations/${conversation.sid}`;
  return {
    sid: conversation.sid,
    account_sid: conversation.accountSid,
    chat_service_sid: 'IS' + createHash('md5').update(conversation.accountSid).digest('hex'),
    messaging_service_sid: null,
    friendly_name: conversation.friendlyName,
    unique_name: conversation.uniqueName,
    attributes: '{}',
    state: 'active',
    date_created: iso8601(conversation.dateCreated),
    date_updated: iso8601(conversation.dateCreated),
    timers: {},
    url,
    links: { participants: `${url}/Participants`, messages: `${url}/Messages`, webhooks: `${url}/Webhooks` },
    bindings: null,
  };
}

export function participantResource(accountSid: string, participant: EmulatedParticipant) {
  return {
    sid: participant.sid,
    account_sid: accountSid,
    conversation_sid: participant.conversationSid,
    identity: null,
    attributes: '{}',
    messaging_binding: { type: 'whatsapp', address: participant.address, proxy_address: participant.proxyAddress },
    role_sid: null,
    date_created: iso8601(participant.dateCreated),
    date_updated: iso8601(participant.dateCreated),
    url: `${CONVERSATIONS_URL}/Conversations/${participant.conversationSid}/Participants/${participant.sid}`,
    last_read_message_index: null,
    last_read_timestamp: null,
  };
}

export function errorResource(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/** Conversations API dates: `2024-01-31T12:00:00Z`. */
function iso8601(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 2010-04-01 API dates: `Wed, 31 Jan 2024 12:00:00 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}
