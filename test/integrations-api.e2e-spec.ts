import { randomUUID } from 'node:crypto';
import { ACCOUNT_SID, ADMIN_KEY, AUTH_TOKEN, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';

/**
 * The admin API for integrations over real HTTP: API-key guard, secrets never leaving the server,
 * credentials verified against Twilio (emulated), encryption at rest, token rotation as the webhook
 * sees it, resume. Runs on PostgreSQL when DATABASE_URL is set, else on the embedded database.
 */
describe('integrations admin API', () => {
  let t: TestApp;

  const SECOND_SID = `AC${'b2'.repeat(16)}`;
  const SECOND_TOKEN = 'token-second-account-0123';
  const UNKNOWN_SID = `AC${'c3'.repeat(16)}`;
  const ROTATED_TOKEN = 'token-rotated-9876543210';

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  type Row = { id: string; auth_token_encrypted: string; previous_auth_token_encrypted: string | null; status: string };
  const rowsFor = (accountSid: string): Promise<Row[]> => t.db.query(`SELECT * FROM integrations WHERE account_sid = $1`, [accountSid]);
  const countIntegrations = async () => (await t.db.query(`SELECT count(*)::int AS n FROM integrations`))[0].n as number;

  /** Every key, at any depth, that names a secret; `authTokenRotating` is a flag, not a secret. */
  function secretKeys(value: unknown): string[] {
    if (Array.isArray(value)) return value.flatMap(secretKeys);
    if (!value || typeof value !== 'object') return [];
    return Object.entries(value).flatMap(([key, inner]) => [
      ...(/token|secret|password/i.test(key) && key !== 'authTokenRotating' ? [key] : []),
      ...secretKeys(inner),
    ]);
  }

  /** Reads a JSON response and checks that no token, by value or by field name, is in it. */
  async function bodyWithoutSecrets(res: Response, ...tokens: string[]) {
    const text = await res.text();
    for (const token of [AUTH_TOKEN, ...tokens]) expect(text).not.toContain(token);
    const body = JSON.parse(text);
    expect(secretKeys(body)).toEqual([]);
    return body;
  }

  test('every admin endpoint answers 401 without the admin key; /health stays public', async () => {
    const id = randomUUID();
    const endpoints: [string, string, unknown?][] = [
      ['GET', '/api/integrations'],
      ['GET', `/api/integrations/${id}`],
      ['POST', '/api/integrations', { name: 'X', accountSid: SECOND_SID, authToken: SECOND_TOKEN, phoneNumber: '+14155550123' }],
      ['PATCH', `/api/integrations/${t.integrationId}`, { name: 'Hijacked' }],
      ['POST', `/api/integrations/${t.integrationId}/resume`],
      ['GET', `/api/conversations/${newConversationSid()}`],
    ];
    for (const [method, path, body] of endpoints) {
      for (const key of [null, 'wrong-key', `${ADMIN_KEY}x`, '']) {
        const res = await t.api(method, path, body, key);
        expect({ method, path, key, status: res.status }).toEqual({ method, path, key, status: 401 });
        expect(await res.json()).toMatchObject({ error: 'unauthorized' });
      }
    }
    expect(await countIntegrations()).toBe(1);
    const [{ name }] = await t.db.query(`SELECT name FROM integrations WHERE id = $1`, [t.integrationId]);
    expect(name).toBe('Default');

    const health = await fetch(`${t.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });

  test('the default integration from TWILIO_* is listed, without its token', async () => {
    const res = await t.api('GET', '/api/integrations');
    expect(res.status).toBe(200);
    const list = await bodyWithoutSecrets(res);
    expect(list).toEqual([
      expect.objectContaining({ id: t.integrationId, kind: 'twilio', status: 'active', accountSid: ACCOUNT_SID, phoneNumber: 'whatsapp:+14155238886', authTokenRotating: false }),
    ]);

    const one = await t.api('GET', `/api/integrations/${t.integrationId}`);
    expect(one.status).toBe(200);
    expect(await bodyWithoutSecrets(one)).toEqual(list[0]);
  });

  test('the auth token is stored encrypted', async () => {
    const [row] = await rowsFor(ACCOUNT_SID);
    expect(row!.auth_token_encrypted.startsWith('v1:')).toBe(true);
    expect(row!.auth_token_encrypted).not.toContain(AUTH_TOKEN);
    expect(row!.auth_token_encrypted).not.toContain(Buffer.from(AUTH_TOKEN).toString('base64'));
    expect(JSON.stringify(row)).not.toContain(AUTH_TOKEN);
  });

  test('creating with credentials Twilio rejects is a 422 and saves nothing', async () => {
    const before = await countIntegrations();
    const unknownAccount = await t.api('POST', '/api/integrations', { name: 'Nope', accountSid: UNKNOWN_SID, authToken: 'token-nobody-knows-000', phoneNumber: '+14155550199' });
    expect(unknownAccount.status).toBe(422);
    expect(await unknownAccount.json()).toMatchObject({ error: 'twilio_credentials_rejected' });
    // An account Twilio knows, with the wrong token.
    const knownSid = `AC${'e5'.repeat(16)}`;
    t.twilio.addAccount(knownSid, 'token-right-0000000000');
    const wrongToken = await t.api('POST', '/api/integrations', { name: 'Nope', accountSid: knownSid, authToken: 'token-wrong-0000000000', phoneNumber: '+14155550199' });
    expect(wrongToken.status).toBe(422);
    expect(await wrongToken.json()).toMatchObject({ error: 'twilio_credentials_rejected' });

    expect(await rowsFor(UNKNOWN_SID)).toEqual([]);
    expect(await rowsFor(knownSid)).toEqual([]);
    expect(await countIntegrations()).toBe(before);
  });

  test('invalid input is a 400 that lists the fields', async () => {
    const fieldsOf = async (res: Response) => {
      const body = (await res.json()) as { error: string; problems: { field: string }[] };
      expect({ status: res.status, error: body.error }).toEqual({ status: 400, error: 'invalid_request' });
      return body.problems.map((p) => p.field).sort();
    };
    const before = await countIntegrations();
    expect(await fieldsOf(await t.api('POST', '/api/integrations', { name: 'Bad', accountSid: 'AC123', authToken: 'long-enough-token' }))).toEqual(['accountSid', 'phoneNumber']);
    // PATCH is strict: the account cannot be changed, and unknown fields are refused.
    expect(await fieldsOf(await t.api('PATCH', `/api/integrations/${t.integrationId}`, { phoneNumber: '12345', accountSid: SECOND_SID }))).toEqual(['(body)', 'phoneNumber']);
    expect(await countIntegrations()).toBe(before);
  });

  test('a new account Twilio accepts is created, with its pre-webhook pointed at the agent', async () => {
    t.twilio.addAccount(SECOND_SID, SECOND_TOKEN);
    const res = await t.api('POST', '/api/integrations', { name: 'Second shop', accountSid: SECOND_SID, authToken: SECOND_TOKEN, phoneNumber: '+14155550123', configureWebhook: true });
    expect(res.status).toBe(201);
    const created = await bodyWithoutSecrets(res, SECOND_TOKEN);
    expect(created).toMatchObject({ name: 'Second shop', kind: 'twilio', status: 'active', accountSid: SECOND_SID, phoneNumber: 'whatsapp:+14155550123', webhookConfigured: true });
    expect(created.id).not.toBe(t.integrationId);

    expect(t.twilio.webhookConfiguration(SECOND_SID)).toMatchObject({
      preWebhookUrl: 'https://agent.example.test/api/twilio/webhook',
      postWebhookUrl: 'https://agent.example.test/api/twilio/webhook',
      filters: ['onMessageAdd', 'onDeliveryUpdated'],
      method: 'POST',
    });
    const [row] = await rowsFor(SECOND_SID);
    expect(row!.id).toBe(created.id);
    expect(row!.auth_token_encrypted).toMatch(/^v1:/);
    expect(row!.auth_token_encrypted).not.toContain(SECOND_TOKEN);
    await bodyWithoutSecrets(await t.api('GET', `/api/integrations/${created.id}`), SECOND_TOKEN);
  });

  test('the same account cannot be added twice: one row, and a 409 rather than a 500', async () => {
    const [before] = await rowsFor(SECOND_SID);
    const again = await t.api('POST', '/api/integrations', { name: 'Second shop again', accountSid: SECOND_SID, authToken: SECOND_TOKEN, phoneNumber: '+14155550124' });
    expect(await rowsFor(SECOND_SID)).toEqual([before]);
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: 'integration_exists' });
  });

  test('two concurrent connects of one account: one is created, the other is a 409, not a 500', async () => {
    const sid = `AC${'d4'.repeat(16)}`;
    t.twilio.addAccount(sid, 'token-concurrent-0123456');
    const input = { name: 'Raced', accountSid: sid, authToken: 'token-concurrent-0123456', phoneNumber: '+14155550125' };
    const responses = await Promise.all([t.api('POST', '/api/integrations', input), t.api('POST', '/api/integrations', input)]);
    expect(await rowsFor(sid)).toHaveLength(1);
    expect(responses.map((r) => r.status).sort()).toEqual([201, 409]);
  });

  test('PATCH with a token Twilio rejects is a 422 and keeps the stored token', async () => {
    const [before] = await rowsFor(ACCOUNT_SID);
    const res = await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: 'token-twilio-rejects-00' });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ error: 'twilio_credentials_rejected' });
    const [after] = await rowsFor(ACCOUNT_SID);
    expect(after).toEqual(before);
    // The webhook still authenticates with the stored token.
    expect((await t.webhook(messageEvent({ ConversationSid: newConversationSid(), EventType: 'onConversationAdded' }))).status).toBe(200);
  });

  test('rotating the token: both the new and the old token sign webhooks during the window', async () => {
    t.twilio.setAuthToken(ACCOUNT_SID, ROTATED_TOKEN);
    try {
      const res = await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: ROTATED_TOKEN });
      expect(res.status).toBe(200);
      expect(await bodyWithoutSecrets(res, ROTATED_TOKEN)).toMatchObject({ id: t.integrationId, authTokenRotating: true, webhookConfigured: false });

      const [row] = await rowsFor(ACCOUNT_SID);
      expect(row!.auth_token_encrypted).toMatch(/^v1:/);
      expect(row!.previous_auth_token_encrypted).toMatch(/^v1:/);
      expect(JSON.stringify(row)).not.toContain(ROTATED_TOKEN);
      expect(JSON.stringify(row)).not.toContain(AUTH_TOKEN);

      const signedNew = newConversationSid();
      const signedOld = newConversationSid();
      const responses = [
        await t.webhook(messageEvent({ ConversationSid: signedNew, Body: 'signed with the new token' }), { authToken: ROTATED_TOKEN }),
        await t.webhook(messageEvent({ ConversationSid: signedOld, Body: 'signed with the old token' }), { authToken: AUTH_TOKEN }),
        await t.webhook(messageEvent({ ConversationSid: newConversationSid() }), { authToken: 'token-unrelated-55555555' }),
      ];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 403]);
      // Both were accepted for real, and the replies go out to Twilio with the new token.
      await t.twilio.waitForMessages(1, { conversationSid: signedNew, timeoutMs: 20_000 });
      await t.twilio.waitForMessages(1, { conversationSid: signedOld, timeoutMs: 20_000 });
    } finally {
      t.twilio.setAuthToken(ACCOUNT_SID, AUTH_TOKEN);
      const restored = await t.api('PATCH', `/api/integrations/${t.integrationId}`, { authToken: AUTH_TOKEN });
      expect(restored.status).toBe(200);
    }
  });

  test('resume sets a paused integration active; unknown id is 404, a non-uuid 400', async () => {
    await t.db.query(`UPDATE integrations SET status = 'paused', paused_reason = 'test pause' WHERE id = $1`, [t.integrationId]);
    const res = await t.api('POST', `/api/integrations/${t.integrationId}/resume`);
    expect(res.status).toBe(200);
    expect(await bodyWithoutSecrets(res)).toMatchObject({ id: t.integrationId, status: 'active', pausedReason: null });
    expect((await rowsFor(ACCOUNT_SID))[0]!.status).toBe('active');

    const unknown = await t.api('POST', `/api/integrations/${randomUUID()}/resume`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: 'integration_not_found' });
    expect((await t.api('POST', '/api/integrations/not-a-uuid/resume')).status).toBe(400);
    expect((await t.api('GET', `/api/integrations/${randomUUID()}`)).status).toBe(404);
  });
});
