import type { StoredPolicy } from '../policies/message-policy';
import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type IntegrationKind = 'twilio' | 'sandbox';
export type IntegrationStatus = 'active' | 'paused';
export type AnsweredEvent = 'onMessageAdd' | 'onMessageAdded';

/** A business's Twilio WhatsApp number connected to the agent. Tokens are stored encrypted only. */
@Entity('integrations')
export class IntegrationEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  kind!: IntegrationKind;

  @Column('text', { name: 'account_sid', unique: true })
  accountSid!: string;

  @Column('text', { name: 'auth_token_encrypted' })
  authTokenEncrypted!: string;

  @Column('text', { name: 'previous_auth_token_encrypted', nullable: true })
  previousAuthTokenEncrypted!: string | null;

  @Column('timestamptz', { name: 'previous_auth_token_valid_until', nullable: true })
  previousAuthTokenValidUntil!: Date | null;

  /** When the current auth token was set: `token_old` is raised once it is older than TOKEN_MAX_AGE_DAYS. */
  @Column('timestamptz', { name: 'auth_token_set_at' })
  authTokenSetAt!: Date;

  @Column('text', { name: 'phone_number' })
  phoneNumber!: string;

  /** The `Author` of the agent's own messages; webhooks for messages by this author are ignored. */
  @Column('text', { name: 'agent_identity' })
  agentIdentity!: string;

  @Column('text')
  status!: IntegrationStatus;

  @Column('text', { name: 'paused_reason', nullable: true })
  pausedReason!: string | null;

  /** Which of Twilio's message events gets answered; the other one is acknowledged and ignored. */
  @Column('text', { name: 'answered_event' })
  answeredEvent!: AnsweredEvent;

  @Column('text', { name: 'system_prompt', nullable: true })
  systemPrompt!: string | null;

  /** An approved WhatsApp template (Content SID) sent instead of a reply outside the 24-hour window; its {{1}} gets the reply. */
  @Column('text', { name: 'template_content_sid', nullable: true })
  templateContentSid!: string | null;

  /** Overrides of the message policies (redaction, limits, holding message, business hours); see src/policies. */
  @Column('jsonb', { name: 'message_policy', default: () => "'{}'" })
  messagePolicy!: StoredPolicy;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
