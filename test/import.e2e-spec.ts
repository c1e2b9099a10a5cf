import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main as importCli } from '../scripts/import';
import { DEMO_SHOP_PATH } from '../src/import/import.service';
import { ADMIN_KEY, startTestApp, type TestApp } from './support/test-app';

const demo = JSON.parse(readFileSync(DEMO_SHOP_PATH, 'utf8')) as { settings: { businessName: string }; knowledge: unknown[]; products: { sku: string }[]; services: unknown[] };

/** What a business's data looks like in the database, without the timestamps an upsert touches. */
const snapshot = async (t: TestApp) => ({
  products: await t.db.query(`SELECT sku, name, description, price_amount, currency, stock, attributes FROM products ORDER BY sku`),
  knowledge: await t.db.query(`SELECT id, title, content_hash, (SELECT count(*)::int FROM knowledge_chunks c WHERE c.document_id = d.id) AS chunks FROM knowledge_documents d ORDER BY id`),
  services: await t.db.query(`SELECT id, name, duration_minutes, time_zone, hours, capacity FROM appointment_services ORDER BY id`),
  settings: await t.db.query(`SELECT document FROM business_settings`),
});

/** Runs `npm run import` in process against the test app; returns its exit code and what it printed. */
async function runCli(t: TestApp, file: string): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await importCli([file, '--url', t.url], { ADMIN_API_KEY: ADMIN_KEY });
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('business data import', () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp({ roles: { api: true, worker: false } });
    dir = mkdtempSync(join(tmpdir(), 'wa-import-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the demo shop imports with counts matching the file; again, it changes nothing', async () => {
    // A business on Twilio never gets the demo data by itself.
    expect((await snapshot(t)).products).toEqual([]);

    const first = await t.api('POST', '/api/import', demo);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({
      settings: true,
      knowledge: { added: demo.knowledge.length, unchanged: 0 },
      products: { upserted: demo.products.length },
      services: { upserted: demo.services.length },
    });
    expect(demo.products.length).toBeGreaterThanOrEqual(10);
    expect(((await (await t.api('GET', '/api/settings')).json()) as { businessName: string }).businessName).toBe('Trail & Co.');
    const products = (await (await t.api('GET', '/api/products')).json()) as { sku: string }[];
    expect(products.map((p) => p.sku).sort()).toEqual(demo.products.map((p) => p.sku).sort());
    const passages = (await (await t.api('GET', '/api/knowledge/search?query=horario%20sábados')).json()) as { title: string }[];
    expect(passages[0]?.title).toBe('Contacto y atención en español');

    const before = await snapshot(t);
    const again = await t.api('POST', '/api/import', demo);
    expect(await again.json()).toEqual(expect.objectContaining({ knowledge: { added: 0, unchanged: demo.knowledge.length } }));
    expect(await snapshot(t)).toEqual(before);
  });

  test('one bad product row and one bad service row: 400 naming both, nothing written', async () => {
    const before = await snapshot(t);
    const doc = {
      settings: { businessName: 'Changed', returnWindowDays: 14 },
      knowledge: [{ title: 'New page', content: 'Would be new.' }],
      products: [
        { sku: 'NEW-1', name: 'New', price: { amount: 5, currency: 'EUR' }, stock: 1 },
        { sku: 'NEW-2', name: 'Bad price', price: { amount: -1, currency: 'EUR' }, stock: 1 },
      ],
      services: [{ id: 'massage', name: 'Massage', durationMinutes: 60, timeZone: 'Mars/Olympus', hours: { mon: ['09:00-17:00'] } }],
    };
    const response = await t.api('POST', '/api/import', doc);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; problems: { field: string }[] };
    expect(body.error).toBe('invalid_request');
    expect(body.problems.map((p) => p.field).sort()).toEqual(['products.1.price.amount', 'services.0.timeZone']);
    expect(await snapshot(t)).toEqual(before);

    // A repeated SKU is caught before anything is written too, and an empty document is refused.
    const repeated = await t.api('POST', '/api/import', { knowledge: doc.knowledge, products: [doc.products[0], doc.products[0]] });
    expect(((await repeated.json()) as { problems: unknown[] }).problems).toEqual([{ field: 'products.1.sku', message: 'duplicate of products.0' }]);
    expect((await t.api('POST', '/api/import', {})).status).toBe(400);
    expect((await t.api('POST', '/api/import', doc.knowledge)).status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  test('the command loads a products CSV, and names the line of each problem', async () => {
    const good = join(dir, 'products.csv');
    writeFileSync(good, 'sku,name,description,price,currency,stock,color\nCLI-1,Saddle bag,"Small, waterproof ""roll-top"" bag",19.90,EUR,7,red\n');
    const ok = await runCli(t, good);
    expect(ok).toEqual(expect.objectContaining({ code: 0, err: '' }));
    expect(ok.out).toContain('products:  1 upserted');
    expect(await t.db.query(`SELECT description, price_amount::float8 AS price, attributes FROM products WHERE sku = 'CLI-1'`)).toEqual([
      { description: 'Small, waterproof "roll-top" bag', price: 19.9, attributes: { color: 'red' } },
    ]);

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'sku,name,description,price,currency,stock\nCLI-2,Pump,"Mini pump,\nfits in a pocket",25,EUR,3\nCLI-3,Bell,,4.5,EURO,10\n');
    const failed = await runCli(t, bad);
    expect(failed.code).toBe(1);
    expect(failed.err).toContain('line 4, products.1.price.currency: must be an ISO 4217 code such as EUR');
    expect(await t.db.query(`SELECT sku FROM products WHERE sku IN ('CLI-2', 'CLI-3')`)).toEqual([]);
  });
});

describe('the sandbox without business data', () => {
  const sandbox = { TWILIO_ACCOUNT_SID: '', TWILIO_AUTH_TOKEN: '', TWILIO_PHONE_NUMBER: '' };
  const count = async (t: TestApp, table: string) => (await t.db.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n as number;

  test('loads the demo shop at boot, unless DEMO_DATA=false', async () => {
    const t = await startTestApp({ roles: { api: true, worker: false }, env: sandbox });
    try {
      expect(await count(t, 'products')).toBe(demo.products.length);
      expect(await count(t, 'knowledge_documents')).toBe(demo.knowledge.length);
      expect(await count(t, 'appointment_services')).toBe(demo.services.length);
    } finally {
      await t.close();
    }
    const off = await startTestApp({ roles: { api: true, worker: false }, env: { ...sandbox, DEMO_DATA: 'false' } });
    try {
      expect(await count(off, 'products')).toBe(0);
    } finally {
      await off.close();
    }
  });
});
