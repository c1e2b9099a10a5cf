import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Refusal } from '../common/refusal';
import { queryRows } from '../database/sql';
import { fromCents, toCents } from '../orders/money';
import { type CustomerScope, type Order, OrdersService } from '../orders/orders.service';
import type { BusinessSettings } from '../settings/settings.service';
import { RETURN_TRANSITIONS, type ReturnStatus } from '../../workflows/skill-definitions';

export type { ReturnStatus } from '../../workflows/skill-definitions';

export interface ReturnRequest {
  orderNumber: string;
  reason: string;
  kind: 'refund' | 'exchange';
  /** Absent: everything not yet returned. */
  items?: { sku: string; quantity: number }[];
}

export interface ReturnRecord {
  id: string;
  orderId: string;
  orderNumber: string;
  integrationId: string;
  customerId: string;
  conversationSid: string;
  kind: 'refund' | 'exchange';
  reason: string;
  items: { sku: string; name: string; quantity: number }[];
  /** Cents, in the order's currency. */
  amount: number;
  currency: string;
  status: ReturnStatus;
  history: { status: ReturnStatus; at: string; by: string; note?: string }[];
  createdAt: string;
}

/**
 * Returns and exchanges: only of the customer's own paid orders, inside the return window, for a
 * reason the business accepts, and never more items than were bought and not yet returned.
 */
@Injectable()
export class ReturnsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly orders: OrdersService,
  ) {}

  /** Checks a request against the order and the policy; refuses with the reason the model can explain. */
  async check(scope: CustomerScope, request: ReturnRequest, settings: BusinessSettings, now = Date.now()): Promise<{ order: Order; items: ReturnRecord['items']; amount: number }> {
    const [order] = await this.orders.forCustomer(scope, request.orderNumber.replace('#', ''));
    if (!order) throw new Refusal(`This customer has no order ${request.orderNumber}`, 'not_found');
    if (order.status !== 'paid' || !order.paidAt) throw new Refusal(`Order ${order.number} is ${order.status.replace('_', ' ')}: only paid orders can be returned`, 'not_paid');
    const deadline = Date.parse(order.paidAt) + settings.returnWindowDays * 86_400_000;
    if (now > deadline) throw new Refusal(`Order ${order.number} is outside the ${settings.returnWindowDays}-day return window (it ended ${new Date(deadline).toISOString().slice(0, 10)})`, 'outside_window');
    const reason = settings.returnReasons.find((r) => r.toLowerCase() === request.reason.trim().toLowerCase());
    if (!reason) throw new Refusal(`"${request.reason}" is not a return reason; ask which of these applies: ${settings.returnReasons.join(', ')}`, 'invalid_reason');

    const returned = await this.returnedQuantities(order.id);
    const left = order.lines.map((l) => ({ ...l, quantity: l.quantity - (returned.get(l.sku) ?? 0) })).filter((l) => l.quantity > 0);
    const wanted = request.items ?? left.map((l) => ({ sku: l.sku, quantity: l.quantity }));
    if (wanted.length === 0) throw new Refusal(`Everything in order ${order.number} has already been returned`, 'nothing_left');
    const items = wanted.map((w) => {
      const line = left.find((l) => l.sku === w.sku);
      if (!line) throw new Refusal(`${w.sku} is not in order ${order.number}, or was already returned`, 'not_in_order');
      if (w.quantity > line.quantity) throw new Refusal(`Only ${line.quantity} × ${line.name} can be returned from order ${order.number}`, 'too_many');
      return { sku: w.sku, name: line.name, quantity: w.quantity, unit: line.unitAmount };
    });
    return { order, items: items.map(({ sku, name, quantity }) => ({ sku, name, quantity })), amount: items.reduce((sum, i) => sum + i.unit * i.quantity, 0) };
  }

  /** Records the request, once per action key. */
  async create(scope: CustomerScope, request: ReturnRequest, settings: BusinessSettings, actionKey: string): Promise<ReturnRecord> {
    const existing = await this.find(`r.action_key = $1`, [actionKey]);
    if (existing[0]) return existing[0];
    const { order, items, amount } = await this.check(scope, request, settings);
    const history = [{ status: 'requested', at: new Date().toISOString(), by: 'customer' }];
    await this.db.query(
      `INSERT INTO returns (id, order_id, integration_id, customer_id, conversation_sid, kind, reason, items, amount, status, history, action_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', $10, $11) ON CONFLICT (action_key) DO NOTHING`,
      [randomUUID(), order.id, scope.integrationId, scope.customerId, scope.conversationSid, request.kind, request.reason.trim(), JSON.stringify(items), fromCents(amount), JSON.stringify(history), actionKey],
    );
    return (await this.find(`r.action_key = $1`, [actionKey]))[0]!;
  }

  /** Moves a return along RETURN_TRANSITIONS; a repeat of the move it already made changes nothing. */
  async transition(id: string, to: ReturnStatus, by: string, note?: string): Promise<ReturnRecord> {
    const current = await this.byId(id);
    if (!current) throw new Refusal(`No return ${id}`, 'not_found');
    if (current.status === to) return current;
    if (!RETURN_TRANSITIONS[current.status].includes(to)) throw new Refusal(`A return that is ${current.status} cannot become ${to}`, 'invalid_transition');
    const entry = { status: to, at: new Date().toISOString(), by, ...(note ? { note } : {}) };
    await this.db.query(`UPDATE returns SET status = $2, history = history || $3::jsonb, updated_at = now() WHERE id = $1 AND status = $4`, [id, to, JSON.stringify([entry]), current.status]);
    return (await this.byId(id))!;
  }

  async byId(id: string): Promise<ReturnRecord | null> {
    return (await this.find(`r.id = $1`, [id]))[0] ?? null;
  }

  async list(status?: ReturnStatus): Promise<ReturnRecord[]> {
    return status ? this.find(`r.status = $1`, [status]) : this.find('true', []);
  }

  private async returnedQuantities(orderId: string): Promise<Map<string, number>> {
    const rows = await queryRows<{ items: { sku: string; quantity: number }[] }>(this.db, `SELECT items FROM returns WHERE order_id = $1 AND status <> 'rejected'`, [orderId]);
    const returned = new Map<string, number>();
    for (const item of rows.flatMap((r) => r.items)) returned.set(item.sku, (returned.get(item.sku) ?? 0) + item.quantity);
    return returned;
  }

  private async find(where: string, params: unknown[]): Promise<ReturnRecord[]> {
    const rows = await queryRows<{
      id: string; order_id: string; number: string; integration_id: string; customer_id: string; conversation_sid: string; kind: 'refund' | 'exchange';
      reason: string; items: ReturnRecord['items']; amount: string; currency: string; status: ReturnStatus; history: ReturnRecord['history']; created_at: Date;
    }>(this.db, `SELECT r.*, o.number, o.currency FROM returns r JOIN orders o ON o.id = r.order_id WHERE ${where} ORDER BY r.created_at DESC LIMIT 200`, params);
    return rows.map((r) => ({
      id: r.id, orderId: r.order_id, orderNumber: r.number, integrationId: r.integration_id, customerId: r.customer_id, conversationSid: r.conversation_sid,
      kind: r.kind, reason: r.reason, items: r.items, amount: toCents(r.amount), currency: r.currency.trim(), status: r.status, history: r.history,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }
}
