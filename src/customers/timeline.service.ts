import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { CustomersService } from './customers.service';

export type TimelineKind = 'message' | 'tool_call' | 'order' | 'return' | 'appointment' | 'handoff' | 'campaign' | 'note' | 'profile_change';

export interface TimelineEntry {
  at: string;
  kind: TimelineKind;
  /** One line a person (or the agent) reads. */
  summary: string;
  /** What the entry is about: a message id, an order number, a campaign id… */
  ref: string | null;
}

/**
 * Everything that happened with one customer, newest first, from the tables where it happened: one
 * query, so the timeline never disagrees with the records. Scoped by customer id in every branch.
 */
const TIMELINE = `
  SELECT m.at, 'message' AS kind,
         CASE WHEN m.direction = 'inbound' THEN 'Customer: ' ELSE COALESCE(m.sent_by, 'bot') || ': ' END || left(m.body, $2) AS summary, m.id::text AS ref
    FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE cv.customer_id = $1
  UNION ALL
  SELECT t.created_at, 'tool_call', t.tool || ' → ' || t.outcome, t.id::text
    FROM tool_calls t JOIN conversations cv ON cv.integration_id = t.integration_id AND cv.conversation_sid = t.conversation_sid WHERE cv.customer_id = $1
  UNION ALL
  SELECT o.created_at, 'order', 'Order #' || o.number || ' placed, ' || o.total_amount || ' ' || o.currency, o.number FROM orders o WHERE o.customer_id = $1
  UNION ALL
  SELECT o.paid_at, 'order', 'Order #' || o.number || ' paid', o.number FROM orders o WHERE o.customer_id = $1 AND o.paid_at IS NOT NULL
  UNION ALL
  SELECT o.cancelled_at, 'order', 'Order #' || o.number || ' cancelled' || COALESCE(' (' || o.cancel_reason || ')', ''), o.number FROM orders o WHERE o.customer_id = $1 AND o.cancelled_at IS NOT NULL
  UNION ALL
  SELECT r.updated_at, 'return', 'Return (' || r.kind || ', ' || r.reason || ') ' || r.status, r.id::text FROM returns r WHERE r.customer_id = $1
  UNION ALL
  SELECT a.created_at, 'appointment', s.name || ' on ' || to_char(a.starts_at AT TIME ZONE s.time_zone, 'YYYY-MM-DD HH24:MI') || ' ' || a.status, a.id::text
    FROM appointments a JOIN appointment_services s ON s.id = a.service_id WHERE a.customer_id = $1
  UNION ALL
  SELECT h.at, 'handoff', h.from_status || ' → ' || h.to_status || ' (' || h.cause || COALESCE(', ' || h.actor, '') || ')', h.conversation_sid
    FROM handoff_events h JOIN conversations cv ON cv.integration_id = h.integration_id AND cv.conversation_sid = h.conversation_sid WHERE cv.customer_id = $1
  UNION ALL
  SELECT COALESCE(cr.sent_at, cp.started_at, cp.created_at), 'campaign', 'Campaign "' || cp.name || '" ' || cr.status, cp.id::text
    FROM campaign_recipients cr JOIN campaigns cp ON cp.id = cr.campaign_id WHERE cr.customer_id = $1
  UNION ALL
  SELECT n.at, 'note', 'Note by ' || COALESCE(n.author, 'staff') || ': ' || left(n.body, $2), n.id::text FROM customer_notes n WHERE n.customer_id = $1
  UNION ALL
  SELECT p.at, 'profile_change', p.field || ': ' || COALESCE(p.old_value::text, 'null') || ' → ' || COALESCE(p.new_value::text, 'null') || ' (' || p.source || ')', p.message_id::text
    FROM profile_changes p WHERE p.customer_id = $1`;

