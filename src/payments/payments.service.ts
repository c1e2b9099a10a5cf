import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import type { Order } from '../orders/orders.service';

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

/**
 * The sandbox provider: a pay page the api serves itself (`/pay/<token>`), for trying the product
 * without a payment account. The token is unguessable; paying there moves no money.
 */
export class SandboxPayments implements PaymentProvider {
  readonly name = 'sandbox';

  constructor(private readonly publicBaseUrl: string) {}

  async createLink(): Promise<PaymentLink> {
    const reference = `sbx_${randomBytes(18).toString('base64url')}`;
    return { provider: this.name, reference, url: `${this.publicBaseUrl}/pay/${reference}` };
  }
}

/** The configured payment provider. */
@Injectable()
export class PaymentsService {
  readonly provider: PaymentProvider;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.provider = new SandboxPayments(config.publicBaseUrl);
  }

  createLink(order: Order): Promise<PaymentLink> {
    return this.provider.createLink(order);
  }
}
