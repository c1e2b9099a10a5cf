import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { replyLatencySeconds } from '../metrics/metrics';
import type { ConversationStatus, InboundMessage, StatusChangeCause } from '../../workflows/definitions';
import { detectLanguage } from '../../workflows/replies';

export interface HistoryEntry {
  direction: 'inbound' | 'outbound';
  body: string;
  at: string;
}

export interface CustomerContext {
  customerId: string;
  conversationId: string;
  customerName: string | null;
  /** The customer's language as last detected from their messages (en, es, de, fr, it, pt); absent before it was stored. */
  language?: string | null;
  /** The conversation's earlier messages, oldest first, at most HISTORY_LIMIT. */
  history: HistoryEntry[];
}

export interface OutboundRecord {
  integrationId: string;
  conversationSid: string;
  /** The agent identity Twilio accepted the reply under; absent for a held reply (the integration's is used). */
  author?: string;
  body: string;
  idempotencyKey: string;
  /** Absent when the reply was held instead of sent. */
  messageSid?: string;
  /** Why a reply was held (a Twilio error code, e.g. 63016 outside the 24-hour window). */
  heldReason?: string;
  acceptedAt: string;
  /** When the first message this reply answers reached the webhook; absent for a message that answers none (a campaign, a reminder), which then has no reply latency. */
  firstReceivedAt?: string;
  /** `bot`, or `agent:<name>` for a person's message. */
  sentBy: string;
  /** Pictures sent with it (a data question's chart): the chart's id and, in the sandbox, the PNG's path. */
  media?: { chartId: string; path?: string }[];
}

/** One hand-off status change, as the conversation workflow made it. */
export interface StatusChange {
  /** Unique per change (workflow id + sequence): a retried activity records it once. */
  eventKey: string;
  /** The conversation's count of changes so far: a change never overwrites a later one. */
  sequence: number;
  integrationId: string;
  conversationSid: string;
  from: ConversationStatus;
  to: ConversationStatus;
  cause: StatusChangeCause;
  actor: string | null;
  reason: string | null;
  /** Workflow time of the change. */
  at: string;
  assignedAgent: { id: string; name: string } | null;
  waitingSince: string | null;
}

const HISTORY_LIMIT = 20;

/**
 * Customers, conversations and messages. Every write is one idempotent statement keyed on business
 * identity (phone, ConversationSid, dedupe key), so a retried activity changes nothing twice.
 */
