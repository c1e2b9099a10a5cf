import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events and outbound webhooks: every business event stored once by its id (automation reads the
 * same table), the webhooks subscribed to them (secret encrypted at rest), and one delivery row per
 * event and webhook with each attempt's outcome, so a receiver's failures are visible.
 */
export class EventWebhooks1764547300000 implements MigrationInterface {
  name = 'EventWebhooks1764547300000';

  async up(q: QueryRunner): Promise<void> {
    // No foreign keys to integrations or customers: the event log outlives the records it speaks of.
    await q.query(`
      CREATE TABLE events (
        id text PRIMARY KEY,
        type text NOT NULL,
        integration_id uuid,
        customer_id uuid,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX events_type_created ON events (type, created_at)`);
    await q.query(`CREATE INDEX events_customer ON events (customer_id, created_at) WHERE customer_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY,
        url text NOT NULL,
        events text[] NOT NULL,
        secret_encrypted text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY,
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_id text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
        replay_of uuid REFERENCES webhook_deliveries(id) ON DELETE SET NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        attempt_log jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        failed_at timestamptz
      )`);
    // One delivery per event and webhook, however often the event is published; replays are extra rows.
    await q.query(`CREATE UNIQUE INDEX webhook_deliveries_once ON webhook_deliveries (event_id, webhook_id) WHERE replay_of IS NULL`);
    await q.query(`CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['webhook_deliveries', 'webhooks', 'events']) await q.query(`DROP TABLE ${table}`);
  }
}
