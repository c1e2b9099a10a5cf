import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ANALYTICS_ROLE, ANALYTICS_SCHEMA, ANALYTICS_VIEWS } from '../../analytics/analytics-views';
import { DEFAULT_EXAMPLES, DEFAULT_METRICS } from '../../analytics/semantic-defaults';

/**
 * Data questions from staff: the `analytics` schema of curated views (scoped to one integration by a
 * setting the query runner makes), the select-only role questions run as, the semantic layer
 * (described views, named metrics, verified examples) editable through the API, a record of every
 * question, the charts drawn, the media of a message, and scheduled reports per staff member.
 */
export class DataIntelligence1764806400000 implements MigrationInterface {
  name = 'DataIntelligence1764806400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SCHEMA ${ANALYTICS_SCHEMA}`);
    for (const view of ANALYTICS_VIEWS) {
      await q.query(`CREATE VIEW ${ANALYTICS_SCHEMA}.${view.name} WITH (security_barrier) AS ${view.sql}`);
    }
    // Roles belong to the server, not the database: another database on it may have made this one.
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${ANALYTICS_ROLE}') THEN
          CREATE ROLE ${ANALYTICS_ROLE} NOLOGIN NOSUPERUSER NOINHERIT NOCREATEDB NOCREATEROLE;
        END IF;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    // The product's own user switches to the role (SET LOCAL ROLE) for each question.
    await q.query(`
      DO $$ BEGIN
        IF NOT pg_has_role(current_user, '${ANALYTICS_ROLE}', 'MEMBER') THEN
          EXECUTE format('GRANT %I TO %I', '${ANALYTICS_ROLE}', current_user);
        END IF;
      END $$`);
    await q.query(`REVOKE ALL ON SCHEMA public FROM ${ANALYTICS_ROLE}`);
    await q.query(`GRANT USAGE ON SCHEMA ${ANALYTICS_SCHEMA} TO ${ANALYTICS_ROLE}`);
    await q.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${ANALYTICS_SCHEMA} TO ${ANALYTICS_ROLE}`);

    await q.query(`
      CREATE TABLE analytics_views (
        name text PRIMARY KEY,
        description text NOT NULL,
        columns jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE analytics_metrics (
        name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,39}$'),
        label text NOT NULL,
        description text NOT NULL,
        view text NOT NULL REFERENCES analytics_views(name),
        expression text NOT NULL,
        time_column text NOT NULL,
        filter text,
        unit text NOT NULL CHECK (unit IN ('count', 'money', 'seconds', 'ratio')),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE analytics_examples (
        id uuid PRIMARY KEY,
        question text NOT NULL,
        sql text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    for (const v of ANALYTICS_VIEWS) {
      await q.query(`INSERT INTO analytics_views (name, description, columns) VALUES ($1, $2, $3)`, [v.name, v.description, JSON.stringify(v.columns)]);
    }
    for (const m of DEFAULT_METRICS) {
      await q.query(
        `INSERT INTO analytics_metrics (name, label, description, view, expression, time_column, filter, unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [m.name, m.label, m.description, m.view, m.expression, m.timeColumn, m.filter, m.unit],
      );
    }
    for (const [i, e] of DEFAULT_EXAMPLES.entries()) {
      await q.query(`INSERT INTO analytics_examples (id, question, sql) VALUES ($1, $2, $3)`, [`00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`, e.question, e.sql]);
    }

    await q.query(`
      CREATE TABLE charts (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text,
        question text NOT NULL,
        intent jsonb NOT NULL,
        spec jsonb NOT NULL,
        png bytea NOT NULL,
        media_sid text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX charts_integration_created ON charts (integration_id, created_at DESC)`);

    // Every question asked, with the SQL tried and what happened: the trail a person reads.
    await q.query(`
      CREATE TABLE data_questions (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        staff_id uuid REFERENCES staff(id) ON DELETE SET NULL,
        workflow_id text NOT NULL,
        question text NOT NULL,
        status text NOT NULL CHECK (status IN ('asked', 'answered', 'unanswerable', 'failed')),
        attempts jsonb NOT NULL DEFAULT '[]',
        answer text,
        chart_id uuid REFERENCES charts(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        CONSTRAINT data_questions_workflow UNIQUE (workflow_id)
      )`);
    await q.query(`CREATE INDEX data_questions_integration_created ON data_questions (integration_id, created_at DESC)`);

    await q.query(`ALTER TABLE messages ADD COLUMN media jsonb`);

    await q.query(`
      CREATE TABLE staff_reports (
        id uuid PRIMARY KEY,
        staff_id uuid NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        period text NOT NULL CHECK (period IN ('today', 'yesterday', 'this_week', 'last_week', 'this_month')),
        metrics text[] NOT NULL,
        cron text NOT NULL,
        time_zone text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE staff_reports`);
    await q.query(`ALTER TABLE messages DROP COLUMN media`);
    await q.query(`DROP TABLE data_questions`);
    await q.query(`DROP TABLE charts`);
    await q.query(`DROP TABLE analytics_examples`);
    await q.query(`DROP TABLE analytics_metrics`);
    await q.query(`DROP TABLE analytics_views`);
    await q.query(`DROP SCHEMA ${ANALYTICS_SCHEMA} CASCADE`);
  }
}
