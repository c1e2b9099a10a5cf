import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message policies: per-integration overrides (redaction patterns, limits, holding message, business
 * hours), senders whose messages are refused at the pre-action hook, and LLM token usage per
 * customer and day for the budgets.
 */
export class MessagePolicies1764374400000 implements MigrationInterface {
  name = 'MessagePolicies1764374400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE integrations ADD COLUMN message_policy jsonb NOT NULL DEFAULT '{}'`);
    await q.query(`
      CREATE TABLE blocked_senders (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        address text NOT NULL,
        reason text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT blocked_senders_integration_address UNIQUE (integration_id, address)
      )`);
    await q.query(`
      CREATE TABLE llm_usage (
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        day date NOT NULL,
        calls integer NOT NULL DEFAULT 0,
        prompt_tokens bigint NOT NULL DEFAULT 0,
        completion_tokens bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (integration_id, day, customer_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE llm_usage`);
    await q.query(`DROP TABLE blocked_senders`);
    await q.query(`ALTER TABLE integrations DROP COLUMN message_policy`);
  }
}
