import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { ConversationStatus } from '../../workflows/definitions';

/** A Twilio Conversation (`ConversationSid`) between one customer and an integration's number. */
@Entity('conversations')
@Unique('conversations_integration_sid', ['integrationId', 'conversationSid'])
export class ConversationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'integration_id' })
  integrationId!: string;

  @Column('text', { name: 'conversation_sid' })
  conversationSid!: string;

  @Column('uuid', { name: 'customer_id' })
  customerId!: string;

  @Column('text')
  status!: ConversationStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_message_at' })
  lastMessageAt!: Date;

  /** The API key (agent) that took the conversation over, while a person owns it. */
  @Column('text', { name: 'assigned_agent_id', nullable: true })
  assignedAgentId!: string | null;

  @Column('text', { name: 'assigned_agent_name', nullable: true })
  assignedAgentName!: string | null;

  /** Since when the customer waits for a person (status `waiting_for_human`). */
  @Column('timestamptz', { name: 'waiting_since', nullable: true })
  waitingSince!: Date | null;

  /** Workflow time of the last status change; an older change arriving late never overwrites a newer one. */
  @Column('timestamptz', { name: 'status_changed_at', nullable: true })
  statusChangedAt!: Date | null;

  /** How many status changes the workflow has made; only a later change overwrites the row. */
  @Column('integer', { name: 'status_seq', default: 0 })
  statusSeq!: number;
}
