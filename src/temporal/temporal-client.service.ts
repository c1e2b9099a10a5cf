import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { temporalConnectionOptions } from './connection-options';
import type { InboundMessage } from '../../workflows/definitions';
import { signalInbound } from './signal-inbound';

/** How long the webhook waits for Temporal before leaving the event to the redelivery loop. */
const SIGNAL_DEADLINE_MS = 2_000;
/** After a failure, webhooks skip Temporal for this long (the redelivery loop keeps probing), so acks stay fast. */
const SKIP_AFTER_FAILURE_MS = 5_000;

/**
 * The application's Temporal client. The connection is lazy, so the api boots and keeps accepting
 * webhooks while Temporal is unreachable; the inbox keeps what could not be handed over.
 */
@Injectable()
export class TemporalClientService implements OnApplicationShutdown {
  readonly connection: Connection;
  readonly client: Client;
  private unavailableUntil = 0;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.connection = Connection.lazy(temporalConnectionOptions(config));
    this.client = new Client({ connection: this.connection, namespace: config.temporal.namespace });
  }

  /**
   * Hands a customer message to its conversation workflow, starting the workflow if needed. While
   * Temporal has just failed, the webhook's calls fail at once (`fast`) instead of waiting for the deadline.
   */
  async deliverInbound(target: { integrationId: string; conversationSid: string }, message: InboundMessage, opts: { fast?: boolean } = {}): Promise<void> {
    if (opts.fast && Date.now() < this.unavailableUntil) throw new Error('Temporal failed moments ago; left to the redelivery loop');
    try {
      await this.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => signalInbound(this.client, this.config, target, message));
      this.unavailableUntil = 0;
    } catch (err) {
      this.unavailableUntil = Date.now() + SKIP_AFTER_FAILURE_MS;
      throw err;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.connection.close();
  }
}
