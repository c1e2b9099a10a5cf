import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery tracking: every delivery receipt Twilio reported (once per receipt sid, its status only
 * moving forward), and the lookups that merge a receipt into its message and campaign recipient.
 */
export class DeliveryReceipts1764720000000 implements MigrationInterface {
  name = 'DeliveryReceipts1764720000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE delivery_receipts (
        receipt_sid text PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        message_sid text NOT NULL,
        status text NOT NULL CHECK (status IN ('sent', 'delivered', 'read', 'failed', 'undelivered')),
        error_code text,
        source text NOT NULL CHECK (source IN ('webhook', 'reconciliation')),
        twilio_updated_at timestamptz,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX delivery_receipts_message ON delivery_receipts (integration_id, message_sid)`);
    await q.query(`CREATE INDEX messages_twilio_sid ON messages (integration_id, twilio_message_sid) WHERE twilio_message_sid IS NOT NULL`);
    await q.query(`CREATE INDEX campaign_recipients_message ON campaign_recipients (message_sid) WHERE message_sid IS NOT NULL`);
    await q.query(`ALTER TABLE messages ADD COLUMN delivery_updated_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE messages DROP COLUMN delivery_updated_at`);
    await q.query(`DROP INDEX campaign_recipients_message`);
    await q.query(`DROP INDEX messages_twilio_sid`);
    await q.query(`DROP TABLE delivery_receipts`);
  }
}
