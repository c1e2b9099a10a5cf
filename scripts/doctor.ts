/**
 * `npm run doctor`: the troubleshooting list, checked for real, with a verdict and a fix per line
 * (the same checks as `GET /api/diagnostics`). Exit code 1 when any check fails.
 *
 *   npm run doctor            a table: ✓ ok, ! warning, ✗ failure, - skipped
 *   npm run doctor -- --json  the report as JSON
 *
 * With DATABASE_URL and TEMPORAL_ADDRESS (a production deployment) the checks run in this process,
 * against the same database, Temporal and Twilio the agent uses, so they work while the agent is down.
 * With the embedded database and Temporal (`npm start`) only the running agent can open them: the
 * doctor asks it through the admin API.
 */
import 'reflect-metadata';
import { resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { type AppConfig, ConfigError, loadConfig } from '../src/config/config';
import { entities, migrations } from '../src/database/data-source';
import { fail, runCheck } from '../src/diagnostics/diagnostic-check';
import type { DiagnosticsReport } from '../src/diagnostics/diagnostics.service';
import { DiagnosticsService } from '../src/diagnostics/diagnostics.service';
import { formatChecks } from '../src/diagnostics/format-checks';
import { IntegrationEntity } from '../src/integrations/integration.entity';
import { IntegrationsService } from '../src/integrations/integrations.service';
import { resolveLocalSecrets } from '../src/security/local-secrets';
import { TemporalClientService } from '../src/temporal/temporal-client.service';
import { TwilioClients } from '../src/twilio/twilio-clients.service';

async function main(): Promise<number> {
  let config = loadConfig();
  config = { ...config, dataDir: resolve(config.dataDir) };
  if (!config.databaseUrl) config = resolveLocalSecrets(config);
  const inProcess = Boolean(config.databaseUrl && config.temporal.address);
  const report = inProcess ? await diagnoseInProcess(config) : await askRunningAgent(config);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    console.log(`Diagnostics of ${config.publicBaseUrl} (${inProcess ? 'checked from this process' : 'asked the running agent'})\n`);
    console.log(formatChecks(report.checks));
  }
  return report.verdict === 'fail' ? 1 : 0;
}

/** The agent's own services, built by hand on a database connection that does not migrate. */
async function diagnoseInProcess(config: AppConfig): Promise<DiagnosticsReport> {
  const db = new DataSource({ type: 'postgres', url: config.databaseUrl, entities, migrations, synchronize: false, migrationsRun: false, poolSize: 2, applicationName: 'whatsapp-agent-doctor' });
  try {
    await db.initialize();
  } catch (err) {
    return single('database', 'Database reachable', `PostgreSQL does not answer at DATABASE_URL: ${(err as Error).message}`, 'Check DATABASE_URL, that PostgreSQL runs, and that this machine may connect to it');
  }
  const twilio = new TwilioClients(config);
  const temporal = new TemporalClientService(config);
  try {
    const integrations = new IntegrationsService(db.getRepository(IntegrationEntity), config, twilio);
    return await new DiagnosticsService(config, db, integrations, twilio, temporal).run();
  } finally {
    await temporal.onApplicationShutdown().catch(() => undefined);
    await db.destroy().catch(() => undefined);
  }
}

async function askRunningAgent(config: AppConfig): Promise<DiagnosticsReport> {
  const url = `http://127.0.0.1:${config.port}/api/diagnostics`;
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${config.adminApiKey}` }, signal: AbortSignal.timeout(30_000) });
    if (response.ok) return (await response.json()) as DiagnosticsReport;
    return single('agent', 'Agent answering', `GET ${url} answered ${response.status}`, response.status === 401 ? 'Run the doctor with the same ADMIN_API_KEY and DATA_DIR as the agent' : 'See the agent\'s log');
  } catch (err) {
    return single('agent', 'Agent running', `Nothing answers at ${url} (${(err as Error).message})`,
      'Start the agent (npm start): with the embedded database and Temporal the doctor asks the running agent. Set DATABASE_URL and TEMPORAL_ADDRESS to check a deployment without it');
  }
}

async function single(id: string, title: string, detail: string, fix: string): Promise<DiagnosticsReport> {
  const check = await runCheck(id, title, async () => fail(detail, fix));
  return { verdict: 'fail', checkedAt: new Date().toISOString(), checks: [check] };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  },
);
