import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reports: a summary of a conversation each time it is handed to a person or closed (for staff only),
 * and the daily digest of each integration's figures, one row per integration and day.
 */
export class Reports1764633800000 implements MigrationInterface {
  name = 'Reports1764633800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversation_summaries (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('handoff', 'close')),
        -- The workflow's status-change number the summary belongs to: a retried activity stores it once.
        status_seq integer NOT NULL,
        summary text NOT NULL,
        -- null: written from the transcript without a model (none configured, over budget or failing).
        model text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT conversation_summaries_once UNIQUE (integration_id, conversation_sid, trigger, status_seq)
      )`);
    await q.query(`CREATE INDEX conversation_summaries_conversation ON conversation_summaries (conversation_sid, created_at DESC)`);
    await q.query(`
      CREATE TABLE daily_digests (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        day date NOT NULL,
        time_zone text NOT NULL,
        figures jsonb NOT NULL,
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT daily_digests_integration_day UNIQUE (integration_id, day)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE daily_digests`);
    await q.query(`DROP TABLE conversation_summaries`);
  }
}
