import { BadRequestException, Controller, Headers, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Request } from 'express';
import Stripe from 'stripe';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { OrdersService } from '../orders/orders.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { orderPaidSignal, orderWorkflowId } from '../../workflows/skill-definitions';

export const STRIPE_WEBHOOK_PATH = '/api/payments/stripe/webhook';

/** Whether the request is Stripe's webhook, whose body must stay raw bytes for the signature check. */
export const isStripeWebhook = (req: { url?: string }) => (req.url ?? '').split('?')[0] === STRIPE_WEBHOOK_PATH;

/**
 * Stripe's webhook. The `Stripe-Signature` over the raw body is its only authentication. A paid
 * `checkout.session.completed` (or `checkout.session.async_payment_succeeded`) signals the order's workflow. Other events, unknown sessions and
 * orders already settled are acknowledged with a 200 so Stripe stops retrying; only a failure to
 * reach Temporal answers 5xx, so Stripe delivers the event again.
 */
@Controller('api/payments/stripe')
export class StripeWebhookController {
  private readonly logger = new Logger(StripeWebhookController.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly orders: OrdersService,
    private readonly temporal: TemporalClientService,
  ) {}

  @Post('webhook')
  @HttpCode(200)
  async receive(@Req() req: Request, @Headers('stripe-signature') signature: string | undefined): Promise<{ received: true }> {
    const event = this.verify(req.body, signature);
    // A card pays at completion; a delayed method (SEPA debit, …) completes unpaid and succeeds later.
    if (event.type !== 'checkout.session.completed' && event.type !== 'checkout.session.async_payment_succeeded') {
      this.logger.log(`Stripe event ${event.id} (${event.type}) ignored`);
      return { received: true };
    }
    const session = event.data.object;
    if (session.payment_status !== 'paid') {
      this.logger.log(`Checkout Session ${session.id} completed without payment (${session.payment_status}); the order keeps waiting`);
      return { received: true };
    }
    await this.confirm(session.id);
    return { received: true };
  }

  private verify(body: unknown, signature: string | undefined): Stripe.Event {
    const secret = this.config.stripe.webhookSecret;
    if (!secret) this.logger.warn('A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set: it cannot be verified');
    if (!secret || !signature || !Buffer.isBuffer(body)) throw invalidSignature();
    try {
      return Stripe.webhooks.constructEvent(body, signature, secret);
    } catch (err) {
      this.logger.warn(`Stripe webhook rejected: ${(err as Error).message}`);
      throw invalidSignature();
    }
  }

  private async confirm(reference: string): Promise<void> {
    const order = await this.orders.byPaymentReference(reference);
    if (!order) {
      this.logger.warn(`Checkout Session ${reference} belongs to no order; acknowledged`);
      return;
    }
    try {
      await this.temporal.client.workflow.getHandle(orderWorkflowId(order.number)).signal(orderPaidSignal, { provider: 'stripe', reference });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Its workflow has finished: a repeated delivery of a paid order, or a payment after cancellation.
      if (order.status === 'cancelled') this.logger.error(`Order #${order.number} was paid (Checkout Session ${reference}) after it was cancelled: refund it in Stripe`);
      else this.logger.log(`Payment for order #${order.number} (${order.status}) arrived again; acknowledged`);
    }
  }
}

function invalidSignature(): BadRequestException {
  return new BadRequestException({ error: 'invalid_signature', message: 'Stripe-Signature does not match the body' });
}
