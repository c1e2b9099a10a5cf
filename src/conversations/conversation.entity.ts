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
}
