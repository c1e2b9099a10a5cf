import { createHash } from 'node:crypto';
import type { DemoCatalogue } from './demo-catalogue';

/**
 * A small shop's last ~120 days, generated deterministically: the same integration, `now` and seed
 * always give the same rows. The sandbox shows it to owners trying data questions, and the data
 * questions' evaluation set checks SQL answers against it (computed in TypeScript from this fixture).
 *
 * Time: every event sits at a whole-day offset from the UTC day of `now`, at a fixed UTC hour and
 * minute, so "yesterday", "last 7 days" or "this week" give the same answer however often it is
 * asked, unless the asking straddles UTC midnight or the time of day of an event on the window's
 * edge. Nothing happens after `now`, except appointments booked for the coming days. Conversations
 * of today start at least three hours before `now` (later ones move to yesterday), so what follows
 * them (replies, payment) has happened by `now` too.
 */

export type ConversationStatus = 'bot' | 'waiting_for_human' | 'human' | 'closed';
export type OrderStatus = 'awaiting_payment' | 'paid' | 'cancelled';
export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed' | 'undelivered';

export interface DemoCustomer {
  id: string;
  phone: string;
  name: string;
  city: string | null;
  country: string;
  language: 'es' | 'en';
  tags: string[];
  marketingConsent: 'opted_in' | 'opted_out' | null;
  createdAt: Date;
  lastSeenAt: Date;
}

export interface DemoConversation {
  id: string;
  sid: string;
  customerId: string;
  status: ConversationStatus;
  createdAt: Date;
  lastMessageAt: Date;
}

export interface DemoHandoffEvent {
  id: string;
  eventKey: string;
  conversationSid: string;
  from: ConversationStatus;
  to: ConversationStatus;
  cause: 'customer_request' | 'llm_tool' | 'agent_takeover' | 'agent_close';
  actor: string | null;
  reason: string | null;
  at: Date;
}

export interface DemoMessage {
  id: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  /** Outbound: `bot` or `agent:<name>`; inbound: null. */
  sentBy: string | null;
  body: string;
  messageSid: string;
  at: Date;
  replyLatencyMs: number | null;
  deliveryStatus: DeliveryStatus | null;
  errorCode: string | null;
}

export interface DemoOrderItem {
  sku: string;
  name: string;
  quantity: number;
  unitCents: number;
}

export interface DemoOrder {
  id: string;
  number: string;
  customerId: string;
  conversationSid: string;
  status: OrderStatus;
  currency: string;
  /** The sum of the items, in cents. */
  totalCents: number;
  createdAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  paymentProvider: 'stripe' | 'sandbox';
  paymentReference: string | null;
  items: DemoOrderItem[];
}

export interface DemoReturn {
  id: string;
  orderId: string;
  customerId: string;
  conversationSid: string;
  kind: 'refund' | 'exchange';
  reason: string;
  items: { sku: string; quantity: number }[];
  amountCents: number;
  status: 'requested' | 'approved' | 'rejected' | 'received' | 'refunded' | 'exchanged';
  createdAt: Date;
  updatedAt: Date;
}

export interface DemoAppointment {
  id: string;
  serviceId: string;
  customerId: string;
  conversationSid: string;
  startsAt: Date;
  endsAt: Date;
  status: 'booked' | 'cancelled' | 'completed';
  createdAt: Date;
  cancelledAt: Date | null;
}

export interface DemoCampaignRecipient {
  customerId: string;
  conversationSid: string;
  status: 'sent' | 'failed';
  messageSid: string | null;
  errorCode: string | null;
  attemptedAt: Date;
  sentAt: Date | null;
  deliveryStatus: DeliveryStatus | null;
}

export interface DemoCampaign {
  id: string;
  name: string;
  contentSid: string;
  status: 'completed';
  createdAt: Date;
  sendAt: Date;
  startedAt: Date;
  finishedAt: Date;
  recipients: DemoCampaignRecipient[];
}

