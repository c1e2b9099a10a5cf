import { seedCustomers } from './support/crm-seed';
import { eventually } from './support/eventually';
import { startTestApp, type TestApp } from './support/test-app';

type Entry = { actorName: string; actorRole: string; method: string; route: string; path: string; status: number; outcome: string; ip: string | null };

/** The audit log over real HTTP: who changed what, when and from where; refusals too; never a body. */
describe('audit log', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('changes, refusals and exports are recorded with who, what, when and from where; reads and bodies are not', async () => {
    const since = new Date().toISOString();
    const created = await t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' });
    const agentKey = ((await created.json()) as { key: string }).key;
    const [customer] = await seedCustomers(t.db, t.integrationId, [{ name: 'Audited' }]);
    expect((await t.api('PATCH', `/api/customers/${customer!.id}`, { name: 'Audited Twice' }, agentKey)).status).toBe(200);
    expect((await t.api('POST', '/api/campaigns', { name: 'x' }, agentKey)).status).toBe(403);
    expect((await t.api('GET', '/api/audit', undefined, agentKey)).status).toBe(403);
    expect((await t.api('POST', '/api/webhooks', { url: 'https://93.184.216.34/hooks', events: ['*'], secret: 'super-secret-value-123' })).status).toBe(201);
    expect((await t.api('GET', `/api/customers/${customer!.id}/export`)).status).toBe(200);
    expect((await t.api('GET', `/api/customers/${customer!.id}`)).status).toBe(200);

    const read = async () => (await (await t.api('GET', `/api/audit?since=${encodeURIComponent(since)}`)).json()) as Entry[];
    const entries = await eventually(read, (e) => e.length >= 6);
    const summary = entries.map((e) => `${e.actorRole}:${e.actorName} ${e.method} ${e.route} ${e.status} ${e.outcome}`).reverse();
    expect(summary).toEqual([
      'admin:admin POST /api/keys 201 ok',
      'agent:Dana PATCH /api/customers/:id 200 ok',
      'agent:Dana POST /api/campaigns 403 refused',
      'agent:Dana GET /api/audit 403 refused',
      'admin:admin POST /api/webhooks 201 ok',
      'admin:admin GET /api/customers/:id/export 200 ok',
    ]);
    expect(entries.every((e) => e.ip)).toBe(true);
    expect(entries.find((e) => e.method === 'PATCH')!.path).toBe(`/api/customers/${customer!.id}`);
    expect(JSON.stringify(await t.db.query(`SELECT * FROM audit_log`))).not.toContain('super-secret-value-123');
    expect((await t.api('GET', '/api/audit?limit=5000')).status).toBe(400);
  });
});
