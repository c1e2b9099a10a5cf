import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Alerts for administrators, turns waiting for a paused integration, and the 24-hour-window template. */
export class FailurePolicies1764201600000 implements MigrationInterface {
  name = 'FailurePolicies1764201600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE integrations ADD COLUMN template_content_sid text`);
    await q.query(`
      CREATE TABLE alerts (
        id uuid PRIMARY KEY,
        integration_id uuid REFERENCES integrations(id) ON DELETE CASCADE,
        kind text NOT NULL,
        message text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX alerts_created_at ON alerts (created_at DESC)`);
    await q.query(`
      CREATE TABLE waiting_turns (
        workflow_id text PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        since timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX waiting_turns_integration ON waiting_turns (integration_id, since)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE waiting_turns`);
    await q.query(`DROP TABLE alerts`);
    await q.query(`ALTER TABLE integrations DROP COLUMN template_content_sid`);
  }
}
