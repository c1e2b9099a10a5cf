import { eventually } from './support/eventually';
import { ACCOUNT_SID, AUTH_TOKEN, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { tokenAgeScheduleId } from '../workflows/token-age.workflow';
import { alertWorkflowId } from '../workflows/definitions';

/** A signed event the webhook answers 200 without starting anything: the signature check is all it shows. */
const signedWith = (t: TestApp, authToken: string) => t.webhook(messageEvent({ ConversationSid: newConversationSid(), EventType: 'onConversationAdded' }), { authToken });

/**
 * Operations: rotating an integration's Twilio auth token without downtime (the previous token signs
 * webhooks for TOKEN_ROTATION_WINDOW_MINUTES, then no more), the daily token-age alert, and the admin
 * API's per-key rate limit.
 */
describe('credentials rotation and token age', () => {
  let t: TestApp;
  const NEW_TOKEN = 'token-rotated-ops-0123456';
  const tokenSetAt = async () => new Date((await t.db.query(`SELECT auth_token_set_at FROM integrations WHERE id = $1`, [t.integrationId]))[0].auth_token_set_at as string);

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('after a rotation the previous token signs webhooks inside the window, and is refused after it', async () => {
    const before = await tokenSetAt();
    t.twilio.setAuthToken(ACCOUNT_SID, NEW_TOKEN);
    try {
      expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: NEW_TOKEN })).status).toBe(200);
      expect((await tokenSetAt()).getTime()).toBeGreaterThan(before.getTime());

      expect((await signedWith(t, AUTH_TOKEN)).status).toBe(200);
      expect((await signedWith(t, NEW_TOKEN)).status).toBe(200);

      // The window closes (moved in the database rather than waited for). Each api process may
      // still hold the integration for its few seconds of cache, then refuses.
      await t.db.query(`UPDATE integrations SET previous_auth_token_valid_until = now() - interval '1 second' WHERE id = $1`, [t.integrationId]);
      const refused = await eventually(async () => (await signedWith(t, AUTH_TOKEN)).status, (status) => status === 403, 10_000);
      expect(refused).toBe(403);
      expect((await signedWith(t, NEW_TOKEN)).status).toBe(200);
      const view = (await (await t.api('GET', `/api/integrations/${t.integrationId}`)).json()) as { authTokenRotating: boolean };
      expect(view.authTokenRotating).toBe(false);
    } finally {
      t.twilio.setAuthToken(ACCOUNT_SID, AUTH_TOKEN);
      expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: AUTH_TOKEN })).status).toBe(200);
    }
  });

  test('the daily schedule raises token_old once for a token older than TOKEN_MAX_AGE_DAYS', async () => {
    await t.db.query(`UPDATE integrations SET auth_token_set_at = now() - interval '100 days' WHERE id = $1`, [t.integrationId]);
    const handle = t.temporal.schedule.getHandle(tokenAgeScheduleId(t.config.temporal.taskQueue));
    const schedule = await eventually(() => handle.describe().catch(() => undefined), Boolean);
    expect(schedule!.action).toMatchObject({ type: 'startWorkflow', workflowType: 'tokenAgeCheck' });

    /** Triggers the schedule and returns the result of its `n`th run. */
    async function run(n: number) {
      await handle.trigger();
      const described = await eventually(() => handle.describe(), (d) => d.info.recentActions.length >= n, 30_000);
      const action = described.info.recentActions[n - 1]!.action;
      return t.temporal.workflow.getHandle(action.workflow.workflowId).result() as Promise<{ checked: number; old: number }>;
    }
    expect(await run(1)).toEqual({ checked: 1, old: 1 });
    expect(await run(2)).toEqual({ checked: 1, old: 1 });

    const alerts = (await (await t.api('GET', '/api/alerts?kind=token_old')).json()) as { id: string; integrationId: string; message: string }[];
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ integrationId: t.integrationId, message: expect.stringContaining('was set 100 days ago (limit 90)') });
    expect(alerts[0]!.message).not.toContain(AUTH_TOKEN);
    // Delivered durably, like every alert (ALERT_WEBHOOK_URL, staff).
    await expect(t.temporal.workflow.getHandle(alertWorkflowId(alerts[0]!.id)).result()).resolves.toBe('no_webhook_configured');

    // A rotation sets a new token: its age starts again, and the old token's incident is over.
    t.twilio.setAuthToken(ACCOUNT_SID, NEW_TOKEN);
    try {
      expect((await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: NEW_TOKEN })).status).toBe(200);
      expect(await run(3)).toEqual({ checked: 1, old: 0 });
    } finally {
      t.twilio.setAuthToken(ACCOUNT_SID, AUTH_TOKEN);
      await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: AUTH_TOKEN });
    }
  });
});

describe('admin API rate limit', () => {
  let t: TestApp;
  const LIMIT = 5;

  beforeAll(async () => {
    t = await startTestApp({ roles: { api: true, worker: false }, env: { ADMIN_RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
  });
  afterAll(() => t?.close());

  test('a key’s call beyond the limit in a minute gets 429 with Retry-After, audited once; other keys and webhooks go on', async () => {
    const key = async (name: string) => (await (await t.api('POST', '/api/keys', { name, role: 'agent' })).json()) as { id: string; key: string };
    const dana = await key('Dana');
    const omar = await key('Omar');

    for (let i = 0; i < LIMIT; i++) expect((await t.api('GET', '/api/me', undefined, dana.key)).status).toBe(200);
    const limited = await t.api('GET', '/api/me', undefined, dana.key);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await limited.json()).toMatchObject({ error: 'rate_limited' });
    expect((await t.api('GET', '/api/me', undefined, dana.key)).status).toBe(429);

    expect((await t.api('GET', '/api/me', undefined, omar.key)).status).toBe(200);
    for (let i = 0; i < LIMIT + 2; i++) expect((await signedWith(t, AUTH_TOKEN)).status).toBe(200);

    const audit = (await (await t.api('GET', `/api/audit?actorId=${dana.id}`)).json()) as { route: string; status: number; outcome: string }[];
    expect(audit).toEqual([expect.objectContaining({ route: '/api/me', status: 429, outcome: 'refused' })]);
  });
});
