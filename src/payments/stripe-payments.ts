import Stripe from 'stripe';
import type { Order } from '../orders/orders.service';
import type { PaymentLink, PaymentProvider } from './payments.service';

export interface StripeOptions {
  secretKey: string;
  /** Replaces Stripe's API origin (a local emulator in tests); empty = api.stripe.com. */
  apiBaseUrl?: string;
  publicBaseUrl: string;
}

/**
 * Stripe Checkout: each order becomes a Checkout Session priced from the order's own lines, and the
 * customer pays on Stripe's page. The `checkout.session.completed` webhook confirms the payment.
 */
export class StripePayments implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;

  constructor(private readonly options: StripeOptions) {
    // Temporal retries the activity; retrying inside it as well would only stretch its timeout.
    this.stripe = new Stripe(options.secretKey, { maxNetworkRetries: 0, ...apiEndpoint(options.apiBaseUrl) });
  }

  async createLink(order: Order): Promise<PaymentLink> {
    const currency = order.currency.toLowerCase();
    const session = await this.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        line_items: order.lines.map((line) => ({
          quantity: line.quantity,
          price_data: { currency, unit_amount: stripeAmount(line.unitAmount, order.currency), product_data: { name: line.name } },
        })),
        client_reference_id: order.id,
        metadata: { order_number: order.number, order_id: order.id },
        success_url: `${this.options.publicBaseUrl}/pay/stripe/paid`,
        cancel_url: `${this.options.publicBaseUrl}/pay/stripe/cancelled`,
      },
      // A retried activity (say, its answer was lost) gets the same session back, not a second one.
      { idempotencyKey: `order-${order.id}-checkout` },
    );
    if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a URL`);
    return { provider: this.name, reference: session.id, url: session.url };
  }
}

/** STRIPE_API_BASE_URL as the client's host, port and protocol options. */
function apiEndpoint(baseUrl: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!baseUrl) return {};
  const url = new URL(baseUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

/**
 * Stripe wants amounts in the currency's smallest unit: cents for EUR, yen for JPY (no decimals),
 * fils for KWD (three). Orders keep cents, so the amount is rescaled by the currency's exponent.
 */
export function stripeAmount(cents: number, currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return Math.round((cents / 100) * 10 ** digits);
}
