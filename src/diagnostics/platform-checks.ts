import OpenAI from 'openai';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import type { IntegrationEntity } from '../integrations/integration.entity';
import { type CheckOutcome, errorMessage, fail, ok, skip, warn } from './diagnostic-check';

export const PUBLIC_URL_TIMEOUT_MS = 3_000;

const LOCAL_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\]|0\.0\.0\.0)$/;

/** Twilio must reach PUBLIC_BASE_URL; from inside, only what this machine sees of it can be tested. */
export async function checkPublicUrl(config: AppConfig, hasTwilioNumber: boolean): Promise<CheckOutcome> {
  const url = `${config.publicBaseUrl}/health`;
  if (LOCAL_HOST.test(new URL(config.publicBaseUrl).hostname)) {
    if (!hasTwilioNumber) return ok(`${config.publicBaseUrl} is local: enough for the sandbox (npm run chat); Twilio needs a public address`);
    return fail(`PUBLIC_BASE_URL is ${config.publicBaseUrl}: Twilio cannot reach a local address`, 'Set PUBLIC_BASE_URL to the HTTPS address Twilio reaches (a tunnel such as ngrok in development) and configure the webhook again');
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(PUBLIC_URL_TIMEOUT_MS - 200), redirect: 'manual' });
    const body = (await response.json().catch(() => null)) as { status?: string } | null;
    if (response.status === 200 && body?.status === 'ok') return ok(`GET ${url} answered 200`);
    return warn(`GET ${url} answered ${response.status}${body?.status === 'ok' ? '' : ', not this agent\'s health answer'}: something else may answer at this address`,
      `Route ${config.publicBaseUrl} to this agent's port (${config.port}); GET /health must answer {"status":"ok"}`);
  } catch (err) {
    return warn(`Could not reach ${url} from this machine (${errorMessage(err)}). Many networks do not let a server reach its own public address, so Twilio may still reach it`,
      `Open ${url} from outside (a phone on mobile data, or curl from another network); it must answer {"status":"ok"}. If not, check DNS, TLS, the proxy or the tunnel`);
  }
}

/** The schema this code expects, against what the database was migrated to. */
export async function checkMigrations(db: DataSource): Promise<CheckOutcome> {
  const table = db.options.migrationsTableName ?? 'migrations';
  const known = db.migrations.map((m) => m.name ?? m.constructor.name);
  let applied: string[];
  try {
    applied = (await queryRows<{ name: string }>(db, `SELECT name FROM "${table}"`)).map((r) => r.name);
  } catch (err) {
    return fail(`The migrations table cannot be read (${errorMessage(err)}): the database was never migrated`, 'Start the api or the worker once: each migrates the database at boot');
  }
  const pending = known.filter((name) => !applied.includes(name));
  const unknown = applied.filter((name) => !known.includes(name));
  if (pending.length > 0) return fail(`${pending.length} migration(s) not applied: ${pending.join(', ')}`, 'Restart the api or the worker with this version: each migrates the database at boot (under a lock)');
  if (unknown.length > 0) return warn(`The database has migrations this version does not know (${unknown.join(', ')}): a newer version migrated it`, 'Run the same version of the agent in every process');
  return ok(`All ${known.length} migrations applied`);
}

/** A cheap call through the same client and endpoint the agent uses: the model list. */
export async function checkLlm(config: AppConfig, timeoutMs: number): Promise<CheckOutcome> {
  const { apiKey, baseUrl, model } = config.openai;
  if (!apiKey) return skip('No OPENAI_API_KEY: the agent runs in menu mode and says no language model is configured');
  const endpoint = baseUrl ?? 'https://api.openai.com/v1';
  const client = new OpenAI({ apiKey, baseURL: baseUrl, maxRetries: 0, timeout: timeoutMs });
  try {
    const models = (await client.models.list()).data.map((m) => m.id);
    if (models.length > 0 && !models.includes(model)) {
      return warn(`${endpoint} answered, but OPENAI_MODEL ${model} is not among its ${models.length} models: replies would fail`, 'Set OPENAI_MODEL to a model the endpoint offers and restart the worker');
    }
    return ok(`${endpoint} answered; model ${model}`);
  } catch (err) {
    const status = (err as { status?: number }).status;
    if (status === 401 || status === 403) {
      return fail(`${endpoint} rejected the API key (${status}): turns pause the integration (llm_auth_failed)`, 'Set a valid OPENAI_API_KEY, restart the worker, then POST /api/integrations/:id/resume for paused integrations');
    }
    // Some OpenAI-compatible servers have no model list: it answered, which is what this check asks.
    if (status === 404) return ok(`${endpoint} answered (it lists no models); model ${model}`);
    const reason = status ? `answered ${status}` : `did not answer (${errorMessage(err)})`;
    return fail(`${endpoint} ${reason}: replies fall back to an apology and a hand-off to a person`, 'Check OPENAI_BASE_URL, the provider\'s status page and the network from the worker');
  }
}