@Injectable()
export class ConversationsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records the turn's inbound messages (upserting customer and conversation) and loads the context. */
  async recordInbound(input: { integrationId: string; conversationSid: string; customerPhone: string; messages: InboundMessage[] }): Promise<CustomerContext> {
    const last = input.messages[input.messages.length - 1]?.receivedAt ?? new Date().toISOString();
    const language = detectLanguage(input.messages.map((m) => m.body)) ?? null;
    const [customer] = await queryRows<{ id: string; name: string | null; language: string | null }>(this.db,
      `INSERT INTO customers (id, integration_id, phone, last_seen_at, language) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT customers_integration_phone DO UPDATE SET last_seen_at = GREATEST(customers.last_seen_at, EXCLUDED.last_seen_at),
         language = COALESCE(EXCLUDED.language, customers.language)
       RETURNING id, name, language`,
      [randomUUID(), input.integrationId, input.customerPhone, last, language],
    );
    const conversationId = await this.upsertConversation(input.integrationId, input.conversationSid, customer!.id, last);
    for (const m of input.messages) {
      await this.db.query(
        `INSERT INTO messages (id, integration_id, conversation_id, direction, author, body, dedupe_key, twilio_message_sid, at)
         VALUES ($1, $2, $3, 'inbound', $4, $5, $6, $7, $8)
         ON CONFLICT ON CONSTRAINT messages_integration_dedupe DO NOTHING`,
        [randomUUID(), input.integrationId, conversationId, m.author, m.body, m.dedupeKey, m.messageSid ?? null, m.receivedAt],
      );
    }
    const rows = await queryRows<{ direction: 'inbound' | 'outbound'; body: string; at: Date }>(this.db, 
      `SELECT direction, body, at FROM (
         SELECT direction, body, at FROM messages
         WHERE conversation_id = $1 AND NOT (dedupe_key = ANY($2::text[]))
         ORDER BY at DESC LIMIT $3) recent
       ORDER BY at ASC`,
      [conversationId, input.messages.map((m) => m.dedupeKey), HISTORY_LIMIT],
    );
    return {
      customerId: customer!.id,
      conversationId,
      customerName: customer!.name,
      language: customer!.language,
      history: rows.map((r) => ({ direction: r.direction, body: r.body, at: new Date(r.at).toISOString() })),
    };
  }

  /** Records a reply Twilio accepted; a repeat with the same idempotency key is a no-op. */
  async recordReply(reply: OutboundRecord): Promise<void> {
    const [conversation] = await queryRows<{ id: string }>(this.db, 
      `UPDATE conversations SET last_message_at = GREATEST(last_message_at, $3)
       WHERE integration_id = $1 AND conversation_sid = $2 RETURNING id`,
      [reply.integrationId, reply.conversationSid, reply.acceptedAt],
    );
    if (!conversation) throw new Error(`Conversation ${reply.conversationSid} is not recorded`);
    const latency = reply.firstReceivedAt ? Math.max(0, Date.parse(reply.acceptedAt) - Date.parse(reply.firstReceivedAt)) : null;
    const inserted = await queryRows<{ id: string }>(this.db,
      `INSERT INTO messages (id, integration_id, conversation_id, direction, author, body, dedupe_key, twilio_message_sid, at, reply_latency_ms, delivery_status, error_code, sent_by, media)
       VALUES ($1, $2, $3, 'outbound', COALESCE($4, (SELECT agent_identity FROM integrations WHERE id = $2)), $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT ON CONSTRAINT messages_integration_dedupe DO NOTHING RETURNING id`,
      [
        randomUUID(), reply.integrationId, conversation.id, reply.author ?? null, reply.body, reply.idempotencyKey, reply.messageSid ?? null, reply.acceptedAt,
        reply.messageSid ? latency : null, reply.messageSid ? 'accepted' : 'held', reply.heldReason ?? null, reply.sentBy,
        reply.media?.length ? JSON.stringify(reply.media) : null,
      ],
    );
    // Only the agent's replies Twilio accepted, once each: a retried activity finds the row already there.
    if (inserted.length > 0 && reply.messageSid && latency !== null) replyLatencySeconds.observe(latency / 1000);
  }

  /**
   * Mirrors a status change to the conversation row (the list the agents see) and logs it with its
   * cause. Changes are ordered by their sequence: a late retry of an older change never wins.
   */
  async recordStatusChange(change: StatusChange): Promise<void> {
    await this.db.query(
      `UPDATE conversations SET status = $3, assigned_agent_id = $4, assigned_agent_name = $5, waiting_since = $6, status_changed_at = $7, status_seq = $8
       WHERE integration_id = $1 AND conversation_sid = $2 AND status_seq < $8`,
      [change.integrationId, change.conversationSid, change.to, change.assignedAgent?.id ?? null, change.assignedAgent?.name ?? null, change.waitingSince, change.at, change.sequence],
    );
    await this.db.query(
      `INSERT INTO handoff_events (id, event_key, integration_id, conversation_sid, from_status, to_status, cause, actor, reason, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_key) DO NOTHING`,
      [randomUUID(), change.eventKey, change.integrationId, change.conversationSid, change.from, change.to, change.cause, change.actor, change.reason, change.at],
    );
  }

  /** Conversations of an integration with a message since `since`: the ones the reconciliation checks. */
  async recentConversations(integrationId: string, since: Date): Promise<string[]> {
    const rows = await queryRows<{ conversation_sid: string }>(
      this.db,
      `SELECT conversation_sid FROM conversations WHERE integration_id = $1 AND last_message_at >= $2 ORDER BY last_message_at DESC LIMIT 500`,
      [integrationId, since],
    );
    return rows.map((r) => r.conversation_sid);
  }

  /**
   * Whether a customer message Twilio holds is already known: by its MessageSid, or (pre-events carry
   * no MessageSid) by the same author and text received within five minutes of Twilio's timestamp.
   */
  async knowsInbound(integrationId: string, m: { messageSid: string; author: string; body: string; at: Date }): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `SELECT id FROM messages
       WHERE integration_id = $1 AND direction = 'inbound'
         AND (twilio_message_sid = $2 OR dedupe_key = $3
              OR (author = $4 AND body = $5 AND at BETWEEN $6::timestamptz - interval '5 minutes' AND $6::timestamptz + interval '5 minutes'))
       LIMIT 1`,
      [integrationId, m.messageSid, `message:${m.messageSid}`, m.author, m.body, m.at],
    );
    if (rows.length > 0) return true;
    const inbox = await queryRows<{ id: string }>(this.db, `SELECT id FROM inbox_events WHERE integration_id = $1 AND dedupe_key = $2 LIMIT 1`, [integrationId, `message:${m.messageSid}`]);
    return inbox.length > 0;
  }

  /** The conversation with its full transcript and its hand-off history, for the API. */
  async transcript(conversationSid: string) {
    const [conversation] = await queryRows<{
      id: string; integration_id: string; status: ConversationStatus; phone: string; name: string | null; created_at: Date; last_message_at: Date;
      assigned_agent_id: string | null; assigned_agent_name: string | null; waiting_since: Date | null;
    }>(this.db,
      `SELECT c.id, c.integration_id, c.status, c.created_at, c.last_message_at, c.assigned_agent_id, c.assigned_agent_name, c.waiting_since, cu.phone, cu.name
       FROM conversations c JOIN customers cu ON cu.id = c.customer_id WHERE c.conversation_sid = $1
       ORDER BY c.last_message_at DESC LIMIT 1`,
      [conversationSid],
    );
    if (!conversation) throw new NotFoundException({ error: 'conversation_not_found', message: `No conversation ${conversationSid}` });
    const messages: Record<string, unknown>[] = await this.db.query(
      `SELECT id, direction, author, sent_by AS "sentBy", body, twilio_message_sid AS "messageSid", at, reply_latency_ms AS "replyLatencyMs",
              delivery_status AS "deliveryStatus", error_code AS "errorCode", media
       FROM messages WHERE conversation_id = $1 ORDER BY at ASC, created_at ASC`,
      [conversation.id],
    );
    const handoffs: Record<string, unknown>[] = await this.db.query(
      `SELECT from_status AS "from", to_status AS "to", cause, actor, reason, at FROM handoff_events
       WHERE integration_id = $1 AND conversation_sid = $2 ORDER BY at ASC`,
      [conversation.integration_id, conversationSid],
    );
    return {
      conversationSid,
      integrationId: conversation.integration_id,
      customerPhone: conversation.phone,
      customerName: conversation.name,
      status: conversation.status,
      assignedAgent: conversation.assigned_agent_id ? { id: conversation.assigned_agent_id, name: conversation.assigned_agent_name ?? '' } : null,
      waitingSince: conversation.waiting_since,
      createdAt: conversation.created_at,
      lastMessageAt: conversation.last_message_at,
      // `media` only on messages that carried a picture.
      messages: messages.map(({ media, ...m }) => (media ? { ...m, media } : m)),
      handoffs,
    };
  }

  private async upsertConversation(integrationId: string, conversationSid: string, customerId: string, at: string): Promise<string> {
    const [row] = await queryRows<{ id: string }>(this.db, 
      `INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at)
       VALUES ($1, $2, $3, $4, 'bot', $5)
       ON CONFLICT ON CONSTRAINT conversations_integration_sid DO UPDATE SET last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
         customer_id = EXCLUDED.customer_id
       RETURNING id`,
      [randomUUID(), integrationId, conversationSid, customerId, at],
    );
    return row!.id;
  }
}