export interface DemoDeliveryReceipt {
  receiptSid: string;
  conversationSid: string;
  messageSid: string;
  status: DeliveryStatus;
  errorCode: string | null;
  source: 'webhook' | 'reconciliation';
  at: Date;
}

/** Everything the demo writes for one integration, as the rows will read. */
export interface DemoFixture {
  integrationId: string;
  now: Date;
  catalogue: DemoCatalogue;
  segment: { id: string; name: string; rule: unknown };
  customers: DemoCustomer[];
  conversations: DemoConversation[];
  handoffEvents: DemoHandoffEvent[];
  messages: DemoMessage[];
  orders: DemoOrder[];
  returns: DemoReturn[];
  appointments: DemoAppointment[];
  campaigns: DemoCampaign[];
  deliveryReceipts: DemoDeliveryReceipt[];
}

export const DEMO_SEED = 20_251_204;
/** The history's length in days before today. */
export const DEMO_DAYS = 120;
export const DEMO_CITIES = ['Barcelona', 'Madrid', 'Valencia', 'Sevilla', 'Bilbao', 'Zaragoza'] as const;

const DAY = 86_400_000;
const HOUR = 3_600_000;
const MINUTE = 60_000;

const ES_FIRST = ['Lucía', 'Martín', 'Sofía', 'Hugo', 'Paula', 'Daniel', 'Carmen', 'Javier', 'Elena', 'Pablo', 'Marta', 'Sergio', 'Nuria', 'Jordi', 'Laia', 'Iker', 'Ainhoa', 'Raúl'];
const ES_LAST = ['García', 'Martínez', 'López', 'Sánchez', 'Puig', 'Ferrer', 'Romero', 'Navarro', 'Torres', 'Vidal', 'Ruiz', 'Serra', 'Etxeberria', 'Molina'];
const EN_FIRST = ['Emma', 'Oliver', 'Chloe', 'James', 'Grace', 'Thomas', 'Hannah', 'Lukas', 'Claire', 'Noah'];
const EN_LAST = ['Smith', 'Walsh', 'Brown', 'Dubois', 'Silva', 'Murphy', 'Evans', 'Müller', 'Clarke'];
const ABROAD = ['France', 'United Kingdom', 'Portugal'];
const STAFF = ['agent:Laura', 'agent:Marc'];
/** How often each product is in an order: accessories and parts often, bikes seldom. */
const POPULARITY: Record<string, number> = { 'BIKE-GRAVEL-01': 1, 'BIKE-CITY-02': 2, 'TUBE-700-28': 9, 'LIGHT-SET-01': 7, 'BOTTLE-750': 6, 'GLOVES-TRAIL-01': 5, 'HELMET-ROAD-01': 5, 'LOCK-U-01': 5 };
const SINGLE_UNIT = new Set(['bikes', 'footwear', 'clothing', 'gift cards']);

/** mulberry32: small, fast and the same everywhere. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A stable hex digest of the integration and a name: ids and SIDs that repeat on every load. */
const digest = (integrationId: string, name: string) => createHash('sha256').update(`demo:${integrationId}:${name}`).digest('hex');

