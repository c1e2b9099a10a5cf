import { mkdtempSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { openDataSource } from '../../src/database/data-source';
import { startEmbeddedTemporal } from '../../src/temporal/embedded-temporal';

/**
 * Once per `npm test`: a real Temporal dev server (the CLI, as `npm start` runs it) and one workflow
 * bundle that every suite's worker reuses. Suites keep apart through their own task queues.
 */
export default async function globalSetup(): Promise<void> {
  const temporal = await startEmbeddedTemporal({ cliPath: process.env.TEMPORAL_CLI_PATH });
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: quietLogger });
  const bundlePath = join(mkdtempSync(join(tmpdir(), 'wa-bundle-')), 'workflows.js');
  await writeFile(bundlePath, code);
  if (!process.env.DATABASE_URL) process.env.TEST_PGLITE_TEMPLATE = await migratedPgliteTemplate();
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  process.env.TEST_WORKFLOW_BUNDLE = bundlePath;
  (globalThis as { __temporal?: typeof temporal }).__temporal = temporal;
}

/**
 * On the embedded database, one PGlite directory migrated once: each suite starts from a copy of it
 * (createTestDatabase) instead of running every migration again, seconds per suite.
 */
async function migratedPgliteTemplate(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wa-pglite-template-'));
  const db = await openDataSource({ dataDir });
  await db.destroy();
  return join(dataDir, 'pglite');
}

const noop = () => undefined;
const quietLogger = { trace: noop, debug: noop, info: noop, warn: noop, error: console.error, log: noop };
