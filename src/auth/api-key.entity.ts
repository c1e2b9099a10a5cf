import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type ApiRole = 'admin' | 'agent';

/** An API key created by an administrator. Only its SHA-256 digest is stored; the key is shown once. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  name!: string;

  @Column('text')
  role!: ApiRole;

  @Column('text', { name: 'key_hash', unique: true })
  keyHash!: string;

  /** The first characters of the key, to tell keys apart in a list. */
  @Column('text', { name: 'key_prefix' })
  keyPrefix!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt!: Date | null;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
