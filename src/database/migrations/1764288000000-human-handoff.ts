import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Human hand-off: API keys with roles, who owns a conversation and since when it waits, who sent each
 * outbound message (the bot or an agent), and a log of every status change with its cause.
 */
export class HumanHandoff1764288000000 implements MigrationInterface {
  name = 'HumanHandoff1764288000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('admin', 'agent')),
        key_hash text NOT NULL UNIQUE,
        key_prefix text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`ALTER TABLE conversations ADD COLUMN assigned_agent_id text`);
    await q.query(`ALTER TABLE conversations ADD COLUMN assigned_agent_name text`);
    await q.query(`ALTER TABLE conversations ADD COLUMN waiting_since timestamptz`);
    await q.query(`ALTER TABLE conversations ADD COLUMN status_changed_at timestamptz`);
    await q.query(`ALTER TABLE conversations ADD COLUMN status_seq integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE INDEX conversations_status ON conversations (status, waiting_since, last_message_at DESC)`);
    await q.query(`ALTER TABLE messages ADD COLUMN sent_by text`);
    await q.query(`
      CREATE TABLE handoff_events (
        id uuid PRIMARY KEY,
        event_key text NOT NULL UNIQUE,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        from_status text NOT NULL,
        to_status text NOT NULL,
        cause text NOT NULL,
        actor text,
        reason text,
        at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX handoff_events_conversation ON handoff_events (integration_id, conversation_sid, at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE handoff_events`);
    await q.query(`ALTER TABLE messages DROP COLUMN sent_by`);
    await q.query(`DROP INDEX conversations_status`);
    for (const column of ['status_seq', 'status_changed_at', 'waiting_since', 'assigned_agent_name', 'assigned_agent_id']) {
      await q.query(`ALTER TABLE conversations DROP COLUMN ${column}`);
    }
    await q.query(`DROP TABLE api_keys`);
  }
}
