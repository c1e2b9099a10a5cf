import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ANALYTICS_ROLE, ANALYTICS_SCHEMA, INTEGRATION_SETTING } from '../src/analytics/analytics-views';
import { DataQueryError, type DataQueryLimits, runDataQuery } from '../src/analytics/query-runner';
import { openDataSource } from '../src/database/data-source';
import { queryRows } from '../src/database/sql';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/** createTestDatabase() picks PostgreSQL exactly when DATABASE_URL is set; the embedded PGlite otherwise. */
const onEmbedded = !process.env.DATABASE_URL;

const LIMITS: DataQueryLimits = { timeoutMs: 5_000, maxRows: 500, maxCost: 1_000_000 };

/** SQL a model (or a person steering it) might try; each must be refused before any database is touched. */
const ATTACKS: [string, string][] = [
  ['DELETE', 'DELETE FROM orders'],
  ['UPDATE', "UPDATE orders SET status = 'cancelled'"],
  ['INSERT', "INSERT INTO orders (id) VALUES ('00000000-0000-0000-0000-000000000000')"],
  ['DELETE inside a CTE', 'WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x'],
  ['TRUNCATE', 'TRUNCATE public.orders'],
  ['DROP', 'DROP TABLE public.customers CASCADE'],
  ['SELECT … INTO', 'SELECT * INTO stolen FROM orders'],
  ['FOR UPDATE', 'SELECT * FROM orders FOR UPDATE'],
  ['FOR SHARE in a subquery', 'SELECT * FROM (SELECT * FROM orders FOR SHARE) o'],
  ['two statements', 'SELECT 1; SELECT 2'],
  ['a comment-hidden second statement', 'SELECT count(*) FROM orders /* report */; DELETE FROM public.orders -- ;'],
  ["set_config('role')", "SELECT set_config('role', 'postgres', false)"],
  ['set_config of the scope inside a CTE', `WITH s AS (SELECT set_config('${INTEGRATION_SETTING}', 'x', false)) SELECT count(*) FROM s, orders`],
  ['current_setting', `SELECT current_setting('${INTEGRATION_SETTING}')`],
  ['pg_sleep in a WHERE', 'SELECT count(*) FROM orders WHERE pg_sleep(5) IS NOT NULL'],
  ['dblink in FROM', "SELECT * FROM dblink('dbname=postgres', 'SELECT 1') AS t(a int)"],
  ['lo_import', "SELECT lo_import('/etc/passwd')"],
  ['nextval', "SELECT nextval('some_seq')"],
  ['pg_read_file', "SELECT pg_read_file('/etc/passwd')"],
  ['query_to_xml', "SELECT query_to_xml('SELECT * FROM public.orders', true, true, '')"],
  ['pg_advisory_lock', 'SELECT pg_advisory_lock(42)'],
  ['pg_catalog.pg_class', 'SELECT relname FROM pg_catalog.pg_class'],
  ['information_schema.tables', 'SELECT table_name FROM information_schema.tables'],
  ['public.customers', 'SELECT * FROM public.customers'],
  ['a product table', 'SELECT * FROM integrations'],
  ['a view name in another schema', 'SELECT * FROM public.orders'],
  ["'x'::regclass", "SELECT 'public.orders'::regclass"],
  ['EXPLAIN', 'EXPLAIN ANALYZE SELECT 1'],
  ['SET ROLE', 'SET ROLE postgres'],
  ['RESET ROLE', 'RESET ROLE'],
  ['COPY', "COPY public.orders TO '/tmp/orders.csv'"],
  ['WITH RECURSIVE without end', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t'],
];

/**
 * The data-question boundary against a real database (PostgreSQL, or the embedded PGlite): attacks
 * stop at the guard, scoping keeps each integration to its own rows, and the database's own walls
 * (select-only role, READ ONLY) hold even for SQL the guard never saw.
 */
describe('data question security', () => {
  let database: TestDatabase;
  let db: DataSource;
  const shopA = randomUUID();
  const shopB = randomUUID();
  const ordersOf: Record<string, number> = {};

  /** Row counts and checksums of the tables a question reads, and the state of the app's own connection. */
  const snapshot = async () => {
    const [state] = await queryRows<Record<string, unknown>>(db, `
      SELECT (SELECT count(*) FROM orders)::int AS orders,
             (SELECT count(*) FROM customers)::int AS customers,
             (SELECT md5(coalesce(string_agg(o::text, '|' ORDER BY o.id), '')) FROM orders o) AS orders_sum,
             (SELECT md5(coalesce(string_agg(c::text, '|' ORDER BY c.id), '')) FROM customers c) AS customers_sum,
             current_user AS "user",
             coalesce(current_setting('${INTEGRATION_SETTING}', true), '') AS scope,
             current_setting('search_path') AS search_path,
             current_setting('transaction_read_only') AS read_only`);
    return state;
  };

  /**
   * The runner's session set-up, by hand, for SQL the guard is not asked about (with `role: false`,
   * only the READ ONLY transaction, as the app's own user). Returns the SQLSTATE of `sql`, or 'ok'.
   */
  const asAnalyticsRole = async (integrationId: string, sql: string, { role = true } = {}): Promise<string> => {
    const runner = db.createQueryRunner();
    try {
      await runner.query('BEGIN READ ONLY');
      await runner.query(`SELECT set_config('${INTEGRATION_SETTING}', $1, true)`, [integrationId]);
      await runner.query(`SET LOCAL search_path = ${ANALYTICS_SCHEMA}, pg_temp`);
      if (role) await runner.query(`SET LOCAL ROLE ${ANALYTICS_ROLE}`);
      try {
        await runner.query(sql);
        return 'ok';
      } catch (err) {
        return (err as { driverError?: { code?: string } }).driverError?.code ?? 'unknown';
      }
    } finally {
      await runner.query('ROLLBACK');
      await runner.release();
    }
  };

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected the data query to fail');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(DataQueryError);
        return err as DataQueryError;
      },
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource(database);
    const seed = [[shopA, 3, 4], [shopB, 2, 7]] as const;
    for (const [integrationId, customers, orders] of seed) {
      await db.query(
        `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
         VALUES ($1, 'Shop', 'sandbox', $2, 'x', '+1', 'agent', 'active', 'onMessageAdd')`,
        [integrationId, `AC-security-${integrationId}`],
      );
      const customerIds: string[] = [];
      for (let c = 0; c < customers; c++) {
        const id = randomUUID();
        customerIds.push(id);
        await db.query(
          `INSERT INTO customers (id, integration_id, phone, name, attributes, last_seen_at) VALUES ($1, $2, $3, $4, $5::jsonb, now())`,
          [id, integrationId, `whatsapp:+3460000${c}`, `Customer ${c}`, JSON.stringify({ city: c % 2 ? 'Madrid' : 'Lyon' })],
        );
      }
      for (let o = 0; o < orders; o++) {
        await db.query(
          `INSERT INTO orders (id, number, integration_id, customer_id, conversation_sid, status, currency, total_amount, action_key, created_at, paid_at)
           VALUES ($1, $2, $3, $4, 'CH0', 'paid', 'EUR', $5, $6, $7, $7)`,
          [randomUUID(), `N-${randomUUID()}`, integrationId, customerIds[o % customers], 10 + o + 0.5, randomUUID(), new Date(Date.UTC(2025, 0, 1 + o, 12))],
        );
      }
      ordersOf[integrationId] = orders;
    }
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  describe('attacks stop at the guard', () => {
    let before: Record<string, unknown> | undefined;
    beforeAll(async () => {
      before = await snapshot();
    });

    it.each(ATTACKS)('refuses %s without touching the database', async (_name, sql) => {
      const touched: string[] = [];
      const watched = new Proxy(db, {
        get(target, property, receiver) {
          touched.push(String(property));
          return Reflect.get(target, property, receiver) as unknown;
        },
      });
      const createQueryRunner = jest.spyOn(db, 'createQueryRunner');
      const query = jest.spyOn(db, 'query');
      try {
        const err = await failure(runDataQuery(watched, { integrationId: shopA, sql }, LIMITS));
        expect(err.code).toBe('rejected');
        expect(err.message.length).toBeGreaterThan(10);
        expect(touched).toEqual([]);
        expect(createQueryRunner).not.toHaveBeenCalled();
        expect(query).not.toHaveBeenCalled();
      } finally {
        createQueryRunner.mockRestore();
        query.mockRestore();
      }
    });

    it('leaves the data and the connection exactly as they were', async () => {
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('scoping to one integration', () => {
    it("counts only the integration's own orders", async () => {
      const a = await runDataQuery(db, { integrationId: shopA, sql: 'SELECT count(*) AS n FROM orders' }, LIMITS);
      const b = await runDataQuery(db, { integrationId: shopB, sql: 'SELECT count(*) AS n FROM analytics.orders' }, LIMITS);
      expect(a.rows).toEqual([{ n: ordersOf[shopA] }]);
      expect(b.rows).toEqual([{ n: ordersOf[shopB] }]);
      const joined = await runDataQuery(db, { integrationId: shopA, sql: 'SELECT count(*) AS n FROM orders o JOIN customers c ON c.id = o.customer_id' }, LIMITS);
      expect(joined.rows).toEqual([{ n: ordersOf[shopA] }]);
    });

    it('returns nothing when no (or an unknown) integration is set', async () => {
      for (const integrationId of ['', randomUUID()]) {
        const count = await runDataQuery(db, { integrationId, sql: 'SELECT count(*) AS n FROM orders' }, LIMITS);
        expect(count.rows).toEqual([{ n: 0 }]);
        const rows = await runDataQuery(db, { integrationId, sql: 'SELECT * FROM customers' }, LIMITS);
        expect(rows.rows).toEqual([]);
      }
    });

    it('exposes no integration column to filter another integration in', async () => {
      const err = await failure(runDataQuery(db, { integrationId: shopA, sql: `SELECT count(*) FROM orders WHERE integration_id = '${shopB}'` }, LIMITS));
      expect(err.code).toBe('failed');
      expect(err.message).toMatch(/integration_id/);
    });

    it("leaves the app's own connection unscoped, as itself and writable afterwards", async () => {
      const baseline = await snapshot();
      await runDataQuery(db, { integrationId: shopA, sql: 'SELECT * FROM orders' }, LIMITS);
      await failure(runDataQuery(db, { integrationId: shopA, sql: 'SELECT nope FROM orders' }, LIMITS));
      expect(await snapshot()).toEqual(baseline);
      expect(baseline).toMatchObject({ scope: '', read_only: 'off' });
      expect(baseline?.user).not.toBe(ANALYTICS_ROLE);
    });
  });

  describe('the database refuses even SQL the guard never saw', () => {
    it('denies the role the product tables and the catalogue secrets', async () => {
      expect(await asAnalyticsRole(shopA, 'SELECT count(*) FROM public.orders')).toBe('42501');
      expect(await asAnalyticsRole(shopA, 'SELECT count(*) FROM public.integrations')).toBe('42501');
      expect(await asAnalyticsRole(shopA, 'SELECT rolpassword FROM pg_catalog.pg_authid')).toBe('42501');
      expect(await asAnalyticsRole(shopA, 'SELECT count(*) FROM orders')).toBe('ok');
    });

    it('refuses writes: READ ONLY even for the app user who may write, and the role may not either', async () => {
      expect(await asAnalyticsRole(shopA, 'DELETE FROM public.orders', { role: false })).toBe('25006');
      expect(await asAnalyticsRole(shopA, "UPDATE public.orders SET status = 'cancelled'", { role: false })).toBe('25006');
      expect(await asAnalyticsRole(shopA, 'CREATE TABLE public.stolen (x int)', { role: false })).toBe('25006');
      expect(await asAnalyticsRole(shopA, 'CREATE TEMP TABLE stolen AS SELECT * FROM orders')).toBe('25006');
      // The views would be auto-updatable; the role has no privilege to (42501), and READ ONLY would stop it anyway.
      expect(['42501', '25006']).toContain(await asAnalyticsRole(shopA, "UPDATE orders SET status = 'cancelled'"));
      expect(['42501', '25006']).toContain(await asAnalyticsRole(shopA, 'DELETE FROM analytics.customers'));
    });

    it('changed nothing', async () => {
      const [counts] = await queryRows<{ n: number }>(db, 'SELECT count(*)::int AS n FROM orders');
      expect(counts?.n).toBe(ordersOf[shopA]! + ordersOf[shopB]!);
    });
  });

  describe('limits', () => {
    it('caps the rows and says so', async () => {
      const capped = await runDataQuery(db, { integrationId: shopB, sql: 'SELECT number FROM orders ORDER BY created_at' }, { ...LIMITS, maxRows: 3 });
      expect(capped.rows).toHaveLength(3);
      expect(capped.truncated).toBe(true);
      const exact = await runDataQuery(db, { integrationId: shopB, sql: 'SELECT number FROM orders;' }, { ...LIMITS, maxRows: ordersOf[shopB]! });
      expect(exact.rows).toHaveLength(ordersOf[shopB]!);
      expect(exact.truncated).toBe(false);
    });

    it('refuses a plan above the cost ceiling before running it', async () => {
      const sql = 'SELECT count(*) FROM orders a, customers b, generate_series(1, 100000) c, generate_series(1, 100000) d';
      const err = await failure(runDataQuery(db, { integrationId: shopA, sql }, LIMITS));
      expect(err.code).toBe('too_costly');
      expect(err.message).toMatch(/too expensive/);
    });

    // PGlite accepts statement_timeout but never cancels a statement; the cost ceiling above is its only guard.
    (onEmbedded ? it.skip : it)('stops a slow query with the statement timeout (PostgreSQL only: PGlite has no statement_timeout)', async () => {
      expect(database.kind).toBe('postgresql');
      const sql = 'SELECT count(*) FROM generate_series(1, 50000000)';
      const err = await failure(runDataQuery(db, { integrationId: shopA, sql }, { timeoutMs: 200, maxRows: 10, maxCost: 1e12 }));
      expect(err.code).toBe('timeout');
      const after = await runDataQuery(db, { integrationId: shopA, sql: 'SELECT count(*) AS n FROM orders' }, LIMITS);
      expect(after.rows).toEqual([{ n: ordersOf[shopA] }]);
    });
  });

  describe('results', () => {
    it('names column types and gives JSON-ready values, the same on PostgreSQL and PGlite', async () => {
      const sql = `SELECT count(*) AS n, sum(o.total) AS revenue, min(o.created_at) AS first, min(o.created_at)::date AS day,
          date_trunc('hour', min(o.created_at) AT TIME ZONE 'UTC') AS local, bool_or(true) AS any, string_agg(DISTINCT c.city, ',' ORDER BY c.city) AS cities,
          avg(o.total)::float8 AS mean, array_agg(DISTINCT c.city ORDER BY c.city) AS list, 'NaN'::numeric AS nan, min(o.created_at) - min(o.created_at) AS gap
        FROM orders o JOIN customers c ON c.id = o.customer_id`;
      const result = await runDataQuery(db, { integrationId: shopA, sql }, LIMITS);
      expect(result.columns).toEqual([
        { name: 'n', type: 'int8' }, { name: 'revenue', type: 'numeric' }, { name: 'first', type: 'timestamptz' }, { name: 'day', type: 'date' },
        { name: 'local', type: 'timestamp' }, { name: 'any', type: 'bool' }, { name: 'cities', type: 'text' }, { name: 'mean', type: 'float8' },
        { name: 'list', type: 'text[]' }, { name: 'nan', type: 'numeric' }, { name: 'gap', type: 'interval' },
      ]);
      expect(result.rows).toEqual([{
        n: 4, revenue: 48, first: '2025-01-01T12:00:00.000Z', day: '2025-01-01', local: '2025-01-01T12:00:00', any: true,
        cities: 'Lyon,Madrid', mean: 12, list: ['Lyon', 'Madrid'], nan: 'NaN', gap: expect.any(String),
      }]);
      expect(result.truncated).toBe(false);
    });

    it('keeps columns of the same name apart in order', async () => {
      const result = await runDataQuery(db, { integrationId: shopA, sql: 'SELECT 1 AS x, 2 AS x' }, LIMITS);
      expect(result.columns.map((c) => c.name)).toEqual(['x', 'x']);
      expect(result.rows).toHaveLength(1);
    });

    it("reports the database's error message for SQL that passes the guard but not the planner", async () => {
      const err = await failure(runDataQuery(db, { integrationId: shopA, sql: 'SELECT nope FROM orders' }, LIMITS));
      expect(err.code).toBe('failed');
      expect(err.message).toBe('column "nope" does not exist');
      expect(err.stack ?? '').not.toContain('node_modules/pg');
    });
  });
});
