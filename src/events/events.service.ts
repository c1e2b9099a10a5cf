import { Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { type EventInput, EventStore } from './event-store.service';
import { startDeliveries } from './start-deliveries';
import { startAutomationRuns } from '../automations/start-automation-runs';

/** How long the api waits for Temporal to start deliveries before answering 503. */
const START_DEADLINE_MS = 5_000;

/**
 * Publishing from the api, for events that happen outside workflows (an API call, a staff action).
 * Workflows publish with `publish()` from workflows/events.ts; both store through EventStore and start
 * the same delivery workflows. While Temporal is unreachable this answers 503: the event is stored,
 * and publishing it again with the same id starts its deliveries.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly store: EventStore,
    private readonly temporal: TemporalClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async publish(event: EventInput): Promise<void> {
    await this.startDeliveries(await this.store.record(event));
    // Never fails the publish: a run not started now is started by a retry or the api's sweep.
    const runs = await this.store.automationRuns(event.id);
    if (runs.length > 0) await this.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => startAutomationRuns(this.temporal.client, this.config, this.store, runs));
  }

  /** Starts delivery workflows for deliveries already recorded (a replay). */
  async startDeliveries(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    try {
      await this.temporal.connection.withDeadline(Date.now() + START_DEADLINE_MS, () => startDeliveries(this.temporal.client, this.config, deliveryIds));
    } catch (err) {
      // The client wraps gRPC errors (UNAVAILABLE 14, DEADLINE_EXCEEDED 4) as the cause of a ServiceError.
      const grpcCode = (err as { code?: number }).code ?? (err as { cause?: { code?: number } }).cause?.code;
      if (grpcCode === 14 || grpcCode === 4) throw new ServiceUnavailableException({ error: 'temporal_unavailable', message: 'Temporal is unreachable; try again in a moment' });
      throw err;
    }
  }
}
