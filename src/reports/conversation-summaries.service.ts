import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';

export type SummaryTrigger = 'handoff' | 'close';

/** A stored summary, as GET /api/conversations/:sid lists them (newest first). */
export interface ConversationSummary {
  id: string;
  trigger: SummaryTrigger;
  summary: string;
  /** The model that wrote it; null for the summary extracted from the transcript without a model. */
  model: string | null;
  createdAt: string;
}

/** What a summary is written from: the conversation's recent messages and tool calls, oldest first. */
export interface SummarySource {
  customerId: string;
  customerName: string | null;
  customerPhone: string;
  lines: TranscriptLine[];
  /** The latest hand-off to a person: its cause and reason. */
  escalation: { cause: string; reason: string | null } | null;
  /** Who closed the conversation last (`agent:<name>`). */
  closedBy: string | null;
}

export interface TranscriptLine {
  at: string;
  /** `Customer`, `Bot`, `Agent <name>` or `Tool`. */
  who: string;
  text: string;
}

/** Transcript entries a summary reads at most: the latest ones. */
export const SUMMARY_TRANSCRIPT_LIMIT = 40;
/** A longer message is cut: the summary needs its gist, and the prompt stays bounded. */
const LINE_LIMIT = 500;

/**
 * Conversation summaries for staff, written when a conversation is handed to a person and when it
 * is closed. One per (conversation, trigger, status change), so a retried activity stores it once.
 */
@Injectable()
export class ConversationSummariesService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(integrationId: string, conversationSid: string, trigger: SummaryTrigger, sequence: number): Promise<ConversationSummary | null> {
    const [row] = await this.select(`WHERE integration_id = $1 AND conversation_sid = $2 AND trigger = $3 AND status_seq = $4`, [integrationId, conversationSid, trigger, sequence]);
    return row ?? null;
  }

  /** Stores a summary unless one exists for the same status change; returns the stored one either way. */
  async store(input: { integrationId: string; conversationSid: string; trigger: SummaryTrigger; sequence: number; summary: string; model: string | null }): Promise<ConversationSummary> {
    await this.db.query(
      `INSERT INTO conversation_summaries (id, integration_id, conversation_sid, trigger, status_seq, summary, model) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT ON CONSTRAINT conversation_summaries_once DO NOTHING`,
      [randomUUID(), input.integrationId, input.conversationSid, input.trigger, input.sequence, input.summary, input.model],
    );
    return (await this.find(input.integrationId, input.conversationSid, input.trigger, input.sequence))!;
  }

  /** A conversation's summaries, newest first. */
  forConversation(integrationId: string, conversationSid: string): Promise<ConversationSummary[]> {
    return this.select(`WHERE integration_id = $1 AND conversation_sid = $2 ORDER BY created_at DESC, status_seq DESC`, [integrationId, conversationSid]);
  }

  /** The conversation's latest messages and tool calls (at most SUMMARY_TRANSCRIPT_LIMIT), its customer and hand-off causes. */
  async source(integrationId: string, conversationSid: string): Promise<SummarySource | null> {
    const [conversation] = await queryRows<{ id: string; customer_id: string; phone: string; name: string | null }>(
      this.db,
      `SELECT c.id, c.customer_id, cu.phone, cu.name FROM conversations c JOIN customers cu ON cu.id = c.customer_id
       WHERE c.integration_id = $1 AND c.conversation_sid = $2`,
      [integrationId, conversationSid],
    );
    if (!conversation) return null;
    const messages = await queryRows<{ direction: string; sent_by: string | null; body: string; at: Date }>(
      this.db,
      `SELECT direction, sent_by, body, at FROM messages WHERE conversation_id = $1 ORDER BY at DESC, created_at DESC LIMIT $2`,
      [conversation.id, SUMMARY_TRANSCRIPT_LIMIT],
    );
    const tools = await queryRows<{ tool: string; outcome: string; arguments: unknown; created_at: Date }>(
      this.db,
      `SELECT tool, outcome, arguments, created_at FROM tool_calls WHERE integration_id = $1 AND conversation_sid = $2 ORDER BY created_at DESC LIMIT $3`,
      [integrationId, conversationSid, SUMMARY_TRANSCRIPT_LIMIT],
    );
    const lines: TranscriptLine[] = [
      ...messages.map((m) => ({ at: new Date(m.at).toISOString(), who: speaker(m.direction, m.sent_by), text: cut(m.body) })),
      ...tools.map((t) => ({ at: new Date(t.created_at).toISOString(), who: 'Tool', text: cut(`${t.tool} ${JSON.stringify(t.arguments ?? {})} → ${t.outcome}`) })),
    ]
      .sort((a, b) => a.at.localeCompare(b.at))
      .slice(-SUMMARY_TRANSCRIPT_LIMIT);
    const [escalation] = await queryRows<{ cause: string; reason: string | null }>(
      this.db,
      `SELECT cause, reason FROM handoff_events WHERE integration_id = $1 AND conversation_sid = $2 AND to_status = 'waiting_for_human' ORDER BY at DESC LIMIT 1`,
      [integrationId, conversationSid],
    );
    const [closed] = await queryRows<{ actor: string | null }>(
      this.db,
      `SELECT actor FROM handoff_events WHERE integration_id = $1 AND conversation_sid = $2 AND to_status = 'closed' ORDER BY at DESC LIMIT 1`,
      [integrationId, conversationSid],
    );
    return {
      customerId: conversation.customer_id,
      customerName: conversation.name,
      customerPhone: conversation.phone,
      lines,
      escalation: escalation ?? null,
      closedBy: closed?.actor ?? null,
    };
  }

  private async select(where: string, params: unknown[]): Promise<ConversationSummary[]> {
    const rows = await queryRows<{ id: string; trigger: SummaryTrigger; summary: string; model: string | null; created_at: Date }>(
      this.db,
      `SELECT id, trigger, summary, model, created_at FROM conversation_summaries ${where}`,
      params,
    );
    return rows.map((r) => ({ id: r.id, trigger: r.trigger, summary: r.summary, model: r.model, createdAt: new Date(r.created_at).toISOString() }));
  }
}

function speaker(direction: string, sentBy: string | null): string {
  if (direction === 'inbound') return 'Customer';
  return sentBy?.startsWith('agent:') ? `Agent ${sentBy.slice('agent:'.length)}` : 'Bot';
}

const cut = (text: string) => (text.length > LINE_LIMIT ? `${text.slice(0, LINE_LIMIT - 1)}…` : text);
