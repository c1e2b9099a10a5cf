import type { DiagnosticCheck } from '../src/diagnostics/diagnostic-check';
import type { DiagnosticsReport } from '../src/diagnostics/diagnostics.service';
import { formatChecks } from '../src/diagnostics/format-checks';
import { createTwilioClient } from '../src/twilio/twilio-client.factory';
import { eventually } from './support/eventually';
import { ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, startTestApp, type TestApp } from './support/test-app';

const OUR_WEBHOOK = `${PUBLIC_BASE_URL}/api/twilio/webhook`;

/**
 * The doctor against the real application and a fake Twilio: a correct set-up passes every Twilio
 * check; each misconfiguration (wrong webhook URL, missing filter, rejected token, model down, a
 * paused integration, no worker) is named by exactly the check it breaks, with the fix to apply.
 */
describe('diagnostics (npm run doctor, GET /api/diagnostics)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  async function diagnose(app: TestApp = t): Promise<DiagnosticsReport> {
    const res = await app.api('GET', '/api/diagnostics');
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const secret of [AUTH_TOKEN, app.env.CREDENTIALS_KEY!, app.env.ADMIN_API_KEY!]) expect(text).not.toContain(secret);
    return JSON.parse(text) as DiagnosticsReport;
  }
  const check = (report: DiagnosticsReport, id: string): DiagnosticCheck => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`No check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
    return found;
  };
  const verdicts = (report: DiagnosticsReport, ids: string[]) => Object.fromEntries(ids.map((id) => [id, check(report, id).verdict]));
  const twilioIds = () => [`twilio-credentials:${t.integrationId}`, `twilio-webhook:${t.integrationId}`, `webhook-signature:${t.integrationId}`, `integration:${t.integrationId}`];
  /** Changes the webhook configuration as someone in the Twilio Console would. */
  const setWebhooks = (changes: { preWebhookUrl?: string; filters?: string[] }) =>
    createTwilioClient(ACCOUNT_SID, AUTH_TOKEN, t.twilio.baseUrl).conversations.v1.configuration.webhooks().update(changes);
  const configureWebhook = async () => expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { configureWebhook: true })).status).toBe(200);

  /** After configureWebhook, once the worker polls: the state every misconfiguration starts from. */
  const healthyReport = async () => {
    await configureWebhook();
    return eventually(diagnose, (r) => check(r, 'workers:conversations').verdict === 'ok' && check(r, 'workers:sends').verdict === 'ok', 30_000);
  };

  test('only administrators may run it', async () => {
    expect((await t.api('GET', '/api/diagnostics', undefined, null)).status).toBe(401);
  });

  test('a correctly configured deployment: every Twilio check, Temporal, workers, schema and model are ok', async () => {
    const report = await healthyReport();
    expect(verdicts(report, [...twilioIds(), 'temporal', 'search-attributes', 'workers:conversations', 'workers:sends', 'migrations', 'llm', 'send-rate'])).toEqual(
      Object.fromEntries([...twilioIds(), 'temporal', 'search-attributes', 'workers:conversations', 'workers:sends', 'migrations', 'llm', 'send-rate'].map((id) => [id, 'ok'])),
    );
    expect(check(report, `twilio-webhook:${t.integrationId}`).detail).toContain(OUR_WEBHOOK);
    // agent.example.test exists nowhere: the public URL cannot be reached from inside, which is only a warning.
    expect(check(report, 'public-url')).toMatchObject({ verdict: 'warn', fix: expect.stringContaining('/health') });
    expect(report.verdict).toBe('warn');
    for (const c of report.checks) expect(Object.keys(c).sort()).toEqual(['detail', 'fix', 'id', 'title', 'verdict']);
  }, 60_000);

  test('a wrong pre-webhook URL fails the webhook check, and only it, with configureWebhook as the fix', async () => {
    await setWebhooks({ preWebhookUrl: 'https://old-host.example.test/hooks/twilio' });
    const report = await diagnose();
    const webhook = check(report, `twilio-webhook:${t.integrationId}`);
    expect(webhook.verdict).toBe('fail');
    expect(webhook.detail).toContain('pre-webhook URL is https://old-host.example.test/hooks/twilio');
    expect(webhook.detail).toContain(OUR_WEBHOOK);
    expect(webhook.fix).toContain(`PATCH /api/integrations/${t.integrationId} {"configureWebhook": true}`);
    expect(verdicts(report, [`twilio-credentials:${t.integrationId}`, `webhook-signature:${t.integrationId}`])).toEqual({
      [`twilio-credentials:${t.integrationId}`]: 'ok', [`webhook-signature:${t.integrationId}`]: 'ok',
    });
    expect(report.verdict).toBe('fail');
  });

  test('filters without onMessageAdd fail the webhook check; applying the fix makes it ok', async () => {
    await configureWebhook();
    await setWebhooks({ filters: ['onDeliveryUpdated'] });
    const webhook = check(await diagnose(), `twilio-webhook:${t.integrationId}`);
    expect(webhook).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('lack onMessageAdd') });
    expect(webhook.detail).not.toContain('URL');
    expect(webhook.fix).toContain('configureWebhook');

    // Delivery receipts missing is a warning: messages are still answered.
    await setWebhooks({ filters: ['onMessageAdd'] });
    expect(check(await diagnose(), `twilio-webhook:${t.integrationId}`)).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('onDeliveryUpdated') });

    await configureWebhook();
    expect(check(await diagnose(), `twilio-webhook:${t.integrationId}`).verdict).toBe('ok');
  });

  test('a token Twilio no longer accepts fails the credentials check with the rotation as the fix', async () => {
    t.twilio.setAuthToken(ACCOUNT_SID, 'token-rotated-in-console-42');
    try {
      const report = await diagnose();
      const credentials = check(report, `twilio-credentials:${t.integrationId}`);
      expect(credentials.verdict).toBe('fail');
      expect(credentials.detail).toContain('Twilio rejected');
      // The default integration takes its token from the environment, which wins at boot.
      expect(credentials.fix).toContain('TWILIO_AUTH_TOKEN');
      expect(credentials.fix).toContain(`POST /api/integrations/${t.integrationId}/resume`);
      // The webhook configuration cannot be read with a rejected token: not blamed on the webhook.
      expect(check(report, `twilio-webhook:${t.integrationId}`)).toMatchObject({ verdict: 'skip', detail: expect.stringContaining('credentials') });
      expect(JSON.stringify(report)).not.toContain('token-rotated-in-console-42');
    } finally {
      t.twilio.setAuthToken(ACCOUNT_SID, AUTH_TOKEN);
    }
  });

  test('the language model failing fails the model check', async () => {
    t.openai.failWhile({ status: 503, path: /\/models$/ });
    try {
      const llm = check(await diagnose(), 'llm');
      expect(llm).toMatchObject({ verdict: 'fail', detail: expect.stringContaining('answered 503'), fix: expect.stringContaining('OPENAI_BASE_URL') });
    } finally {
      t.openai.clearFailures();
    }
  });

  test('a paused integration and an unacknowledged alert are reported with what to do', async () => {
    await t.db.query(`UPDATE integrations SET status = 'paused', paused_reason = 'Twilio rejected the credentials (20003)' WHERE id = $1`, [t.integrationId]);
    await t.db.query(`INSERT INTO alerts (id, integration_id, kind, message) VALUES (gen_random_uuid(), $1, 'twilio_auth_failed', 'Integration paused')`, [t.integrationId]);
    try {
      const report = await diagnose();
      expect(check(report, `integration:${t.integrationId}`)).toMatchObject({
        verdict: 'fail', detail: expect.stringContaining('Twilio rejected the credentials (20003)'), fix: expect.stringContaining(`POST /api/integrations/${t.integrationId}/resume`),
      });
      expect(check(report, 'recent-errors')).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('twilio_auth_failed'), fix: expect.stringContaining('GET /api/alerts') });
    } finally {
      await t.api('POST', `/api/integrations/${t.integrationId}/resume`);
      await t.db.query(`UPDATE alerts SET acknowledged_at = now(), acknowledged_by = 'test'`);
    }
  });

  test('the doctor prints the same checks as a table, and exits 1 only on a failure', async () => {
    const report = await healthyReport();
    const table = formatChecks(report.checks);
    expect(table).toMatch(/^✓ Twilio credentials valid \(Default\)\s+Twilio accepted/m);
    expect(table).toMatch(/^! Public URL reachable\s+Could not reach/m);
    expect(table).toMatch(/^\s+fix: Open https:\/\/agent\.example\.test\/health/m);
    expect(table).toMatch(/\d+ ok, 1 warning\(s\), 0 failure\(s\), 0 skipped$/);

    // The command itself, built, runs in the fault suite (test/faults/doctor-cli.faults-spec.ts), which runs the build.
  });
});

describe('diagnostics of an api process without a worker', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ roles: { api: true, worker: false } });
  });
  afterAll(() => t?.close());

  test('no worker polls the task queues: a warning that says to start the worker', async () => {
    const report = (await (await t.api('GET', '/api/diagnostics')).json()) as DiagnosticsReport;
    for (const id of ['workers:conversations', 'workers:sends']) {
      expect(report.checks.find((c) => c.id === id)).toMatchObject({ verdict: 'warn', detail: expect.stringContaining('No worker polls'), fix: expect.stringContaining('Start the worker') });
    }
    expect(report.checks.find((c) => c.id === 'temporal')?.verdict).toBe('ok');
  });
});
