import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { InboxService } from './inbox.service';

/**
 * Hands pending inbox events to Temporal: those the webhook could not deliver (Temporal unreachable,
 * the api stopped mid-request). Runs in every api replica; rows are claimed, so none is taken twice
 * at once, and a duplicate signal is dropped by the workflow's dedupe anyway.
 */
@Injectable()
export class InboxRedeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxRedeliveryService.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly inbox: InboxService,
    private readonly temporal: TemporalClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.redeliverDue().then(
        () => undefined,
      ).finally(() => (this.running = undefined));
    }, this.config.redeliveryIntervalMs);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass: delivers every due pending event; returns how many went through. */
  async redeliverDue(): Promise<number> {
    let delivered = 0;
    try {
      for (const row of await this.inbox.claimDue(100)) {
        try {
          await this.temporal.deliverInbound(row, row.message);
          await this.inbox.markDelivered(row.id);
          delivered++;
        } catch (err) {
          await this.inbox.markFailed(row.id, (err as Error).message);
          this.logger.warn(`Redelivery of inbox event ${row.id} failed (attempt ${row.attempts + 1}): ${(err as Error).message}`);
          break; // Temporal is likely still down: leave the rest for the next pass
        }
      }
    } catch (err) {
      this.logger.error(`Redelivery pass failed: ${(err as Error).message}`);
    }
    if (delivered > 0) this.logger.log(`Redelivered ${delivered} pending webhook event(s) to Temporal`);
    return delivered;
  }
}
