import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { type DataQueryLimits, runDataQuery } from '../src/analytics/query-runner';
import { checkIntent } from '../src/charts/chart-intent';
import { openDataSource } from '../src/database/data-source';
import { queryRows } from '../src/database/sql';
import { readDemoCatalogue } from '../src/demo/demo-catalogue';
import { type DemoFixture, generateDemoData } from '../src/demo/demo-data';
import { type DemoLoadResult, DemoDataService, demoCounts } from '../src/demo/demo-data.service';
import { DATA_QUESTIONS } from './conversations/data-questions';
import { compareResultSets } from './conversations/result-sets';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const LIMITS: DataQueryLimits = { timeoutMs: 15_000, maxRows: 1_000, maxCost: 10_000_000 };

/**
 * The evaluation set proves itself: on the demo shop loaded through DemoDataService, every question's
 * gold SQL, run as a data question is run (guard, read-only, select-only role, one integration),
 * gives what the TypeScript oracle computes from the generator's fixture. A second integration with
 * the same demo history is loaded too: its rows must never reach the first's answers.
 */
describe('data questions over the demo shop', () => {
  let database: TestDatabase;
  let db: DataSource;
  let fixture: DemoFixture;
  const shop = randomUUID();
  const otherShop = randomUUID();
  let first: DemoLoadResult;
  let again: DemoLoadResult;
  let other: DemoLoadResult;
  let rowsAfterFirst: Record<string, number>;

  const tableCounts = async (integrationId: string) => {
    const [row] = await queryRows<Record<string, string>>(db, `
      SELECT (SELECT count(*) FROM customers WHERE integration_id = $1) AS customers,
             (SELECT count(*) FROM conversations WHERE integration_id = $1) AS conversations,
             (SELECT count(*) FROM handoff_events WHERE integration_id = $1) AS "handoffEvents",
             (SELECT count(*) FROM messages WHERE integration_id = $1) AS messages,
             (SELECT count(*) FROM orders WHERE integration_id = $1) AS orders,
             (SELECT count(*) FROM order_items i JOIN orders o ON o.id = i.order_id WHERE o.integration_id = $1) AS "orderItems",
             (SELECT count(*) FROM returns WHERE integration_id = $1) AS returns,
             (SELECT count(*) FROM appointments WHERE integration_id = $1) AS appointments,
             (SELECT count(DISTINCT campaign_id) FROM campaign_recipients WHERE integration_id = $1) AS campaigns,
             (SELECT count(*) FROM campaign_recipients WHERE integration_id = $1) AS "campaignRecipients",
             (SELECT count(*) FROM delivery_receipts WHERE integration_id = $1) AS "deliveryReceipts",
             (SELECT count(*) FROM products) AS products`, [integrationId]);
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource(database);
    for (const [id, sid] of [[shop, 'AC-demo-data-1'], [otherShop, 'AC-demo-data-2']]) {
      await db.query(
        `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
         VALUES ($1, 'Shop', 'sandbox', $2, 'x', '+1', 'agent', 'active', 'onMessageAdd')`,
        [id, sid],
      );
    }
    const now = new Date();
    const demo = new DemoDataService(db);
    first = await demo.load(shop, now);
    rowsAfterFirst = await tableCounts(shop);
    again = await demo.load(shop, now);
    other = await demo.load(otherShop, now);
    fixture = generateDemoData({ integrationId: shop, now, catalogue: await readDemoCatalogue() });
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('loads a realistic history once: a second load writes nothing', async () => {
    expect(first.loaded).toBe(true);
    expect(again).toEqual({ loaded: false, counts: first.counts });
    expect(other.loaded).toBe(true);
    expect(first.counts).toEqual(demoCounts(fixture));
    expect(rowsAfterFirst).toEqual(first.counts);
    expect(await tableCounts(shop)).toEqual(first.counts);
    expect(first.counts).toMatchObject({ customers: 60, campaigns: 2 });
    expect(first.counts.orders).toBeGreaterThanOrEqual(120);
    expect(first.counts.orders).toBeLessThanOrEqual(190);
    expect(first.counts.returns).toBeGreaterThanOrEqual(3);
    expect(first.counts.appointments).toBeGreaterThanOrEqual(8);
    expect(first.counts.handoffEvents).toBeGreaterThan(0);
  });

  it('generates the same history for the same integration and time, with consistent totals', () => {
    const twice = generateDemoData({ integrationId: shop, now: fixture.now, catalogue: fixture.catalogue });
    expect(twice).toEqual(fixture);
    for (const o of fixture.orders) expect(o.totalCents).toBe(o.items.reduce((s, i) => s + i.quantity * i.unitCents, 0));
    const latest = Math.max(...fixture.orders.map((o) => Math.max(o.createdAt.getTime(), o.paidAt?.getTime() ?? 0, o.cancelledAt?.getTime() ?? 0)), ...fixture.messages.map((m) => m.at.getTime()));
    expect(latest).toBeLessThanOrEqual(fixture.now.getTime());
  });

  it('runs the session in UTC, as the oracle assumes', async () => {
    const [row] = await queryRows<{ TimeZone: string }>(db, 'SHOW timezone');
    expect(['UTC', 'Etc/UTC', 'GMT']).toContain(row!.TimeZone);
  });

  it.each(DATA_QUESTIONS.map((q) => [q.id, q] as const))('%s: the gold SQL gives the expected rows', async (_id, q) => {
    const result = await runDataQuery(db, { integrationId: shop, sql: q.sql }, LIMITS);
    const expected = q.expected(fixture);
    const verdict = compareResultSets(result.rows, expected, { orderMatters: q.orderMatters, tolerance: q.tolerance });
    if (!verdict.equal) throw new Error(`${q.question}\n${verdict.why}\nactual: ${JSON.stringify(result.rows)}\nexpected: ${JSON.stringify(expected)}`);
    expect(result.truncated).toBe(false);
    if (q.chart) checkIntent(q.chart, result.columns.map((c) => c.name), result.rows);
  });

  it('keeps each integration to its own rows', async () => {
    const ids = async (integrationId: string) => (await runDataQuery(db, { integrationId, sql: 'SELECT id FROM orders' }, LIMITS)).rows.map((r) => String(r.id));
    const mine = await ids(shop);
    const theirs = await ids(otherShop);
    expect(mine).toHaveLength(fixture.orders.length);
    expect(theirs).toHaveLength(fixture.orders.length);
    expect(mine.filter((id) => theirs.includes(id))).toEqual([]);
    expect(new Set(mine)).toEqual(new Set(fixture.orders.map((o) => o.id)));
  });

  it('is a set worth evaluating: enough questions, charts and kinds of answer', () => {
    expect(DATA_QUESTIONS.length).toBeGreaterThanOrEqual(45);
    expect(DATA_QUESTIONS.filter((q) => q.chart).length).toBeGreaterThanOrEqual(12);
    expect(new Set(DATA_QUESTIONS.map((q) => q.id)).size).toBe(DATA_QUESTIONS.length);
    for (const q of DATA_QUESTIONS) expect(q.sql).not.toMatch(/set_config|current_setting|analytics\./i);
  });
});
