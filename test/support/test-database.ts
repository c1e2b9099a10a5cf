import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface TestDatabase {
  /** DATABASE_URL for the app, or undefined for the embedded database in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  kind: 'postgresql' | 'embedded';
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database per suite: a new database on the PostgreSQL server of DATABASE_URL when
 * it is set (CI's first run), else a new embedded PGlite directory (CI's second run).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-test-'));
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // A copy of the database global setup migrated once (when there is one): as fresh, but seconds faster.
    const template = process.env.TEST_PGLITE_TEMPLATE;
    if (template && existsSync(template)) cpSync(template, join(dataDir, 'pglite'), { recursive: true });
    return { dataDir, kind: 'embedded', drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const name = `wa_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(serverUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dataDir,
    kind: 'postgresql',
    drop: async () => {
      await withAdmin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function withAdmin(serverUrl: string, fn: (c: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
