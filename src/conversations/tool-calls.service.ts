import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';

/**
 * What a tool call came to: `ok` and `refused` (a business rule said no) after it ran; `invalid`
 * arguments never reached a handler; `awaiting_confirmation`, then `declined` or `expired` for a
 * side effect the customer did not confirm; `limited` when the turn's tool budget was spent.
 */
export type ToolCallOutcome = 'ok' | 'refused' | 'invalid' | 'awaiting_confirmation' | 'declined' | 'expired' | 'limited' | 'failed';

export interface ToolCallRecord {
  integrationId: string;
  conversationSid: string;
  /** Unique per call (workflow id, turn, the model's call id): a retried activity records it once. */
  callKey: string;
  tool: string;
  arguments: unknown;
  outcome: ToolCallOutcome;
  result?: unknown;
}

/** Every tool call the agent made, with its arguments and result: the database's side of the transcript. */
@Injectable()
export class ToolCallsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records a call; a later record with the same key (the confirmed run of a summary) updates it. */
  async record(call: ToolCallRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO tool_calls (id, integration_id, conversation_sid, call_key, tool, arguments, outcome, result) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (call_key) DO UPDATE SET outcome = EXCLUDED.outcome, result = EXCLUDED.result`,
      [randomUUID(), call.integrationId, call.conversationSid, call.callKey, call.tool, JSON.stringify(call.arguments ?? null), call.outcome, call.result === undefined ? null : JSON.stringify(call.result)],
    );
  }

  async forConversation(integrationId: string, conversationSid: string): Promise<{ tool: string; arguments: unknown; outcome: ToolCallOutcome; result: unknown; at: string }[]> {
    const rows = await queryRows<{ tool: string; arguments: unknown; outcome: ToolCallOutcome; result: unknown; created_at: Date }>(
      this.db,
      `SELECT tool, arguments, outcome, result, created_at FROM tool_calls WHERE integration_id = $1 AND conversation_sid = $2 ORDER BY created_at, call_key`,
      [integrationId, conversationSid],
    );
    return rows.map((r) => ({ tool: r.tool, arguments: r.arguments, outcome: r.outcome, result: r.result, at: new Date(r.created_at).toISOString() }));
  }
}