/** A paused integration sends nothing until resumed; its turns wait durably. */
export async function checkIntegrationStatus(db: DataSource, integration: IntegrationEntity): Promise<CheckOutcome> {
  const [row] = await queryRows<{ waiting: number }>(db, `SELECT count(*)::int AS waiting FROM waiting_turns WHERE integration_id = $1`, [integration.id]);
  const waiting = row?.waiting ?? 0;
  if (integration.status === 'paused') {
    return fail(`Paused (last changed ${integration.updatedAt.toISOString()}): ${integration.pausedReason ?? 'no reason recorded'}; ${waiting} reply turn(s) waiting`,
      `Fix the cause above, then POST /api/integrations/${integration.id}/resume: every waiting reply goes out, in order`);
  }
  return ok(`Active${waiting > 0 ? `; ${waiting} reply turn(s) still registered as waiting` : ''}`);
}

export function checkSendRate(config: AppConfig): CheckOutcome {
  return ok(`Twilio sends limited to ${config.twilioSendsPerSecond} per second across all workers (TWILIO_SENDS_PER_SECOND); a 429 is retried after Twilio's Retry-After`);
}

/** What went wrong lately: unacknowledged alerts, failed deliveries, messages still waiting for Temporal. */
export async function checkRecentErrors(db: DataSource): Promise<CheckOutcome> {
  const alerts = await queryRows<{ kind: string; message: string; created_at: Date; total: number }>(
    db,
    `SELECT kind, message, created_at, count(*) OVER ()::int AS total FROM alerts
     WHERE acknowledged_at IS NULL AND created_at > now() - interval '24 hours' ORDER BY created_at DESC LIMIT 3`,
  );
  const failed = await queryRows<{ error_code: string | null; n: number }>(
    db,
    `SELECT error_code, count(*)::int AS n FROM messages
     WHERE direction = 'outbound' AND delivery_status IN ('failed', 'undelivered') AND created_at > now() - interval '24 hours'
     GROUP BY error_code ORDER BY n DESC LIMIT 5`,
  );
  const [inbox] = await queryRows<{ n: number }>(db, `SELECT count(*)::int AS n FROM inbox_events WHERE status = 'pending' AND received_at < now() - interval '1 minute'`);
  const findings: string[] = [];
  const fixes: string[] = [];
  if (alerts.length > 0) {
    const latest = alerts.map((a) => `${a.kind} at ${new Date(a.created_at).toISOString()}: ${truncate(a.message)}`).join(' | ');
    findings.push(`${alerts[0]!.total} unacknowledged alert(s) in the last 24 h (latest: ${latest})`);
    fixes.push('read GET /api/alerts and acknowledge what is handled (POST /api/alerts/:id/ack)');
  }
  if (failed.length > 0) {
    const total = failed.reduce((sum, f) => sum + f.n, 0);
    findings.push(`${total} message(s) not delivered in the last 24 h (error codes: ${failed.map((f) => `${f.error_code ?? 'none'} ×${f.n}`).join(', ')})`);
    fixes.push("look the codes up in Twilio's error dictionary (63016: outside the 24-hour window, set a templateContentSid)");
  }
  if ((inbox?.n ?? 0) > 0) {
    findings.push(`${inbox!.n} customer message(s) waiting in the inbox for Temporal for over a minute`);
    fixes.push('see the Temporal check above');
  }
  if (findings.length === 0) return ok('No unacknowledged alert, failed delivery or waiting message in the last 24 h');
  const fix = fixes.join('; ');
  return warn(findings.join('; '), fix.charAt(0).toUpperCase() + fix.slice(1));
}

const truncate = (text: string) => (text.length > 120 ? `${text.slice(0, 120)}…` : text);
