import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Staff numbers: who reaches the staff side of the agent on WhatsApp, with their role and the alerts
 * they receive; the conversation the business opened with each (when they had none), per integration;
 * and who acknowledged an alert.
 */
export class Staff1764633600000 implements MigrationInterface {
  name = 'Staff1764633600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE staff (
        id uuid PRIMARY KEY,
        -- Null: staff of every integration (the usual single-number business).
        integration_id uuid REFERENCES integrations(id) ON DELETE CASCADE,
        phone text NOT NULL CONSTRAINT staff_phone UNIQUE,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'analyst', 'agent')),
        -- Null: the role's default subscriptions, so a role change changes them too.
        notify text[],
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE staff_conversations (
        staff_id uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (staff_id, integration_id)
      )`);
    await q.query(`ALTER TABLE alerts ADD COLUMN acknowledged_at timestamptz, ADD COLUMN acknowledged_by text`);
    await q.query(`CREATE INDEX alerts_kind ON alerts (kind, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX alerts_kind`);
    await q.query(`ALTER TABLE alerts DROP COLUMN acknowledged_at, DROP COLUMN acknowledged_by`);
    await q.query(`DROP TABLE staff_conversations`);
    await q.query(`DROP TABLE staff`);
  }
}
