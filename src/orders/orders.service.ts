import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Refusal } from '../common/refusal';
import { queryRows } from '../database/sql';
import { formatMoney, fromCents, toCents } from './money';

/** Who a tool acts for: always the conversation's own customer, never what the model names. */
export interface CustomerScope {
  integrationId: string;
  customerId: string;
  conversationSid: string;
}

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface PricedOrder {
  lines: { sku: string; name: string; quantity: number; unitAmount: number; lineAmount: number }[];
  currency: string;
  total: number;
}

export type OrderStatus = 'awaiting_payment' | 'paid' | 'cancelled';

export interface Order extends PricedOrder {
  id: string;
  number: string;
  integrationId: string;
  customerId: string;
  conversationSid: string;
  status: OrderStatus;
  paymentUrl: string | null;
  createdAt: string;
  paidAt: string | null;
  cancelledAt: string | null;
}

/** Most items of one order. */
export const MAX_ORDER_LINES = 20;

/**
 * Orders: priced from the catalogue, stock reserved when placed and released when cancelled. Placing
 * is idempotent by its action key (the confirmed action), so a retried or repeated confirmation
 * places one order.
 */
@Injectable()
export class OrdersService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Prices the lines from the catalogue; refuses unknown SKUs, mixed currencies and missing stock. */
  async price(lines: OrderLine[], db: DataSource | EntityManager = this.db, lock = false): Promise<PricedOrder> {
    const merged = mergeLines(lines);
    const rows = await queryRows<{ sku: string; name: string; price_amount: string; currency: string; stock: number }>(
      db,
      `SELECT sku, name, price_amount, currency, stock FROM products WHERE sku = ANY($1::text[]) ORDER BY sku${lock ? ' FOR UPDATE' : ''}`,
      [merged.map((l) => l.sku)],
    );
    const bySku = new Map(rows.map((r) => [r.sku, r]));
    const unknown = merged.filter((l) => !bySku.has(l.sku)).map((l) => l.sku);
    if (unknown.length > 0) throw new Refusal(`Unknown SKU ${unknown.join(', ')}: look the product up with search_products`, 'unknown_sku');
    const currencies = new Set(rows.map((r) => r.currency.trim()));
    if (currencies.size > 1) throw new Refusal('These products are priced in different currencies and cannot be ordered together', 'mixed_currency');
    const short = merged.filter((l) => bySku.get(l.sku)!.stock < l.quantity);
    if (short.length > 0) {
      throw new Refusal(short.map((l) => `${bySku.get(l.sku)!.name} (${l.sku}): ${bySku.get(l.sku)!.stock} in stock, ${l.quantity} asked`).join('; '), 'out_of_stock');
    }
    const priced = merged.map((l) => {
      const row = bySku.get(l.sku)!;
      const unit = toCents(row.price_amount);
      return { sku: l.sku, name: row.name, quantity: l.quantity, unitAmount: unit, lineAmount: unit * l.quantity };
    });
    return { lines: priced, currency: [...currencies][0]!, total: priced.reduce((sum, l) => sum + l.lineAmount, 0) };
  }

  /** Places the order and reserves its stock, once per action key; a repeat returns the first order. */
  async place(scope: CustomerScope, lines: OrderLine[], actionKey: string, confirmed?: { total: number; currency: string }): Promise<{ order: Order; created: boolean }> {
    const existing = await this.byActionKey(actionKey);
    if (existing) return { order: existing, created: false };
    try {
      const id = await this.db.transaction(async (m) => {
        const priced = await this.price(lines, m, true);
        if (confirmed && (priced.total !== confirmed.total || priced.currency !== confirmed.currency)) {
          throw new Refusal(`The prices changed since the summary (now ${formatMoney(priced.total, priced.currency)}): nothing was ordered. Ask again to see the new summary.`, 'prices_changed');
        }
        const [{ number }] = await m.query(`SELECT nextval('order_numbers')::text AS number`);
        const orderId = randomUUID();
        await m.query(
          `INSERT INTO orders (id, number, integration_id, customer_id, conversation_sid, status, currency, total_amount, action_key)
           VALUES ($1, $2, $3, $4, $5, 'awaiting_payment', $6, $7, $8)`,
          [orderId, number, scope.integrationId, scope.customerId, scope.conversationSid, priced.currency, fromCents(priced.total), actionKey],
        );
        for (const l of priced.lines) {
          await m.query(`INSERT INTO order_items (order_id, sku, name, quantity, unit_amount) VALUES ($1, $2, $3, $4, $5)`, [orderId, l.sku, l.name, l.quantity, fromCents(l.unitAmount)]);
          await m.query(`UPDATE products SET stock = stock - $2 WHERE sku = $1`, [l.sku, l.quantity]);
        }
        return orderId;
      });
      return { order: (await this.byId(id))!, created: true };
    } catch (err) {
      // Two confirmations racing: the other one placed it.
      const raced = await this.byActionKey(actionKey);
      if (raced) return { order: raced, created: false };
      throw err;
    }
  }

  async byId(id: string): Promise<Order | null> {
    return (await this.find(`o.id = $1`, [id]))[0] ?? null;
  }

  async byNumber(number: string): Promise<Order | null> {
    return (await this.find(`o.number = $1`, [number]))[0] ?? null;
  }

  async byPaymentReference(reference: string): Promise<Order | null> {
    return (await this.find(`o.payment_reference = $1`, [reference]))[0] ?? null;
  }

  private async byActionKey(key: string): Promise<Order | null> {
    return (await this.find(`o.action_key = $1`, [key]))[0] ?? null;
  }

  /** The customer's own orders, newest first; one of them by number. Another customer's order is never found. */
  async forCustomer(scope: CustomerScope, number?: string, limit = 5): Promise<Order[]> {
    return number === undefined
      ? this.find(`o.integration_id = $1 AND o.customer_id = $2`, [scope.integrationId, scope.customerId], limit)
      : this.find(`o.integration_id = $1 AND o.customer_id = $2 AND o.number = $3`, [scope.integrationId, scope.customerId, number], limit);
  }

  /** For the admin API: newest first, optionally by status. */
  async list(opts: { status?: OrderStatus; limit: number }): Promise<Order[]> {
    return opts.status ? this.find(`o.status = $1`, [opts.status], opts.limit) : this.find(`true`, [], opts.limit);
  }

  /** Records the payment link, once (a retried activity keeps the first). */
  async setPaymentLink(orderId: string, link: { provider: string; reference: string; url: string }): Promise<Order> {
    await this.db.query(
      `UPDATE orders SET payment_provider = $2, payment_reference = $3, payment_url = $4 WHERE id = $1 AND payment_reference IS NULL`,
      [orderId, link.provider, link.reference, link.url],
    );
    return (await this.byId(orderId))!;
  }

  /** awaiting_payment → paid; a repeat (or a paid order) changes nothing. A cancelled order stays cancelled. */
  async markPaid(orderId: string): Promise<Order> {
    await this.db.query(`UPDATE orders SET status = 'paid', paid_at = now() WHERE id = $1 AND status = 'awaiting_payment'`, [orderId]);
    return (await this.byId(orderId))!;
  }

  /** awaiting_payment → cancelled, giving the stock back in the same transaction; a repeat changes nothing. */
  async cancel(orderId: string, reason: string): Promise<Order> {
    await this.db.transaction(async (m) => {
      const rows = await queryRows<{ id: string }>(
        m,
        `UPDATE orders SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2 WHERE id = $1 AND status = 'awaiting_payment' RETURNING id`,
        [orderId, reason],
      );
      if (rows.length === 0) return;
      await m.query(`UPDATE products p SET stock = p.stock + i.quantity FROM order_items i WHERE i.order_id = $1 AND i.sku = p.sku`, [orderId]);
    });
    return (await this.byId(orderId))!;
  }

  private async find(where: string, params: unknown[], limit = 100): Promise<Order[]> {
    const rows = await queryRows<OrderRow>(
      this.db,
      `SELECT o.*, coalesce((SELECT json_agg(json_build_object('sku', i.sku, 'name', i.name, 'quantity', i.quantity, 'unit_amount', i.unit_amount) ORDER BY i.sku)
                             FROM order_items i WHERE i.order_id = o.id), '[]') AS items
       FROM orders o WHERE ${where} ORDER BY o.created_at DESC, o.number DESC LIMIT ${Number(limit)}`,
      params,
    );
    return rows.map(toOrder);
  }
}

