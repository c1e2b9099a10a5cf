import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import type { IntegrationEntity } from '../integrations/integration.entity';
import { IntegrationsService, type ResolvedIntegration } from '../integrations/integrations.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { TwilioClients } from '../twilio/twilio-clients.service';
import { taskQueues } from '../../workflows/definitions';
import { CHECK_TIMEOUT_MS, type CheckOutcome, type DiagnosticCheck, errorMessage, fail, overallVerdict, runCheck, skip, withoutSecrets } from './diagnostic-check';
import { checkIntegrationStatus, checkLlm, checkMigrations, checkPublicUrl, checkRecentErrors, checkSendRate, PUBLIC_URL_TIMEOUT_MS } from './platform-checks';
import { checkPollers, checkSearchAttributes, checkTemporal, startTemporalFix } from './temporal-checks';
import { checkCredentials, checkSignature, checkWebhookConfiguration, REACH_TWILIO_FIX, unreadableToken } from './twilio-checks';

export interface DiagnosticsReport {
  /** The worst verdict of the checks: `fail` when something stops the agent from answering. */
  verdict: 'ok' | 'warn' | 'fail';
  checkedAt: string;
  checks: DiagnosticCheck[];
}

/**
 * The troubleshooting list, run against the live dependencies: the public URL, each integration's
 * Twilio set-up (webhook, credentials, signatures, pause), Temporal and its workers, the database
 * schema, the language model, and what went wrong lately. Every check is bounded in time and none
 * throws, so one broken dependency never hides the verdict on the others. Secrets never appear.
 */
@Injectable()
export class DiagnosticsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly integrations: IntegrationsService,
    private readonly twilio: TwilioClients,
    private readonly temporal: TemporalClientService,
  ) {}

  async run(): Promise<DiagnosticsReport> {
    const config = this.config;
    const integrations = await this.integrations.list().then(
      (list) => ({ list }),
      (err: unknown) => ({ list: [] as IntegrationEntity[], error: errorMessage(err) }),
    );
    const resolved = await Promise.all(integrations.list.map((i) => this.integrations.resolveById(i.id).catch((err: unknown) => ({ integration: i, error: err }))));
    const hasTwilioNumber = integrations.list.some((i) => i.kind === 'twilio');

    const checks = (await Promise.all([
      runCheck('public-url', 'Public URL reachable', () => checkPublicUrl(config, hasTwilioNumber), { timeoutMs: PUBLIC_URL_TIMEOUT_MS }),
      ...('error' in integrations ? [runCheck('integrations', 'Integrations readable', async () => fail(`Could not read the integrations: ${integrations.error}`, 'See the database checks below'))] : []),
      ...resolved.flatMap((r) => this.integrationChecks(r)),
      this.temporalChecks(),
      runCheck('migrations', 'Database migrations current', () => checkMigrations(this.db)),
      runCheck('llm', 'Language model reachable', () => checkLlm(config, CHECK_TIMEOUT_MS - 500)),
      runCheck('send-rate', 'Send rate limit', async () => checkSendRate(config)),
      runCheck('recent-errors', 'Recent errors', () => checkRecentErrors(this.db)),
    ])).flat();

    const secrets = [
      config.openai.apiKey, config.twilio.authToken, config.adminApiKey, config.credentialsKey, config.temporal.apiKey, config.stripe.secretKey, config.stripe.webhookSecret, config.metrics.token,
      ...resolved.flatMap((r) => ('signingTokens' in r ? r.signingTokens : [])),
    ];
    const safe = checks.map((c) => withoutSecrets(c, secrets));
    return { verdict: overallVerdict(safe), checkedAt: new Date().toISOString(), checks: safe };
  }

  /** Temporal first: when it does not answer, the checks that need it say so instead of each timing out. */
  private async temporalChecks(): Promise<DiagnosticCheck[]> {
    const { config } = this;
    const connection = this.temporal.connection;
    const queues = taskQueues(config.temporal.taskQueue);
    const reachable = await runCheck('temporal', 'Temporal reachable', () => checkTemporal(connection, config), { timeoutFix: startTemporalFix(config) });
    const dependent: [string, string, () => Promise<CheckOutcome>][] = [
      ['search-attributes', 'Search attributes registered', () => checkSearchAttributes(connection, config)],
      ['workers:conversations', `Workers polling ${queues.conversations}`, () => checkPollers(connection, config, { name: queues.conversations, kind: 'conversations' })],
      ['workers:sends', `Workers polling ${queues.sends}`, () => checkPollers(connection, config, { name: queues.sends, kind: 'sends' })],
    ];
    if (reachable.verdict === 'fail') return [reachable, ...dependent.map(([id, title]) => ({ id, title, ...skip('Not checked: Temporal does not answer (see above)') }))];
    return [reachable, ...(await Promise.all(dependent.map(([id, title, body]) => runCheck(id, title, body))))];
  }

  /** Per integration: is it active, and (for a Twilio number) what Twilio holds about it. */
  private integrationChecks(r: ResolvedIntegration | { integration: IntegrationEntity; error: unknown }): Promise<DiagnosticCheck>[] {
    const { integration: i } = r;
    const name = `(${i.name})`;
    const status = runCheck(`integration:${i.id}`, `Integration active ${name}`, () => checkIntegrationStatus(this.db, i));
    const ids = { credentials: `twilio-credentials:${i.id}`, webhook: `twilio-webhook:${i.id}`, signature: `webhook-signature:${i.id}` };
    const titles = { credentials: `Twilio credentials valid ${name}`, webhook: `Twilio webhook configured ${name}`, signature: `Webhook signature self-test ${name}` };
    if ('error' in r) {
      const broken = unreadableToken(i, r.error);
      return [status, ...(['credentials', 'webhook', 'signature'] as const).map((k) => runCheck(ids[k], titles[k], async () => broken))];
    }
    const signature = runCheck(ids.signature, titles.signature, async () => checkSignature(this.config, r));
    if (i.kind === 'sandbox') {
      const sandbox = skip('The sandbox integration has no Twilio account: its messages come from npm run chat');
      return [status, runCheck(ids.credentials, titles.credentials, async () => sandbox), runCheck(ids.webhook, titles.webhook, async () => sandbox), signature];
    }
    const context = { config: this.config, resolved: r, client: this.twilio.get(i.accountSid, r.authToken) };
    return [
      status,
      runCheck(ids.credentials, titles.credentials, () => checkCredentials(context), { timeoutFix: REACH_TWILIO_FIX }),
      runCheck(ids.webhook, titles.webhook, () => checkWebhookConfiguration(context), { timeoutFix: REACH_TWILIO_FIX }),
      signature,
    ];
  }
}
