import { Controller, Get, Header, HttpCode, NotFoundException, Param, Post } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { formatMoney } from '../orders/money';
import { type Order, OrdersService } from '../orders/orders.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { isSandboxReference } from './payments.service';
import { orderPaidSignal, orderWorkflowId } from '../../workflows/skill-definitions';

/**
 * The sandbox payment page (`/pay/<token>`): the link the sandbox provider hands out. It shows the
 * order and a Pay button that tells the order workflow it was paid, as a provider's webhook would.
 * No money moves; the unguessable token is the only key. Also the pages Stripe Checkout returns to.
 */
@Controller('pay')
export class PayPageController {
  constructor(
    private readonly orders: OrdersService,
    private readonly temporal: TemporalClientService,
  ) {}

  /** Where Stripe Checkout sends the customer back; the webhook, not this visit, confirms the payment. */
  @Get('stripe/:outcome')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  stripeReturn(@Param('outcome') outcome: string): string {
    if (outcome === 'paid') return page('Thank you', '<p>Your payment is being confirmed. The confirmation follows on WhatsApp.</p>');
    if (outcome === 'cancelled') return page('Payment not completed', '<p>Nothing was charged. You can pay later with the link you received on WhatsApp.</p>');
    throw new NotFoundException();
  }

  @Get(':reference')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
  async show(@Param('reference') reference: string): Promise<string> {
    const order = await this.sandboxOrder(reference);
    if (!order) return page('Payment link not found', '<p>This payment link does not exist.</p>');
    return page(`Order #${order.number}`, `${orderTable(order)}${statusOrButton(order, reference)}`);
  }

  @Post(':reference')
  @HttpCode(200)
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'")
  async pay(@Param('reference') reference: string): Promise<string> {
    const order = await this.sandboxOrder(reference);
    if (!order) return page('Payment link not found', '<p>This payment link does not exist.</p>');
    if (order.status !== 'awaiting_payment') return page(`Order #${order.number}`, statusOrButton(order, reference));
    try {
      await this.temporal.client.workflow.getHandle(orderWorkflowId(order.number)).signal(orderPaidSignal, { provider: 'sandbox', reference });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return page(`Order #${order.number}`, '<p>This order is no longer waiting for payment.</p>');
      throw err;
    }
    return page(`Order #${order.number}`, `<p>Payment received (sandbox: no money moved). The confirmation follows on WhatsApp.</p>`);
  }

  /** Only sandbox orders: a Stripe order's session id (visible in its Checkout URL) must not pay it here. */
  private async sandboxOrder(reference: string): Promise<Order | null> {
    return isSandboxReference(reference) ? this.orders.byPaymentReference(reference) : null;
  }
}

function statusOrButton(order: Order, reference: string): string {
  if (order.status === 'paid') return '<p>This order is paid. Thank you!</p>';
  if (order.status === 'cancelled') return '<p>This order was cancelled.</p>';
  return `<form method="post" action="/pay/${encodeURIComponent(reference)}"><button type="submit">Pay ${escape(formatMoney(order.total, order.currency))}</button></form>
<p class="note">Sandbox payment page: no money moves.</p>`;
}

function orderTable(order: Order): string {
  const rows = order.lines
    .map((l) => `<tr><td>${l.quantity} × ${escape(l.name)}</td><td>${escape(formatMoney(l.lineAmount, order.currency))}</td></tr>`)
    .join('');
  return `<table>${rows}<tr><th>Total</th><th>${escape(formatMoney(order.total, order.currency))}</th></tr></table>`;
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}table{width:100%;border-collapse:collapse}td,th{padding:.4rem 0;text-align:left}td+td,th+th{text-align:right}button{font-size:1.1rem;padding:.6rem 1.2rem;margin-top:1rem}.note{color:#666;font-size:.9rem}</style>
</head><body><h1>${escape(title)}</h1>${body}</body></html>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
