import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryRows } from '../database/sql';
import { SANDBOX_ACCOUNT_SID } from '../sandbox/sandbox';
import { type DemoCatalogue, readDemoCatalogue } from './demo-catalogue';
import { type DemoFixture, generateDemoData } from './demo-data';

/** The demo rows an integration has, by table. */
export interface DemoCounts {
  products: number;
  customers: number;
  conversations: number;
  handoffEvents: number;
  messages: number;
  orders: number;
  orderItems: number;
  returns: number;
  appointments: number;
  campaigns: number;
  campaignRecipients: number;
  deliveryReceipts: number;
}

export interface DemoLoadResult {
  /** False when the integration already had the demo history: nothing was written. */
  loaded: boolean;
  counts: DemoCounts;
}

export const demoCounts = (f: DemoFixture): DemoCounts => ({
  products: f.catalogue.products.length,
  customers: f.customers.length,
  conversations: f.conversations.length,
  handoffEvents: f.handoffEvents.length,
  messages: f.messages.length,
  orders: f.orders.length,
  orderItems: f.orders.reduce((n, o) => n + o.items.length, 0),
  returns: f.returns.length,
  appointments: f.appointments.length,
  campaigns: f.campaigns.length,
  campaignRecipients: f.campaigns.reduce((n, c) => n + c.recipients.length, 0),
  deliveryReceipts: f.deliveryReceipts.length,
});

const money = (cents: number) => (cents / 100).toFixed(2);
const iso = (d: Date | null) => d?.toISOString() ?? null;

/**
 * Loads a realistic small-shop history (see `generateDemoData`) into one integration, so the
 * dashboard, segments and data questions have something to show in the sandbox. Once per
 * integration: its demo customers carry `attributes.demo = true`, and a second load finds them and
 * writes nothing. Everything is written in one transaction, one statement per table (rows passed as
 * one JSON parameter), which PGlite runs as fast as PostgreSQL.
 */
@Injectable()
export class DemoDataService {
  private readonly logger = new Logger(DemoDataService.name);
  private catalogue?: Promise<DemoCatalogue>;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The integration named, or the sandbox's; 404 when there is none. */
  async integrationId(requested?: string): Promise<string> {
    const [row] = requested
      ? await queryRows<{ id: string }>(this.db, `SELECT id FROM integrations WHERE id = $1`, [requested])
      : await queryRows<{ id: string }>(this.db, `SELECT id FROM integrations WHERE account_sid = $1`, [SANDBOX_ACCOUNT_SID]);
    if (!row) throw new NotFoundException({ error: 'integration_not_found', message: requested ? `No integration ${requested}` : 'There is no sandbox integration: name one with integrationId' });
    return row.id;
  }

  async load(integrationId: string, now = new Date()): Promise<DemoLoadResult> {
    this.catalogue ??= readDemoCatalogue();
    const fixture = generateDemoData({ integrationId, now, catalogue: await this.catalogue });
    const counts = demoCounts(fixture);
    const loaded = await this.db.transaction(async (m) => {
      // Two loads at once: the second waits here, then finds the first one's customers.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`demo-data:${integrationId}`]);
      const [existing] = await queryRows<{ found: boolean }>(m, `SELECT EXISTS (SELECT 1 FROM customers WHERE integration_id = $1 AND attributes->>'demo' = 'true') AS found`, [integrationId]);
      if (existing?.found) return false;
      await insertFixture(m, fixture);
      return true;
    });
    if (loaded) this.logger.log(`Loaded the demo history into integration ${integrationId}: ${counts.customers} customers, ${counts.orders} orders, ${counts.messages} messages`);
    return { loaded, counts };
  }
}

/** `INSERT INTO <table> (<columns>) SELECT <select> FROM jsonb_to_recordset($1) AS r(<types>)`. */
async function insertRows(m: EntityManager, table: string, types: Record<string, string>, rows: Record<string, unknown>[], opts: { select?: string; onConflict?: string } = {}): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(types);
  await m.query(
    `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${opts.select ?? columns.map((c) => `r.${c}`).join(', ')}
     FROM jsonb_to_recordset($1::jsonb) AS r(${columns.map((c) => `${c} ${types[c]}`).join(', ')}) ${opts.onConflict ?? ''}`,
    [JSON.stringify(rows)],
  );
}

