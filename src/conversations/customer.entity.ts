import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';

/** A person writing to an integration's number, identified by their WhatsApp address. */
@Entity('customers')
@Unique('customers_integration_phone', ['integrationId', 'phone'])
export class CustomerEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'integration_id' })
  integrationId!: string;

  /** As Twilio gives it in `Author`, e.g. `whatsapp:+4915112345678`. */
  @Column('text')
  phone!: string;

  @Column('text', { nullable: true })
  name!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_seen_at' })
  lastSeenAt!: Date;
}