/** A version-5-shaped UUID from a name in the integration's demo namespace. */
export function demoId(integrationId: string, name: string): string {
  const h = digest(integrationId, name);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const sid = (prefix: string, integrationId: string, name: string) => prefix + digest(integrationId, name).slice(0, 32);

export function generateDemoData(input: { integrationId: string; now: Date; catalogue: DemoCatalogue; seed?: number }): DemoFixture {
  const { integrationId, now, catalogue } = input;
  const rnd = prng(input.seed ?? DEMO_SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const id = (name: string) => demoId(integrationId, name);

  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const at = (daysAgo: number, hour: number, minute = 0) => new Date(today - daysAgo * DAY + hour * HOUR + minute * MINUTE);
  const latest = now.getTime() - HOUR; // what follows an event never lands after this

  const fixture: DemoFixture = {
    integrationId, now, catalogue,
    segment: { id: id('segment'), name: 'Demo: opted-in customers', rule: { all: [{ field: 'consent', op: 'eq', value: 'opted_in' }] } },
    customers: [], conversations: [], handoffEvents: [], messages: [], orders: [], returns: [], appointments: [], campaigns: [], deliveryReceipts: [],
  };

  const receipts = (conversationSid: string, messageSid: string, status: DeliveryStatus, errorCode: string | null, sentAt: Date) => {
    const path: DeliveryStatus[] = status === 'read' ? ['sent', 'delivered', 'read'] : status === 'delivered' ? ['sent', 'delivered'] : status === 'undelivered' ? ['sent', 'undelivered'] : [status];
    const delays = { sent: 1_000, delivered: 4_000, read: int(2, 55) * MINUTE, failed: 2_000, undelivered: 30_000 };
    const source = chance(0.06) ? 'reconciliation' : 'webhook';
    for (const s of path) {
      fixture.deliveryReceipts.push({
        receiptSid: sid('RS', integrationId, `receipt:${messageSid}:${s}`), conversationSid, messageSid, status: s,
        errorCode: s === 'failed' || s === 'undelivered' ? errorCode : null, source, at: new Date(sentAt.getTime() + delays[s]),
      });
    }
  };
  const deliveryOutcome = (): { status: DeliveryStatus; errorCode: string | null } => {
    const r = rnd();
    if (r < 0.6) return { status: 'read', errorCode: null };
    if (r < 0.88) return { status: 'delivered', errorCode: null };
    if (r < 0.93) return { status: 'sent', errorCode: null };
    if (r < 0.97) return { status: 'failed', errorCode: pick(['63016', '30008']) };
    return { status: 'undelivered', errorCode: pick(['30003', '30005']) };
  };

  const weightedProducts = catalogue.products.map((p) => ({ p, w: POPULARITY[p.sku] ?? 3 }));
  const totalWeight = weightedProducts.reduce((s, x) => s + x.w, 0);
  const drawProduct = () => {
    let r = rnd() * totalWeight;
    for (const x of weightedProducts) if ((r -= x.w) < 0) return x.p;
    return weightedProducts[weightedProducts.length - 1]!.p;
  };

  const orderDrafts: Omit<DemoOrder, 'number'>[] = [];
  const bookedSlots = new Set<string>();
  /** Each customer's conversation SIDs, oldest first (campaign messages go to the first). */
  const customerSids = new Map<string, string[]>();

  for (let c = 0; c < 60; c++) {
    const language = chance(0.7) ? 'es' : 'en';
    const name = language === 'es' ? `${pick(ES_FIRST)} ${pick(ES_LAST)}` : `${pick(EN_FIRST)} ${pick(EN_LAST)}`;
    const r = rnd();
    const city = c % 10 === 9 ? null : r < 0.38 ? 'Barcelona' : r < 0.56 ? 'Madrid' : r < 0.7 ? 'Valencia' : r < 0.8 ? 'Sevilla' : r < 0.9 ? 'Bilbao' : 'Zaragoza';
    const country = city ? 'Spain' : pick(ABROAD);
    const tags = [...(chance(0.1) ? ['vip'] : []), ...(chance(0.5) ? ['cyclist'] : []), ...(chance(0.3) ? ['hiker'] : []), ...(chance(0.05) ? ['wholesale'] : [])];
    const cr = rnd();
    const marketingConsent = cr < 0.5 ? 'opted_in' : cr < 0.65 ? 'opted_out' : null;
    const customerId = id(`customer:${c}`);

    // Conversations: the first on the customer's first day, the others between then and today.
    const firstDay = int(1, DEMO_DAYS);
    const days = [firstDay, ...Array.from({ length: int(1, 4) }, () => int(0, firstDay))].sort((a, b) => b - a);
    const starts = days.map((d) => {
      const start = at(d, int(8, 19), 5 * int(0, 11));
      return start.getTime() > now.getTime() - 3 * HOUR ? new Date(start.getTime() - DAY) : start;
    }).sort((a, b) => a.getTime() - b.getTime());
    let lastSeen = starts[0]!;
    const sids: string[] = [];

    for (const [k, start] of starts.entries()) {
      const conversationId = id(`conversation:${c}:${k}`);
      const conversationSid = sid('CH', integrationId, `conversation:${c}:${k}`);
      sids.push(conversationSid);
      const pr = rnd();
      const purpose = pr < 0.7 ? 'order' : pr < 0.8 ? 'question' : pr < 0.9 ? 'appointment' : 'support';
      const exchanges = purpose === 'order' ? int(3, 5) : int(2, 4);
      const handoffAt = chance(purpose === 'support' ? 0.6 : 0.07) ? int(1, exchanges - 1) : null;
      const staff = pick(STAFF);
      let last = start;
      for (let e = 0; e < exchanges; e++) {
        const inboundAt = new Date(start.getTime() + e * 4 * MINUTE);
        fixture.messages.push({
          id: id(`message:${c}:${k}:${e}:in`), conversationId, direction: 'inbound', sentBy: null, body: language === 'es' ? 'Hola, una pregunta' : 'Hi, a question',
          messageSid: sid('SM', integrationId, `message:${c}:${k}:${e}:in`), at: inboundAt, replyLatencyMs: null, deliveryStatus: null, errorCode: null,
        });
        if (handoffAt !== null && e === handoffAt) {
          const cause = purpose === 'support' ? 'customer_request' : 'llm_tool';
          fixture.handoffEvents.push(
            { id: id(`handoff:${c}:${k}:1`), eventKey: `demo:${conversationSid}:1`, conversationSid, from: 'bot', to: 'waiting_for_human', cause, actor: null, reason: cause === 'customer_request' ? 'The customer asked for a person' : 'Needs a person', at: new Date(inboundAt.getTime() + 20_000) },
            { id: id(`handoff:${c}:${k}:2`), eventKey: `demo:${conversationSid}:2`, conversationSid, from: 'waiting_for_human', to: 'human', cause: 'agent_takeover', actor: staff, reason: null, at: new Date(inboundAt.getTime() + 2 * MINUTE) },
          );
        }
        const byStaff = handoffAt !== null && e >= handoffAt;
        const latency = byStaff ? null : int(1_200, 9_000);
        const outAt = new Date(inboundAt.getTime() + (latency ?? 3 * MINUTE));
        const outcome = deliveryOutcome();
        const messageSid = sid('SM', integrationId, `message:${c}:${k}:${e}:out`);
        fixture.messages.push({
          id: id(`message:${c}:${k}:${e}:out`), conversationId, direction: 'outbound', sentBy: byStaff ? staff : 'bot', body: language === 'es' ? 'Claro, te ayudo' : 'Sure, happy to help',
          messageSid, at: outAt, replyLatencyMs: latency, deliveryStatus: outcome.status, errorCode: outcome.errorCode,
        });
        receipts(conversationSid, messageSid, outcome.status, outcome.errorCode, outAt);
        last = outAt;
      }
      lastSeen = new Date(start.getTime() + (exchanges - 1) * 4 * MINUTE);
      const recent = start.getTime() >= today - DAY;
      const status: ConversationStatus = recent ? (handoffAt !== null ? 'human' : 'bot') : 'closed';
      if (status === 'closed' && handoffAt !== null) {
        fixture.handoffEvents.push({ id: id(`handoff:${c}:${k}:3`), eventKey: `demo:${conversationSid}:3`, conversationSid, from: 'human', to: 'closed', cause: 'agent_close', actor: staff, reason: null, at: new Date(last.getTime() + 30 * MINUTE) });
      }
      fixture.conversations.push({ id: conversationId, sid: conversationSid, customerId, status, createdAt: start, lastMessageAt: last });

      const placedAt = new Date(start.getTime() + 6 * MINUTE);
      if (purpose === 'order') {
        const items: DemoOrderItem[] = [];
        const lines = chance(0.5) ? 1 : chance(0.7) ? 2 : 3;
        for (let l = 0; l < lines; l++) {
          const p = drawProduct();
          const quantity = SINGLE_UNIT.has(String(p.attributes?.category)) ? 1 : p.sku === 'TUBE-700-28' ? int(1, 4) : int(1, 2);
          if (!items.some((i) => i.sku === p.sku)) items.push({ sku: p.sku, name: p.name, quantity, unitCents: Math.round(p.price.amount * 100) });
        }
        const daysAgo = (today - start.getTime()) / DAY;
        const sr = rnd();
        let status: OrderStatus = daysAgo <= 2 ? (sr < 0.6 ? 'paid' : sr < 0.9 ? 'awaiting_payment' : 'cancelled') : sr < 0.85 ? 'paid' : 'cancelled';
        // Most pay by the link within the hour; some come back to it hours later.
        const paidAt = new Date(placedAt.getTime() + (chance(0.8) ? int(2, 50) * MINUTE : int(2, 20) * HOUR));
        const cancelledAt = new Date(placedAt.getTime() + (daysAgo <= 2 ? 30 * MINUTE : DAY));
        if (status === 'cancelled' && cancelledAt.getTime() > latest) status = 'awaiting_payment';
        if (status === 'paid' && paidAt.getTime() > latest) status = 'awaiting_payment';
        const n = orderDrafts.length;
        orderDrafts.push({
          id: id(`order:${c}:${k}`), customerId, conversationSid, status, currency: 'EUR', totalCents: items.reduce((s, i) => s + i.quantity * i.unitCents, 0), createdAt: placedAt,
          paidAt: status === 'paid' ? paidAt : null, cancelledAt: status === 'cancelled' ? cancelledAt : null,
          cancelReason: status === 'cancelled' ? pick(['payment_expired', 'customer_request']) : null, paymentProvider: chance(0.8) ? 'stripe' : 'sandbox',
          paymentReference: status === 'paid' ? sid('pi_demo_', integrationId, `payment:${n}`) : null, items,
        });
      }
      if (purpose === 'appointment') {
        const service = chance(0.65) ? catalogue.services[0] : catalogue.services[1] ?? catalogue.services[0];
        if (service) {
          let startsAt = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()) + int(1, 10) * DAY + int(9, 15) * HOUR);
          while ([0, 6].includes(startsAt.getUTCDay())) startsAt = new Date(startsAt.getTime() + DAY);
          const future = startsAt.getTime() > now.getTime();
          const ar = rnd();
          let status: DemoAppointment['status'] = future ? (ar < 0.85 ? 'booked' : 'cancelled') : ar < 0.8 ? 'completed' : 'cancelled';
          while (status === 'booked' && bookedSlots.has(`${service.id}|${startsAt.getTime()}`)) startsAt = new Date(startsAt.getTime() + HOUR);
          if (status === 'booked') bookedSlots.add(`${service.id}|${startsAt.getTime()}`);
          const createdAt = placedAt;
          const cancelledAt = new Date(Math.min(createdAt.getTime() + DAY, startsAt.getTime() - HOUR, latest));
          if (status === 'cancelled' && cancelledAt.getTime() < createdAt.getTime()) status = future ? 'booked' : 'completed';
          fixture.appointments.push({
            id: id(`appointment:${c}:${k}`), serviceId: service.id, customerId, conversationSid, startsAt, endsAt: new Date(startsAt.getTime() + service.durationMinutes * MINUTE),
            status, createdAt, cancelledAt: status === 'cancelled' ? cancelledAt : null,
          });
        }
      }
    }
    fixture.customers.push({ id: customerId, phone: `whatsapp:+346990${String(c).padStart(5, '0')}`, name, city, country, language, tags, marketingConsent, createdAt: starts[0]!, lastSeenAt: lastSeen });
    customerSids.set(customerId, sids);
  }

  // Order numbers follow the order they were placed in, like the shop's own.
  const prefix = `D${digest(integrationId, 'orders').slice(0, 4).toUpperCase()}`;
  fixture.orders = orderDrafts.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map((o, i) => ({ ...o, number: `${prefix}-${1001 + i}` }));

  // Returns: some paid orders come back, 2–12 days after payment.
  for (const [i, o] of fixture.orders.entries()) {
    if (!o.paidAt || !chance(0.12)) continue;
    const daysSincePaid = Math.floor((now.getTime() - o.paidAt.getTime()) / DAY);
    if (daysSincePaid < 4) continue;
    const createdAt = new Date(o.paidAt.getTime() + int(2, Math.min(12, daysSincePaid - 1)) * DAY);
    const item = pick(o.items);
    const kind = chance(0.7) ? 'refund' : 'exchange';
    const ageDays = (now.getTime() - createdAt.getTime()) / DAY;
    const status: DemoReturn['status'] = ageDays < 4 ? 'requested' : kind === 'exchange' ? pick(['approved', 'exchanged', 'exchanged'] as const) : pick(['approved', 'received', 'refunded', 'refunded', 'rejected'] as const);
    fixture.returns.push({
      id: id(`return:${i}`), orderId: o.id, customerId: o.customerId, conversationSid: o.conversationSid, kind, reason: pick(catalogue.returnReasons),
      items: [{ sku: item.sku, quantity: 1 }], amountCents: item.unitCents, status, createdAt,
      updatedAt: status === 'requested' ? createdAt : new Date(Math.min(createdAt.getTime() + int(1, 3) * DAY, latest)),
    });
  }

  // Two campaigns to the customers who had opted in by then.
  for (const [n, spec] of [{ name: 'Spring gravel days', daysAgo: 45, hour: 10 }, { name: 'Workshop check-up', daysAgo: 12, hour: 17 }].entries()) {
    const sendAt = at(spec.daysAgo, spec.hour);
    const audience = fixture.customers.filter((c) => c.marketingConsent === 'opted_in' && c.createdAt.getTime() < sendAt.getTime());
    const recipients = audience.map((c, i): DemoCampaignRecipient => {
      const attemptedAt = new Date(sendAt.getTime() + i * 2_000);
      const conversationSid = customerSids.get(c.id)![0]!;
      if (chance(0.06)) return { customerId: c.id, conversationSid, status: 'failed', messageSid: null, errorCode: '63049', attemptedAt, sentAt: null, deliveryStatus: null };
      const messageSid = sid('SM', integrationId, `campaign:${n}:${c.id}`);
      const r = rnd();
      const deliveryStatus: DeliveryStatus = r < 0.45 ? 'read' : r < 0.8 ? 'delivered' : r < 0.88 ? 'sent' : r < 0.95 ? 'undelivered' : 'failed';
      const errorCode = deliveryStatus === 'undelivered' ? '30003' : deliveryStatus === 'failed' ? '30008' : null;
      receipts(conversationSid, messageSid, deliveryStatus, errorCode, attemptedAt);
      return { customerId: c.id, conversationSid, status: 'sent', messageSid, errorCode, attemptedAt, sentAt: attemptedAt, deliveryStatus };
    });
    fixture.campaigns.push({
      id: id(`campaign:${n}`), name: spec.name, contentSid: `HX${digest(integrationId, `content:${n}`).slice(0, 32)}`, status: 'completed',
      createdAt: new Date(sendAt.getTime() - 2 * DAY), sendAt, startedAt: sendAt, finishedAt: new Date(sendAt.getTime() + recipients.length * 2_000 + MINUTE), recipients,
    });
  }
  return fixture;
}