@Injectable()
export class TimelineService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly customers: CustomersService,
  ) {}

  /** The customer's timeline, newest first; `before` pages back. */
  async timeline(customerId: string, opts: { limit: number; before?: string; textLimit?: number; kinds?: TimelineKind[] }): Promise<TimelineEntry[]> {
    await this.customers.get(customerId);
    const params: unknown[] = [customerId, opts.textLimit ?? 500, opts.limit];
    const where: string[] = [];
    if (opts.before) where.push(`at < $${params.push(opts.before)}::timestamptz`);
    if (opts.kinds?.length) where.push(`kind = ANY($${params.push(opts.kinds)}::text[])`);
    const rows = await queryRows<{ at: Date; kind: TimelineKind; summary: string; ref: string | null }>(
      this.db,
      `SELECT at, kind, summary, ref FROM (${TIMELINE}) entries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC LIMIT $3`,
      params,
    );
    return rows.map((r) => ({ at: new Date(r.at).toISOString(), kind: r.kind, summary: r.summary, ref: r.ref }));
  }

  /**
   * What the agent is told about its own customer: the profile and a few recent business events (not
   * messages: the conversation's history already holds those), bounded in lines and characters.
   * Built from this customer's id alone, so another customer's data cannot reach the prompt.
   */
  async agentSummary(customerId: string): Promise<string> {
    const profile = await this.customers.get(customerId);
    // Business events only: staff notes and hand-off details are internal, and a campaign counts once it was sent.
    const events = (await this.timeline(customerId, { limit: 12, textLimit: 120, kinds: ['order', 'return', 'appointment', 'campaign'] }))
      .filter((e) => e.kind !== 'campaign' || e.summary.endsWith(' sent'))
      .slice(0, 8);
    const lines = [
      profile.name ? `Name: ${profile.name}` : undefined,
      profile.email ? `Email: ${profile.email}` : undefined,
      profile.timeZone ? `Time zone: ${profile.timeZone}` : undefined,
      [...profile.tags, ...profile.behaviourTags].length ? `Tags: ${[...profile.tags, ...profile.behaviourTags].join(', ')}` : undefined,
      `Marketing messages: ${profile.consent.marketing ?? 'not asked'}`,
      ...Object.entries(profile.attributes).slice(0, 10).map(([k, v]) => `${k}: ${String(v).slice(0, 80)}`),
      ...(events.length ? ['Recent:', ...events.map((e) => `- ${e.at.slice(0, 10)} ${e.summary}`)] : []),
    ].filter((l): l is string => l !== undefined);
    return lines.join('\n').slice(0, 1_500);
  }

  /** Everything held about the customer, for a data-protection access request. Amounts in cents, as the orders API gives them. */
  async export(customerId: string) {
    const profile = await this.customers.get(customerId);
    const q = (sql: string) => this.db.query(sql, [customerId]) as Promise<Record<string, unknown>[]>;
    return {
      exportedAt: new Date().toISOString(),
      profile,
      profileChanges: await q(`SELECT field, old_value AS "from", new_value AS "to", source, message_id AS "messageId", actor, at FROM profile_changes WHERE customer_id = $1 ORDER BY at`),
      notes: await q(`SELECT body, author, at FROM customer_notes WHERE customer_id = $1 ORDER BY at`),
      conversations: await q(`SELECT conversation_sid AS "conversationSid", status, created_at AS "createdAt", last_message_at AS "lastMessageAt" FROM conversations WHERE customer_id = $1 ORDER BY created_at`),
      messages: await q(
        `SELECT cv.conversation_sid AS "conversationSid", m.direction, m.author, m.body, m.at, m.delivery_status AS "deliveryStatus"
         FROM messages m JOIN conversations cv ON cv.id = m.conversation_id WHERE cv.customer_id = $1 ORDER BY m.at`),
      orders: await q(
        `SELECT o.number, o.status, round(o.total_amount * 100)::int AS total, o.currency, o.created_at AS "createdAt", o.paid_at AS "paidAt", o.cancelled_at AS "cancelledAt",
           (SELECT json_agg(json_build_object('sku', i.sku, 'name', i.name, 'quantity', i.quantity, 'unitAmount', round(i.unit_amount * 100)::int)) FROM order_items i WHERE i.order_id = o.id) AS items
         FROM orders o WHERE o.customer_id = $1 ORDER BY o.created_at`),
      returns: await q(`SELECT kind, reason, items, round(amount * 100)::int AS amount, status, created_at AS "createdAt" FROM returns WHERE customer_id = $1 ORDER BY created_at`),
      appointments: await q(`SELECT service_id AS "serviceId", starts_at AS "startsAt", status, created_at AS "createdAt" FROM appointments WHERE customer_id = $1 ORDER BY starts_at`),
      campaigns: await q(
        `SELECT cp.name, cr.status, cr.sent_at AS "sentAt", cr.delivery_status AS "deliveryStatus" FROM campaign_recipients cr JOIN campaigns cp ON cp.id = cr.campaign_id
         WHERE cr.customer_id = $1 ORDER BY cr.sent_at`),
    };
  }
}
