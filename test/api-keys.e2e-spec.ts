import { startTestApp, type TestApp } from './support/test-app';

/** API keys with roles over real HTTP: created by an administrator, stored hashed, shown once, revocable. */
describe('API keys and roles', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  const createKey = async (body: unknown, key?: string) => t.api('POST', '/api/keys', body, key);

  test('an administrator creates an agent key, shown once and stored only as a digest', async () => {
    const res = await createKey({ name: 'Dana', role: 'agent' });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; key: string; prefix: string; role: string; name: string };
    expect(created).toMatchObject({ name: 'Dana', role: 'agent', prefix: created.key.slice(0, 12), revokedAt: null });
    expect(created.key).toMatch(/^wa_agent_[\w-]{32}$/);

    const rows: { key_hash: string }[] = await t.db.query(`SELECT key_hash FROM api_keys WHERE id = $1`, [created.id]);
    expect(rows[0]!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(await t.db.query(`SELECT * FROM api_keys`))).not.toContain(created.key);

    const list = (await (await t.api('GET', '/api/keys')).json()) as { keys: Record<string, unknown>[] };
    const listed = list.keys.find((k) => k.id === created.id)!;
    expect(listed).toMatchObject({ name: 'Dana', role: 'agent' });
    expect(JSON.stringify(list)).not.toContain(created.key);
    expect(Object.keys(listed).sort()).toEqual(['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'role']);

    const me = await t.api('GET', '/api/me', undefined, created.key);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ id: created.id, name: 'Dana', role: 'agent' });
  });

  test('an agent reaches the agent endpoints and nothing that administers', async () => {
    const { key } = (await (await createKey({ name: 'Sam', role: 'agent' })).json()) as { key: string };
    expect((await t.api('GET', '/api/conversations', undefined, key)).status).toBe(200);
    for (const [method, path, body] of [
      ['GET', '/api/integrations'],
      ['GET', '/api/alerts'],
      ['GET', '/api/keys'],
      ['POST', '/api/keys', { name: 'Escalated', role: 'admin' }],
    ] as const) {
      const res = await t.api(method, path, body, key);
      expect([path, res.status]).toEqual([path, 403]);
      expect(await res.json()).toMatchObject({ error: 'forbidden' });
    }
  });

  test('an admin key created through the API can administer', async () => {
    const { key } = (await (await createKey({ name: 'Ops', role: 'admin' })).json()) as { key: string };
    expect((await t.api('GET', '/api/integrations', undefined, key)).status).toBe(200);
    expect((await createKey({ name: 'Another', role: 'agent' }, key)).status).toBe(201);
  });

  test('a revoked key is refused at once; unknown, missing and malformed keys too', async () => {
    const { id, key } = (await (await createKey({ name: 'Leaver', role: 'agent' })).json()) as { id: string; key: string };
    expect((await t.api('GET', '/api/me', undefined, key)).status).toBe(200);
    expect((await t.api('DELETE', `/api/keys/${id}`)).status).toBe(204);
    expect((await t.api('DELETE', `/api/keys/${id}`)).status).toBe(204);
    const refused = await t.api('GET', '/api/me', undefined, key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: 'unauthorized' });
    const listed = ((await (await t.api('GET', '/api/keys')).json()) as { keys: { id: string; revokedAt: string | null }[] }).keys.find((k) => k.id === id);
    expect(listed?.revokedAt).toEqual(expect.any(String));

    expect((await t.api('GET', '/api/me', undefined, 'wa_agent_not-a-real-key-0000000000000')).status).toBe(401);
    expect((await t.api('GET', '/api/me', undefined, null)).status).toBe(401);
    expect((await fetch(`${t.url}/api/me`, { headers: { authorization: 'Basic abc' } })).status).toBe(401);
    expect((await t.api('DELETE', '/api/keys/00000000-0000-4000-8000-000000000000')).status).toBe(404);
  });

  test('bad input gets a clear 400', async () => {
    for (const body of [{}, { name: '', role: 'agent' }, { name: 'X', role: 'owner' }, { name: 'X', role: 'agent', extra: 1 }]) {
      const res = await createKey(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'invalid_request', problems: expect.any(Array) });
    }
  });
});
