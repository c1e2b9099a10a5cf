import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { EventStore } from '../events/event-store.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { unstartedAutomationRuns } from './automation-runs';
import { startAutomationRuns } from './start-automation-runs';

/** How often the api looks for runs left unstarted, and how old one must be (its publisher may still be starting it). */
const SWEEP_INTERVAL_MS = 30_000;
const UNSTARTED_FOR_MS = 20_000;
const BATCH = 200;

/**
 * Starts automation runs whose event was recorded but whose workflow could not be started then
 * (Temporal unreachable, a process stopped mid-publish), so a run is never silently lost. Harmless
 * in several replicas at once: a run's workflow id lets it start once.
 */
@Injectable()
export class AutomationRunSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AutomationRunSweeper.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: EventStore,
    private readonly temporal: TemporalClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; answers how many runs it started. */
  async sweep(): Promise<number> {
    try {
      const runs = await unstartedAutomationRuns(this.db, { olderThanMs: UNSTARTED_FOR_MS, limit: BATCH });
      if (runs.length === 0) return 0;
      const { started } = await this.temporal.connection.withDeadline(Date.now() + 10_000, () => startAutomationRuns(this.temporal.client, this.config, this.store, runs));
      if (started > 0) this.logger.log(`Started ${started} automation run(s) left unstarted`);
      return started;
    } catch (err) {
      this.logger.warn(`Automation run sweep failed: ${(err as Error).message}`);
      return 0;
    }
  }
}
