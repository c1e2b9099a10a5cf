import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import type { Order } from '../orders/orders.service';
import { StripePayments } from './stripe-payments';

export interface PaymentLink {
  provider: string;
  /** The provider's id of the payment (the sandbox's token, Stripe's Checkout Session id). */
  reference: string;
  url: string;
}

/** Where customers pay. Each order gets one link; the provider's confirmation signals the order workflow. */
export interface PaymentProvider {
  readonly name: string;
  createLink(order: Order): Promise<PaymentLink>;
}

const SANDBOX_PREFIX = 'sbx_';

/** Whether the reference is a sandbox token: the pay page must never settle another provider's payment. */
export const isSandboxReference = (reference: string) => reference.startsWith(SANDBOX_PREFIX);

/**
 * The sandbox provider: a pay page the api serves itself (`/pay/<token>`), for trying the product
 * without a payment account. The token is unguessable; paying there moves no money.
 */
export class SandboxPayments implements PaymentProvider {
  readonly name = 'sandbox';

  constructor(private readonly publicBaseUrl: string) {}

  async createLink(): Promise<PaymentLink> {
    const reference = `${SANDBOX_PREFIX}${randomBytes(18).toString('base64url')}`;
    return { provider: this.name, reference, url: `${this.publicBaseUrl}/pay/${reference}` };
  }
}

/** The configured payment provider: Stripe when STRIPE_SECRET_KEY is set, else the sandbox. */
@Injectable()
export class PaymentsService {
  readonly provider: PaymentProvider;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const { secretKey, apiBaseUrl } = config.stripe;
    this.provider = secretKey
      ? new StripePayments({ secretKey, apiBaseUrl, publicBaseUrl: config.publicBaseUrl })
      : new SandboxPayments(config.publicBaseUrl);
  }

  createLink(order: Order): Promise<PaymentLink> {
    return this.provider.createLink(order);
  }
}
