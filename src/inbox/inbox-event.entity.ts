import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';

export type InboxStatus = 'pending' | 'delivered';

/**
 * Every webhook event the agent accepted, recorded before it is handed to Temporal. A row stays
 * `pending` until the conversation workflow has it, so nothing is lost when Temporal is unreachable.
 */
@Entity('inbox_events')
@Unique('inbox_events_integration_dedupe', ['integrationId', 'dedupeKey'])
export class InboxEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'integration_id' })
  integrationId!: string;

  @Column('text', { name: 'dedupe_key' })
  dedupeKey!: string;

  @Column('text', { name: 'event_type' })
  eventType!: string;

  @Column('text', { name: 'conversation_sid' })
  conversationSid!: string;

  /** The accepted message (body, author, media), as signalled to the conversation workflow. */
  @Column('jsonb')
  payload!: Record<string, unknown>;

  @Column('text')
  status!: InboxStatus;

  @Column('integer')
  attempts!: number;

  @Column('timestamptz', { name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;
}
