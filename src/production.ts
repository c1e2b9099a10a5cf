import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import type { RunningApp } from './bootstrap';
import { type AppConfig, ConfigError, loadConfig } from './config/config';
import { resolveLocalSecrets } from './security/local-secrets';

/** Shared start-up of the separate production processes: they need a Temporal cluster to join. */
export async function runProductionProcess(name: 'api' | 'worker', start: (config: AppConfig) => Promise<RunningApp>): Promise<void> {
  try {
    let config = loadConfig();
    config = { ...config, dataDir: resolve(config.dataDir) };
    if (!config.temporal.address) throw new ConfigError([`TEMPORAL_ADDRESS is required for the ${name} process (npm start runs an embedded Temporal instead)`]);
    if (!config.databaseUrl) config = resolveLocalSecrets(config);
    const app = await start(config);
    new Logger(name).log(`${name} started${app.url ? ` on port ${config.port}` : ''}`);
    if (app.workerStopped) {
      await app.workerStopped;
      await app.close();
    }
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
}
