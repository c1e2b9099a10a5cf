import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log: every change made through the admin API (and every refused attempt), who, what, when, from where. */
export class AuditLog1764720100000 implements MigrationInterface {
  name = 'AuditLog1764720100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id uuid PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id text NOT NULL,
        actor_name text NOT NULL,
        actor_role text NOT NULL,
        method text NOT NULL,
        route text NOT NULL,
        path text NOT NULL,
        status integer NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
        ip text,
        user_agent text
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at DESC)`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (actor_id, at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
  }
}
