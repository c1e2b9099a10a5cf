import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import type { InboundMessage } from '../../workflows/definitions';

export interface InboxRow {
  id: string;
  integrationId: string;
  conversationSid: string;
  status: 'pending' | 'delivered';
  attempts: number;
  message: InboundMessage;
}

/** Backoff between redelivery attempts of one event: 1 s, 2 s, 4 s … capped at 5 minutes. */
export const redeliveryDelayMs = (attempts: number) => Math.min(1_000 * 2 ** Math.max(0, attempts - 1), 300_000);

/** How long a claimed row is reserved for the replica that claimed it before another may try. */
const CLAIM_LEASE_MS = 30_000;

/**
 * The webhook's inbox: every accepted event is a row, unique per integration and dedupe key, and
 * stays `pending` until the conversation workflow has it. Each statement is atomic on its own,
 * so concurrent duplicates and several api replicas are safe.
 */
@Injectable()
export class InboxService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records an event once; a repeated delivery returns the existing row with `isNew: false`. */
  async record(input: { integrationId: string; eventType: string; conversationSid: string; message: InboundMessage }): Promise<{ row: InboxRow; isNew: boolean }> {
    const inserted = await queryRows<RawRow>(this.db, 
      `INSERT INTO inbox_events (id, integration_id, dedupe_key, event_type, conversation_sid, payload, status, attempts, next_attempt_at, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, now(), $7)
       ON CONFLICT ON CONSTRAINT inbox_events_integration_dedupe DO NOTHING
       RETURNING id, integration_id, conversation_sid, status, attempts, payload`,
      [randomUUID(), input.integrationId, input.message.dedupeKey, input.eventType, input.conversationSid, JSON.stringify(input.message), input.message.receivedAt],
    );
    if (inserted[0]) return { row: toRow(inserted[0]), isNew: true };
    const existing = await queryRows<RawRow>(this.db, 
      `SELECT id, integration_id, conversation_sid, status, attempts, payload FROM inbox_events WHERE integration_id = $1 AND dedupe_key = $2`,
      [input.integrationId, input.message.dedupeKey],
    );
    return { row: toRow(existing[0]!), isNew: false };
  }

  async markDelivered(id: string): Promise<void> {
    await this.db.query(`UPDATE inbox_events SET status = 'delivered', delivered_at = now(), last_error = NULL WHERE id = $1`, [id]);
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE inbox_events SET attempts = attempts + 1, last_error = $2,
         next_attempt_at = now() + make_interval(secs => LEAST(300, power(2, attempts))::double precision)
       WHERE id = $1 AND status = 'pending'`,
      [id, error.slice(0, 1000)],
    );
  }

  /**
   * Claims up to `limit` pending rows whose next attempt is due, reserving them for this replica.
   * `ignoringBackoff` takes every pending row: once Temporal answers again, nobody should wait out a backoff.
   */
  async claimDue(limit: number, ignoringBackoff = false): Promise<InboxRow[]> {
    const rows = await queryRows<RawRow>(
      this.db,
      `UPDATE inbox_events SET next_attempt_at = now() + make_interval(secs => $2::double precision)
       WHERE id IN (
         SELECT id FROM inbox_events WHERE status = 'pending' AND (next_attempt_at <= now() OR $3)
         ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING id, integration_id, conversation_sid, status, attempts, payload`,
      [limit, CLAIM_LEASE_MS / 1000, ignoringBackoff],
    );
    return rows.map(toRow).sort((a, b) => a.message.receivedAt.localeCompare(b.message.receivedAt));
  }

  /** Gives claimed rows back, due again after `delayMs`. */
  async release(ids: string[], delayMs: number): Promise<void> {
    if (ids.length === 0) return;
    await this.db.query(`UPDATE inbox_events SET next_attempt_at = now() + make_interval(secs => $2::double precision) WHERE id = ANY($1::uuid[]) AND status = 'pending'`, [ids, delayMs / 1000]);
  }

}

interface RawRow {
  id: string;
  integration_id: string;
  conversation_sid: string;
  status: 'pending' | 'delivered';
  attempts: number;
  payload: InboundMessage | string;
}

function toRow(raw: RawRow): InboxRow {
  const message = typeof raw.payload === 'string' ? (JSON.parse(raw.payload) as InboundMessage) : raw.payload;
  return { id: raw.id, integrationId: raw.integration_id, conversationSid: raw.conversation_sid, status: raw.status, attempts: raw.attempts, message };
}
