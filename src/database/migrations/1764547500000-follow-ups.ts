import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follow-up reminders: a message to a customer, or an alert to staff about a customer, at a set
 * time. Each row is driven by its own workflow (`follow-up:<id>`); the row is what the API lists.
 */
export class FollowUps1764547500000 implements MigrationInterface {
  name = 'FollowUps1764547500000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE follow_ups (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        conversation_sid text,
        audience text NOT NULL CHECK (audience IN ('customer', 'staff')),
        due_at timestamptz NOT NULL,
        message text NOT NULL,
        status text NOT NULL CHECK (status IN ('scheduled', 'sent', 'cancelled', 'failed')),
        created_by text NOT NULL,
        request_key text UNIQUE,
        failure text,
        created_at timestamptz NOT NULL DEFAULT now(),
        done_at timestamptz,
        -- A message to the customer goes to their conversation; a staff reminder may be about a customer who never wrote.
        CONSTRAINT follow_ups_customer_conversation CHECK (audience = 'staff' OR conversation_sid IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX follow_ups_customer ON follow_ups (customer_id, due_at)`);
    await q.query(`CREATE INDEX follow_ups_scheduled ON follow_ups (due_at) WHERE status = 'scheduled'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE follow_ups`);
  }
}
