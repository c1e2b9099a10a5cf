import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CRM: the customer's profile (contact, time zone, tags, marketing consent with its provenance,
 * custom attributes), every change to it with its source, staff notes, segments as rules, and
 * campaigns with one row per recipient (the campaign workflow's durable progress).
 */
export class Crm1764547200000 implements MigrationInterface {
  name = 'Crm1764547200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE customers
        ADD COLUMN email text,
        ADD COLUMN time_zone text,
        ADD COLUMN tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN behaviour_tags text[] NOT NULL DEFAULT '{}',
        ADD COLUMN marketing_consent text CHECK (marketing_consent IN ('opted_in', 'opted_out')),
        ADD COLUMN consent_changed_at timestamptz,
        ADD COLUMN consent_source text,
        ADD COLUMN attributes jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN erased_at timestamptz`);
    await q.query(`CREATE INDEX customers_tags ON customers USING gin (tags)`);
    await q.query(`
      CREATE TABLE profile_changes (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        field text NOT NULL,
        old_value jsonb,
        new_value jsonb,
        source text NOT NULL CHECK (source IN ('agent', 'staff', 'customer', 'api', 'system')),
        message_id uuid,
        actor text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX profile_changes_customer ON profile_changes (customer_id, at)`);
    await q.query(`
      CREATE TABLE customer_notes (
        id uuid PRIMARY KEY,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        body text NOT NULL,
        author text,
        at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE segments (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        rule jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE campaigns (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        segment_id uuid NOT NULL REFERENCES segments(id),
        content_sid text NOT NULL,
        variables jsonb NOT NULL DEFAULT '{}',
        send_at timestamptz,
        status text NOT NULL CHECK (status IN ('draft', 'scheduled', 'running', 'paused', 'cancelled', 'completed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE campaign_recipients (
        campaign_id uuid NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'opted_out', 'not_opted_in', 'cancelled')),
        message_sid text,
        error_code text,
        attempted_at timestamptz,
        sent_at timestamptz,
        delivery_status text,
        PRIMARY KEY (campaign_id, customer_id)
      )`);
    await q.query(`CREATE INDEX campaign_recipients_queued ON campaign_recipients (campaign_id, customer_id) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX campaign_recipients_customer ON campaign_recipients (customer_id, sent_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['campaign_recipients', 'campaigns', 'segments', 'customer_notes', 'profile_changes']) await q.query(`DROP TABLE ${table}`);
    await q.query(`DROP INDEX customers_tags`);
    await q.query(`
      ALTER TABLE customers DROP COLUMN email, DROP COLUMN time_zone, DROP COLUMN tags, DROP COLUMN behaviour_tags,
        DROP COLUMN marketing_consent, DROP COLUMN consent_changed_at, DROP COLUMN consent_source, DROP COLUMN attributes, DROP COLUMN erased_at`);
  }
}
