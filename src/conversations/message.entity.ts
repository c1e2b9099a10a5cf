import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';

export type MessageDirection = 'inbound' | 'outbound';

/**
 * One message of a conversation. Inbound rows are unique by the webhook's dedupe key, outbound rows
 * by their idempotency key, so a retried activity never writes a message twice.
 */
@Entity('messages')
@Unique('messages_integration_dedupe', ['integrationId', 'dedupeKey'])
export class MessageEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'integration_id' })
  integrationId!: string;

  @Column('uuid', { name: 'conversation_id' })
  conversationId!: string;

  @Column('text')
  direction!: MessageDirection;

  @Column('text')
  author!: string;

  @Column('text')
  body!: string;

  /** Inbound: the webhook's dedupe key. Outbound: the reply's idempotency key. */
  @Column('text', { name: 'dedupe_key' })
  dedupeKey!: string;

  @Column('text', { name: 'twilio_message_sid', nullable: true })
  twilioMessageSid!: string | null;

  /** Inbound: when the webhook received it. Outbound: when Twilio accepted it. */
  @Column('timestamptz')
  at!: Date;

  /** Outbound: milliseconds from the first message of the turn reaching the webhook to Twilio accepting the reply. */
  @Column('integer', { name: 'reply_latency_ms', nullable: true })
  replyLatencyMs!: number | null;

  @Column('text', { name: 'delivery_status', nullable: true })
  deliveryStatus!: string | null;

  @Column('text', { name: 'error_code', nullable: true })
  errorCode!: string | null;

  /** Outbound: `bot`, or `agent:<name>` for a message a person sent from the console or the API. */
  @Column('text', { name: 'sent_by', nullable: true })
  sentBy!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
