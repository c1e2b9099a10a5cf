import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { queryRows } from '../database/sql';
import type { ApiRole } from './api-key.entity';
import type { Caller } from './roles';

export interface ApiKeyView {
  id: string;
  name: string;
  role: ApiRole;
  /** The key's first characters, to tell keys apart. */
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface ApiKeyRow {
  id: string;
  name: string;
  role: ApiRole;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** The caller id of the ADMIN_API_KEY from the environment (the first administrator). */
export const ENV_ADMIN_ID = 'admin';

/**
 * API keys with roles. ADMIN_API_KEY (environment) is the first administrator; it creates the other
 * keys, which are random 192-bit secrets stored as SHA-256 digests and shown once.
 */
@Injectable()
export class ApiKeysService {
  private readonly adminKeyDigest: Buffer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    if (!config.adminApiKey) throw new Error('ADMIN_API_KEY is not set');
    this.adminKeyDigest = digest(config.adminApiKey);
  }

  /** Who the key belongs to, or null for an unknown or revoked key. */
  async authenticate(key: string): Promise<Caller | null> {
    const keyDigest = digest(key);
    if (timingSafeEqual(keyDigest, this.adminKeyDigest)) return { id: ENV_ADMIN_ID, name: 'admin', role: 'admin' };
    const [row] = await queryRows<{ id: string; name: string; role: ApiRole }>(
      this.db,
      `UPDATE api_keys SET last_used_at = now() WHERE key_hash = $1 AND revoked_at IS NULL RETURNING id, name, role`,
      [keyDigest.toString('hex')],
    );
    return row ? { id: row.id, name: row.name, role: row.role } : null;
  }

  /** Creates a key; the returned `key` is the only time it is ever shown. */
  async create(input: { name: string; role: ApiRole }): Promise<ApiKeyView & { key: string }> {
    const key = `wa_${input.role}_${randomBytes(24).toString('base64url')}`;
    const [row] = await queryRows<ApiKeyRow>(
      this.db,
      `INSERT INTO api_keys (id, name, role, key_hash, key_prefix) VALUES ($1, $2, $3, $4, $5)
       RETURNING id, name, role, key_prefix, created_at, last_used_at, revoked_at`,
      [randomUUID(), input.name, input.role, digest(key).toString('hex'), key.slice(0, 12)],
    );
    return { ...toView(row!), key };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await queryRows<ApiKeyRow>(this.db, `SELECT id, name, role, key_prefix, created_at, last_used_at, revoked_at FROM api_keys ORDER BY created_at`);
    return rows.map(toView);
  }

  /** Revokes a key at once: its next request is refused. Revoking twice is harmless. */
  async revoke(id: string): Promise<void> {
    const rows = await queryRows<{ id: string }>(this.db, `UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now()) WHERE id = $1 RETURNING id`, [id]);
    if (rows.length === 0) throw new NotFoundException({ error: 'api_key_not_found', message: `No API key ${id}` });
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function toView(r: ApiKeyRow): ApiKeyView {
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  return { id: r.id, name: r.name, role: r.role, prefix: r.key_prefix, createdAt: iso(r.created_at)!, lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at) };
}
