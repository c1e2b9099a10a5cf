import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Automation rules: "on this event, if this holds, after this long, do these actions". A rule is a
 * definition kept as data (never code) with a version that every edit bumps; each event a rule
 * matches gets one run (unique per rule and event), driven by its workflow `automation:<rule>:<event>`.
 */
export class Automations1764633700000 implements MigrationInterface {
  name = 'Automations1764633700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE automations (
        id uuid PRIMARY KEY,
        name text,
        -- Copied out of the definition so that recording an event finds its rules by index.
        on_event text NOT NULL,
        definition jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX automations_on_event ON automations (on_event) WHERE enabled`);
    // No foreign key to events: a run row is written in the same breath as its event, and the log outlives rules' runs.
    await q.query(`
      CREATE TABLE automation_runs (
        id uuid PRIMARY KEY,
        automation_id uuid NOT NULL REFERENCES automations(id) ON DELETE CASCADE,
        version integer NOT NULL,
        event_id text NOT NULL,
        status text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'running', 'done', 'skipped', 'cancelled', 'failed')),
        detail jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- When its workflow was started (or found started): a run recorded but never started is started again by the api.
        started_at timestamptz,
        finished_at timestamptz,
        UNIQUE (automation_id, event_id)
      )`);
    await q.query(`CREATE INDEX automation_runs_recent ON automation_runs (automation_id, created_at DESC)`);
    await q.query(`CREATE INDEX automation_runs_unstarted ON automation_runs (created_at) WHERE started_at IS NULL AND status = 'scheduled'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE automation_runs`);
    await q.query(`DROP TABLE automations`);
  }
}
