import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE integrations (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('twilio', 'sandbox')),
        account_sid text NOT NULL CONSTRAINT integrations_account_sid UNIQUE,
        auth_token_encrypted text NOT NULL,
        previous_auth_token_encrypted text,
        previous_auth_token_valid_until timestamptz,
        phone_number text NOT NULL,
        agent_identity text NOT NULL,
        status text NOT NULL CHECK (status IN ('active', 'paused')),
        paused_reason text,
        answered_event text NOT NULL CHECK (answered_event IN ('onMessageAdd', 'onMessageAdded')),
        system_prompt text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE customers (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        phone text NOT NULL,
        name text,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL,
        CONSTRAINT customers_integration_phone UNIQUE (integration_id, phone)
      )`);
    await q.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        status text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz NOT NULL,
        CONSTRAINT conversations_integration_sid UNIQUE (integration_id, conversation_sid)
      )`);
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        direction text NOT NULL CHECK (direction IN ('inbound', 'outbound')),
        author text NOT NULL,
        body text NOT NULL,
        dedupe_key text NOT NULL,
        twilio_message_sid text,
        at timestamptz NOT NULL,
        reply_latency_ms integer,
        delivery_status text,
        error_code text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT messages_integration_dedupe UNIQUE (integration_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX messages_conversation_at ON messages (conversation_id, at)`);
    await q.query(`
      CREATE TABLE inbox_events (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        dedupe_key text NOT NULL,
        event_type text NOT NULL,
        conversation_sid text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'delivered')),
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL,
        last_error text,
        received_at timestamptz NOT NULL,
        delivered_at timestamptz,
        CONSTRAINT inbox_events_integration_dedupe UNIQUE (integration_id, dedupe_key)
      )`);
    await q.query(`CREATE INDEX inbox_events_pending ON inbox_events (next_attempt_at) WHERE status = 'pending'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['inbox_events', 'messages', 'conversations', 'customers', 'integrations']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
