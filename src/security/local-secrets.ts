import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/config';

/**
 * With the embedded database, secrets that are not configured are generated once into DATA_DIR
 * (files readable by the owner only) so `npm start` needs no setup. With DATABASE_URL they must be
 * configured (the config validation says so), since every replica needs the same ones.
 */
export function resolveLocalSecrets(config: AppConfig): AppConfig {
  return {
    ...config,
    credentialsKey: config.credentialsKey ?? readOrCreate(config.dataDir, 'credentials.key', () => randomBytes(32).toString('hex')),
    adminApiKey: config.adminApiKey ?? readOrCreate(config.dataDir, 'admin-api-key', () => `adm_${randomBytes(24).toString('hex')}`),
  };
}

/** Where a generated secret lives, for messages that point a person to it without printing it. */
export const localSecretPath = (dataDir: string, name: 'credentials.key' | 'admin-api-key') => join(dataDir, name);

function readOrCreate(dataDir: string, name: 'credentials.key' | 'admin-api-key', create: () => string): string {
  const path = localSecretPath(dataDir, name);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = create();
  writeFileSync(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  return value;
}
