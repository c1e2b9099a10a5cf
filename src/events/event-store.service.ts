import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { markAutomationRunsStarted, recordAutomationRuns, unstartedAutomationRuns } from '../automations/automation-runs';
import type { AutomationRunInput } from '../../workflows/automation-definitions';
import { PATTERN_MATCHES_SQL } from './event-types';

/** A business event as it is published. */
export interface EventInput {
  /** Stable for this occurrence: publishing the same id again changes nothing. */
  id: string;
  type: string;
  integrationId?: string | null;
  /** The customer it is about; their contact details are added to `data.customer`. */
  customerId?: string | null;
  data: Record<string, unknown>;
}

/** What a webhook receives: `{ id, type, createdAt, data }`. */
export interface WebhookEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

/**
 * The event log: each event stored once by its id, with one delivery row per webhook subscribed to
 * its type. Automation reads the same table. Starting the deliveries is the caller's part (see
 * startDeliveries), so workflows and the api share this one way of publishing.
 */
@Injectable()
export class EventStore {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Stores the event and its deliveries; answers the ids of the deliveries not yet made (on a repeat too, so a retry starts what a crash left). */
  async record(event: EventInput): Promise<string[]> {
    const data = event.customerId && event.data.customer === undefined ? { ...event.data, customer: await this.customer(event.customerId) } : event.data;
    await this.db.query(
      `INSERT INTO events (id, type, integration_id, customer_id, data) VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (id) DO NOTHING`,
      [event.id, event.type, event.integrationId ?? null, event.customerId ?? null, JSON.stringify(data)],
    );
    await this.db.query(
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id)
       SELECT gen_random_uuid(), w.id, e.id FROM events e, webhooks w
       WHERE e.id = $1 AND EXISTS (SELECT 1 FROM unnest(w.events) p WHERE ${PATTERN_MATCHES_SQL('p', 'e.type')})
       ON CONFLICT (event_id, webhook_id) WHERE replay_of IS NULL DO NOTHING`,
      [event.id],
    );
    // Each enabled automation rule on this type gets its run here too (started with the deliveries).
    await recordAutomationRuns(this.db, event.id);
    const pending = await queryRows<{ id: string }>(this.db, `SELECT id FROM webhook_deliveries WHERE event_id = $1 AND replay_of IS NULL AND status = 'pending'`, [event.id]);
    return pending.map((r) => r.id);
  }

  /** The event's automation runs whose workflow is not started yet (on a repeat too, so a retry starts what a crash left). */
  async automationRuns(eventId: string): Promise<AutomationRunInput[]> {
    return unstartedAutomationRuns(this.db, { eventId });
  }

  async automationRunsStarted(runs: { automationId: string; eventId: string }[]): Promise<void> {
    await markAutomationRunsStarted(this.db, runs);
  }

  async byId(id: string): Promise<WebhookEvent | null> {
    const [row] = await queryRows<{ id: string; type: string; created_at: Date; data: Record<string, unknown> }>(this.db, `SELECT id, type, created_at, data FROM events WHERE id = $1`, [id]);
    return row ? { id: row.id, type: row.type, createdAt: new Date(row.created_at).toISOString(), data: row.data } : null;
  }

  /** The contact details a receiver needs to act on an event about a customer. */
  private async customer(id: string): Promise<Record<string, unknown> | null> {
    const [row] = await queryRows<{ id: string; phone: string; name: string | null; email: string | null; tags: string[]; attributes: Record<string, unknown> }>(
      this.db,
      `SELECT id, phone, name, email, tags, attributes FROM customers WHERE id = $1 AND erased_at IS NULL`,
      [id],
    );
    return row ?? null;
  }
}