async function insertFixture(m: EntityManager, f: DemoFixture): Promise<void> {
  const integration_id = f.integrationId;
  const { products, services } = f.catalogue;
  // The catalogue may already be there (the sandbox imports it at boot), perhaps edited: keep it as it is.
  await insertRows(m, 'products', { sku: 'text', name: 'text', description: 'text', price_amount: 'numeric', currency: 'text', stock: 'integer', attributes: 'jsonb' },
    products.map((p) => ({ sku: p.sku, name: p.name, description: p.description, price_amount: p.price.amount, currency: p.price.currency, stock: p.stock, attributes: p.attributes ?? {} })),
    { onConflict: 'ON CONFLICT (sku) DO NOTHING' });
  await insertRows(m, 'appointment_services', { id: 'text', name: 'text', duration_minutes: 'integer', time_zone: 'text', hours: 'jsonb', capacity: 'integer' },
    services.map((s) => ({ id: s.id, name: s.name, duration_minutes: s.durationMinutes, time_zone: s.timeZone, hours: s.hours, capacity: s.capacity })),
    { onConflict: 'ON CONFLICT (id) DO NOTHING' });

  await insertRows(m, 'customers', {
    id: 'uuid', integration_id: 'uuid', phone: 'text', name: 'text', created_at: 'timestamptz', last_seen_at: 'timestamptz', language: 'text', tags: 'text[]',
    marketing_consent: 'text', consent_changed_at: 'timestamptz', consent_source: 'text', attributes: 'jsonb',
  }, f.customers.map((c) => ({
    id: c.id, integration_id, phone: c.phone, name: c.name, created_at: iso(c.createdAt), last_seen_at: iso(c.lastSeenAt), language: c.language, tags: c.tags,
    marketing_consent: c.marketingConsent, consent_changed_at: c.marketingConsent ? iso(c.createdAt) : null, consent_source: c.marketingConsent ? 'demo' : null,
    attributes: { ...(c.city ? { city: c.city } : {}), country: c.country, demo: true },
  })));
  await insertRows(m, 'conversations', { id: 'uuid', integration_id: 'uuid', conversation_sid: 'text', customer_id: 'uuid', status: 'text', created_at: 'timestamptz', last_message_at: 'timestamptz', status_changed_at: 'timestamptz' },
    f.conversations.map((c) => ({ id: c.id, integration_id, conversation_sid: c.sid, customer_id: c.customerId, status: c.status, created_at: iso(c.createdAt), last_message_at: iso(c.lastMessageAt), status_changed_at: iso(c.lastMessageAt) })));
  await insertRows(m, 'handoff_events', { id: 'uuid', event_key: 'text', integration_id: 'uuid', conversation_sid: 'text', from_status: 'text', to_status: 'text', cause: 'text', actor: 'text', reason: 'text', at: 'timestamptz' },
    f.handoffEvents.map((h) => ({ id: h.id, event_key: `${integration_id}:${h.eventKey}`, integration_id, conversation_sid: h.conversationSid, from_status: h.from, to_status: h.to, cause: h.cause, actor: h.actor, reason: h.reason, at: iso(h.at) })));
  await insertRows(m, 'messages', {
    id: 'uuid', integration_id: 'uuid', conversation_id: 'uuid', direction: 'text', author: 'text', body: 'text', dedupe_key: 'text', twilio_message_sid: 'text', at: 'timestamptz',
    reply_latency_ms: 'integer', delivery_status: 'text', error_code: 'text', sent_by: 'text', delivery_updated_at: 'timestamptz',
  }, f.messages.map((x) => ({
    id: x.id, integration_id, conversation_id: x.conversationId, direction: x.direction, author: x.direction === 'inbound' ? 'customer' : (x.sentBy ?? 'bot'), body: x.body,
    dedupe_key: `demo:${x.id}`, twilio_message_sid: x.messageSid, at: iso(x.at), reply_latency_ms: x.replyLatencyMs, delivery_status: x.deliveryStatus, error_code: x.errorCode,
    sent_by: x.sentBy, delivery_updated_at: x.deliveryStatus ? iso(x.at) : null,
  })));
  await insertRows(m, 'orders', {
    id: 'uuid', number: 'text', integration_id: 'uuid', customer_id: 'uuid', conversation_sid: 'text', status: 'text', currency: 'text', total_amount: 'numeric', action_key: 'text',
    payment_provider: 'text', payment_reference: 'text', created_at: 'timestamptz', paid_at: 'timestamptz', cancelled_at: 'timestamptz', cancel_reason: 'text',
  }, f.orders.map((o) => ({
    id: o.id, number: o.number, integration_id, customer_id: o.customerId, conversation_sid: o.conversationSid, status: o.status, currency: o.currency, total_amount: money(o.totalCents),
    action_key: `demo:${o.id}`, payment_provider: o.paymentProvider, payment_reference: o.paymentReference, created_at: iso(o.createdAt), paid_at: iso(o.paidAt), cancelled_at: iso(o.cancelledAt), cancel_reason: o.cancelReason,
  })));
  await insertRows(m, 'order_items', { order_id: 'uuid', sku: 'text', name: 'text', quantity: 'integer', unit_amount: 'numeric' },
    f.orders.flatMap((o) => o.items.map((i) => ({ order_id: o.id, sku: i.sku, name: i.name, quantity: i.quantity, unit_amount: money(i.unitCents) }))));
  await insertRows(m, 'returns', {
    id: 'uuid', order_id: 'uuid', integration_id: 'uuid', customer_id: 'uuid', conversation_sid: 'text', kind: 'text', reason: 'text', items: 'jsonb', amount: 'numeric', status: 'text',
    action_key: 'text', created_at: 'timestamptz', updated_at: 'timestamptz',
  }, f.returns.map((r) => ({
    id: r.id, order_id: r.orderId, integration_id, customer_id: r.customerId, conversation_sid: r.conversationSid, kind: r.kind, reason: r.reason, items: r.items, amount: money(r.amountCents),
    status: r.status, action_key: `demo:${r.id}`, created_at: iso(r.createdAt), updated_at: iso(r.updatedAt),
  })));
  // A booked seat is unique per service and start across integrations: take the next free seat.
  const appointmentTypes = {
    id: 'uuid', service_id: 'text', integration_id: 'uuid', customer_id: 'uuid', conversation_sid: 'text', starts_at: 'timestamptz', ends_at: 'timestamptz', seat: 'integer', status: 'text',
    action_key: 'text', created_at: 'timestamptz', cancelled_at: 'timestamptz',
  };
  await insertRows(m, 'appointments', appointmentTypes, f.appointments.map((a) => ({
    id: a.id, service_id: a.serviceId, integration_id, customer_id: a.customerId, conversation_sid: a.conversationSid, starts_at: iso(a.startsAt), ends_at: iso(a.endsAt), seat: 1, status: a.status,
    action_key: `demo:${a.id}`, created_at: iso(a.createdAt), cancelled_at: iso(a.cancelledAt),
  })), {
    select: Object.keys(appointmentTypes).map((c) => c === 'seat'
      ? `CASE WHEN r.status = 'booked' THEN 1 + coalesce((SELECT max(x.seat) FROM appointments x WHERE x.service_id = r.service_id AND x.starts_at = r.starts_at AND x.status = 'booked'), 0) ELSE 1 END`
      : `r.${c}`).join(', '),
  });
  await insertRows(m, 'segments', { id: 'uuid', name: 'text', rule: 'jsonb' }, [{ id: f.segment.id, name: f.segment.name, rule: f.segment.rule }], { onConflict: 'ON CONFLICT (id) DO NOTHING' });
  await insertRows(m, 'campaigns', { id: 'uuid', name: 'text', segment_id: 'uuid', content_sid: 'text', status: 'text', created_at: 'timestamptz', send_at: 'timestamptz', started_at: 'timestamptz', finished_at: 'timestamptz' },
    f.campaigns.map((c) => ({ id: c.id, name: c.name, segment_id: f.segment.id, content_sid: c.contentSid, status: c.status, created_at: iso(c.createdAt), send_at: iso(c.sendAt), started_at: iso(c.startedAt), finished_at: iso(c.finishedAt) })),
    { onConflict: 'ON CONFLICT (id) DO NOTHING' });
  await insertRows(m, 'campaign_recipients', {
    campaign_id: 'uuid', customer_id: 'uuid', integration_id: 'uuid', conversation_sid: 'text', status: 'text', message_sid: 'text', error_code: 'text', attempted_at: 'timestamptz', sent_at: 'timestamptz', delivery_status: 'text',
  }, f.campaigns.flatMap((c) => c.recipients.map((r) => ({
    campaign_id: c.id, customer_id: r.customerId, integration_id, conversation_sid: r.conversationSid, status: r.status, message_sid: r.messageSid, error_code: r.errorCode,
    attempted_at: iso(r.attemptedAt), sent_at: iso(r.sentAt), delivery_status: r.deliveryStatus,
  }))));
  await insertRows(m, 'delivery_receipts', { receipt_sid: 'text', integration_id: 'uuid', conversation_sid: 'text', message_sid: 'text', status: 'text', error_code: 'text', source: 'text', twilio_updated_at: 'timestamptz', received_at: 'timestamptz' },
    f.deliveryReceipts.map((d) => ({ receipt_sid: d.receiptSid, integration_id, conversation_sid: d.conversationSid, message_sid: d.messageSid, status: d.status, error_code: d.errorCode, source: d.source, twilio_updated_at: iso(d.at), received_at: iso(new Date(d.at.getTime() + 1_000)) })));
}
