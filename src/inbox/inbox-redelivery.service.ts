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

  /**
   * One pass: delivers every due pending event, oldest first. The first failure ends the pass (Temporal
   * is likely still down); a success means it is back, so everything pending goes now, backoff or not.
   */
  async redeliverDue(): Promise<number> {
    let delivered = 0;
    try {
      let batch = await this.inbox.claimDue(100);
      while (batch.length > 0) {
        for (const [i, row] of batch.entries()) {
          try {
            await this.temporal.deliverInbound(row, row.message);
          } catch (err) {
            await this.inbox.markFailed(row.id, (err as Error).message);
            await this.inbox.release(batch.slice(i + 1).map((r) => r.id), RETRY_REST_AFTER_MS);
            this.logger.warn(`Redelivery of inbox event ${row.id} failed (attempt ${row.attempts + 1}): ${(err as Error).message}`);
            return delivered;
          }
          await this.inbox.markDelivered(row.id);
          delivered++;
        }
        batch = await this.inbox.claimDue(100, true);
      }
    } catch (err) {
      this.logger.error(`Redelivery pass failed: ${(err as Error).message}`);
    } finally {
      if (delivered > 0) this.logger.log(`Redelivered ${delivered} pending webhook event(s) to Temporal`);
    }
    return delivered;
  }
}

/** When a pass stops at a failure, the rest of its batch is due again after this long. */
const RETRY_REST_AFTER_MS = 2_000;
