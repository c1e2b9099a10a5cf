import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ConversationStatus, StatusChangeCause } from '../../workflows/definitions';

/** One status change of a conversation (bot ⇄ waiting_for_human ⇄ human, closed), with who or what caused it. */
@Entity('handoff_events')
export class HandoffEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** Unique per change: `<workflow id>:<first run id>:<sequence>`, so a retried activity records it once. */
  @Column('text', { name: 'event_key', unique: true })
  eventKey!: string;

  @Column('uuid', { name: 'integration_id' })
  integrationId!: string;

  @Column('text', { name: 'conversation_sid' })
  conversationSid!: string;

  @Column('text', { name: 'from_status' })
  fromStatus!: ConversationStatus;

  @Column('text', { name: 'to_status' })
  toStatus!: ConversationStatus;

  @Column('text')
  cause!: StatusChangeCause;

  /** `agent:<name>` when a person caused it; null for the customer or the system. */
  @Column('text', { nullable: true })
  actor!: string | null;

  @Column('text', { nullable: true })
  reason!: string | null;

  @Column('timestamptz')
  at!: Date;
}
