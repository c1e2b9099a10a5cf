import 'reflect-metadata';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { startApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { localSecretPath, resolveLocalSecrets } from './security/local-secrets';
import { type EmbeddedTemporal, startEmbeddedTemporal } from './temporal/embedded-temporal';
import { installQuietRuntime } from './worker/worker.service';

/**
 * `npm start`: everything on one machine. An embedded Temporal dev server (unless TEMPORAL_ADDRESS),
 * the embedded database (unless DATABASE_URL), the api and the worker, in one process.
 */
async function main(): Promise<void> {
  const logger = new Logger('Main');
  let config = loadConfig();
  config = { ...config, dataDir: resolve(config.dataDir) };
  if (!config.databaseUrl) config = resolveLocalSecrets(config);

  // Before the embedded server: starting it would install the SDK's runtime with its defaults (INFO, no metrics, not JSON).
  installQuietRuntime(config.metrics.temporalPort, config);
  let temporal: EmbeddedTemporal | undefined;
  if (!config.temporal.address) {
    temporal = await startEmbeddedTemporal({
      dbFilename: join(config.dataDir, 'temporal.db'),
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      cliPath: config.temporal.cliPath,
    });
    config = { ...config, temporal: { ...config.temporal, address: temporal.address } };
  }

  const app = await startApp(config, { api: true, worker: true });
  const stop = async () => {
    await app.close();
    await temporal?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  app.workerStopped?.catch(() => void stop());

  logger.log(`API:         ${config.publicBaseUrl}  (listening on port ${config.port})`);
  logger.log(`Webhook:     ${config.publicBaseUrl}/api/twilio/webhook`);
  logger.log(`Console:     http://localhost:${config.port}/console  (agents sign in with an API key)`);
  logger.log(`Temporal UI: ${temporal?.uiUrl ?? `your cluster's UI (${config.temporal.address})`}`);
  logger.log(`Data:        ${config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : join(config.dataDir, 'pglite')}; Temporal: ${temporal ? join(config.dataDir, 'temporal.db') : config.temporal.address}`);
  if (!process.env.ADMIN_API_KEY) logger.log(`Admin API key: in ${localSecretPath(config.dataDir, 'admin-api-key')}`);
  if (!config.twilio.accountSid) logger.log('No TWILIO_* set: the sandbox integration is active. Talk to the agent with `npm run chat`.');
  if (!config.openai.apiKey) logger.log('No OPENAI_API_KEY set: the agent says plainly that no language model is configured.');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(err.message);
  else console.error(err);
  process.exit(1);
});