interface OrderRow {
  id: string;
  number: string;
  integration_id: string;
  customer_id: string;
  conversation_sid: string;
  status: OrderStatus;
  currency: string;
  total_amount: string;
  payment_url: string | null;
  created_at: Date;
  paid_at: Date | null;
  cancelled_at: Date | null;
  items: { sku: string; name: string; quantity: number; unit_amount: string | number }[];
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toOrder(r: OrderRow): Order {
  const items = typeof r.items === 'string' ? (JSON.parse(r.items) as OrderRow['items']) : r.items;
  return {
    id: r.id, number: r.number, integrationId: r.integration_id, customerId: r.customer_id, conversationSid: r.conversation_sid, status: r.status,
    currency: r.currency.trim(), total: toCents(r.total_amount), paymentUrl: r.payment_url,
    lines: items.map((i) => ({ sku: i.sku, name: i.name, quantity: i.quantity, unitAmount: toCents(i.unit_amount), lineAmount: toCents(i.unit_amount) * i.quantity })),
    createdAt: iso(r.created_at)!, paidAt: iso(r.paid_at), cancelledAt: iso(r.cancelled_at),
  };
}

/** The same SKU twice becomes one line. */
function mergeLines(lines: OrderLine[]): OrderLine[] {
  const bySku = new Map<string, number>();
  for (const l of lines) bySku.set(l.sku, (bySku.get(l.sku) ?? 0) + l.quantity);
  return [...bySku].map(([sku, quantity]) => ({ sku, quantity }));
}

/** An order as one line per item and its total, for messages. */
export function describeOrder(order: PricedOrder): string {
  const lines = order.lines.map((l) => `• ${l.quantity} × ${l.name} (${l.sku}): ${formatMoney(l.lineAmount, order.currency)}`);
  return [...lines, `Total: ${formatMoney(order.total, order.currency)}`].join('\n');
}
