import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import type { FollowUpStatus } from '../../workflows/skill-definitions';

export type { FollowUpStatus } from '../../workflows/skill-definitions';
export const FOLLOW_UP_STATUSES = ['scheduled', 'sent', 'cancelled', 'failed'] as const satisfies readonly FollowUpStatus[];
export type FollowUpAudience = 'customer' | 'staff';

export interface FollowUp {
  id: string;
  integrationId: string;
  customerId: string;
  conversationSid: string | null;
  audience: FollowUpAudience;
  /** ISO. */
  dueAt: string;
  message: string;
  status: FollowUpStatus;
  /** `agent`, or the name of the API key that created it. */
  createdBy: string;
  createdAt: string;
  doneAt: string | null;
  /** Why it was not sent (failed or cancelled by the system). */
  failure: string | null;
}

export interface NewFollowUp {
  integrationId: string;
  customerId: string;
  conversationSid: string | null;
  audience: FollowUpAudience;
  /** Epoch ms. */
  dueAt: number;
  message: string;
  createdBy: string;
  /** Makes a retried request schedule once (the agent's tool call key). */
  requestKey?: string;
}

/** What the follow-up workflow reads when one is due: the row and its customer as they are now. */
export interface DueFollowUp extends FollowUp {
  customerName: string | null;
  customerPhone: string;
  /** The customer's own IANA time zone, when the CRM knows it. */
  customerTimeZone: string | null;
  customerErased: boolean;
}

type Row = {
  id: string; integration_id: string; customer_id: string; conversation_sid: string | null; audience: FollowUpAudience; due_at: Date; message: string;
  status: FollowUpStatus; created_by: string; created_at: Date; done_at: Date | null; failure: string | null;
};

const toFollowUp = (r: Row): FollowUp => ({
  id: r.id, integrationId: r.integration_id, customerId: r.customer_id, conversationSid: r.conversation_sid, audience: r.audience,
  dueAt: new Date(r.due_at).toISOString(), message: r.message, status: r.status, createdBy: r.created_by,
  createdAt: new Date(r.created_at).toISOString(), doneAt: r.done_at ? new Date(r.done_at).toISOString() : null, failure: r.failure,
});

/**
 * Follow-up reminders: a message to a customer, or an alert to staff about one, at a set time. The
 * rows are the record (what the API lists); each is driven by its workflow `follow-up:<id>`, and a
 * status moves once, from `scheduled` to sent, failed or cancelled.
 */
@Injectable()
export class FollowUpsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records a scheduled follow-up; with a `requestKey`, a repeated call returns the first one. */
  async schedule(f: NewFollowUp): Promise<FollowUp> {
    const [inserted] = await queryRows<Row>(
      this.db,
      `INSERT INTO follow_ups (id, integration_id, customer_id, conversation_sid, audience, due_at, message, status, created_by, request_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'scheduled', $8, $9) ON CONFLICT (request_key) DO NOTHING RETURNING *`,
      [randomUUID(), f.integrationId, f.customerId, f.conversationSid, f.audience, new Date(f.dueAt).toISOString(), f.message, f.createdBy, f.requestKey ?? null],
    );
    if (inserted) return toFollowUp(inserted);
    const [existing] = await queryRows<Row>(this.db, `SELECT * FROM follow_ups WHERE request_key = $1`, [f.requestKey]);
    return toFollowUp(existing!);
  }

  /** How many follow-ups to a customer are waiting (the agent may not pile them up), besides the one a retried request made. */
  async scheduledCount(customerId: string, exceptRequestKey?: string): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      this.db,
      `SELECT count(*)::int AS n FROM follow_ups WHERE customer_id = $1 AND status = 'scheduled' AND audience = 'customer' AND request_key IS DISTINCT FROM $2`,
      [customerId, exceptRequestKey ?? null],
    );
    return row?.n ?? 0;
  }

  /** The customer and the conversation a follow-up about them goes to (their latest); null when there is no such customer. */
  async target(customerId: string): Promise<{ integrationId: string; customerId: string; conversationSid: string | null } | null> {
    const [row] = await queryRows<{ integration_id: string; conversation_sid: string | null }>(
      this.db,
      `SELECT c.integration_id, (SELECT v.conversation_sid FROM conversations v WHERE v.customer_id = c.id ORDER BY v.last_message_at DESC LIMIT 1) AS conversation_sid
       FROM customers c WHERE c.id = $1`,
      [customerId],
    );
    return row ? { integrationId: row.integration_id, customerId, conversationSid: row.conversation_sid } : null;
  }

  /** Newest due first; at most 200. */
  async list(filter: { customerId?: string; status?: FollowUpStatus } = {}): Promise<FollowUp[]> {
    const rows = await queryRows<Row>(
      this.db,
      `SELECT * FROM follow_ups WHERE ($1::uuid IS NULL OR customer_id = $1) AND ($2::text IS NULL OR status = $2) ORDER BY due_at DESC LIMIT 200`,
      [filter.customerId ?? null, filter.status ?? null],
    );
    return rows.map(toFollowUp);
  }

  async byId(id: string): Promise<FollowUp | null> {
    const [row] = await queryRows<Row>(this.db, `SELECT * FROM follow_ups WHERE id = $1`, [id]);
    return row ? toFollowUp(row) : null;
  }

  async due(id: string): Promise<DueFollowUp | null> {
    const [row] = await queryRows<Row & { name: string | null; phone: string; time_zone: string | null; erased: boolean }>(
      this.db,
      `SELECT f.*, c.name, c.phone, c.time_zone, c.erased_at IS NOT NULL AS erased FROM follow_ups f JOIN customers c ON c.id = f.customer_id WHERE f.id = $1`,
      [id],
    );
    return row ? { ...toFollowUp(row), customerName: row.name, customerPhone: row.phone, customerTimeZone: row.time_zone, customerErased: row.erased } : null;
  }

  /** Moves a scheduled follow-up to its end state; false when it had already ended (e.g. cancelled meanwhile). */
  async finish(id: string, status: Exclude<FollowUpStatus, 'scheduled'>, failure?: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      this.db,
      `UPDATE follow_ups SET status = $2, failure = $3, done_at = now() WHERE id = $1 AND status = 'scheduled' RETURNING id`,
      [id, status, failure ?? null],
    );
    return rows.length > 0;
  }

  /** Removes a follow-up whose workflow could not be started (the API answers 503 and nothing is left behind). */
  async discard(id: string): Promise<void> {
    await this.db.query(`DELETE FROM follow_ups WHERE id = $1 AND status = 'scheduled'`, [id]);
  }
}
