import type { ChartIntent } from '../../src/charts/chart-intent';
import type { DemoConversation, DemoFixture, DemoMessage, DemoOrder } from '../../src/demo/demo-data';

/**
 * The evaluation set of data questions: what an owner asks about the demo shop (`generateDemoData`),
 * each with verified gold SQL over the analytics views and the expected rows computed independently
 * here, in TypeScript, from the generator's fixture. A model's SQL is judged by comparing its rows
 * with `expected` (`compareResultSets`), never with the gold SQL's output; the gold SQL is proven
 * against the same oracle in `test/data-questions.e2e-spec.ts`.
 *
 * Time windows follow PostgreSQL in a UTC session: days start at 00:00 UTC, weeks on Monday
 * (`date_trunc('week', …)`), months on the 1st; "now" is the fixture's `now`. Asked within seconds
 * of the fixture's `now` the answers agree, unless that straddles UTC midnight or an event's time of
 * day on a window's edge (events sit at fixed minutes; see the generator).
 */
export interface DataQuestion {
  id: string;
  question: string;
  sql: string;
  /** The expected rows, as tuples in the gold SQL's column order. */
  expected: (f: DemoFixture) => unknown[][];
  orderMatters: boolean;
  /** For questions that ask for a chart or a breakdown: the chart the answer deserves (columns of the gold SQL). */
  chart?: ChartIntent;
  /** Absolute tolerance for numbers (rounded averages and percentages). */
  tolerance?: number;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

// ---- time, as PostgreSQL sees it in UTC ----
const t = (d: Date | null) => (d ? d.getTime() : NaN);
const dayStart = (ms: number) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
};
const weekStart = (ms: number) => dayStart(ms) - ((new Date(ms).getUTCDay() + 6) % 7) * DAY;
const monthStart = (ms: number, back = 0) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - back, 1);
};
const ymd = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const within = (d: Date | null, from: number, to = Infinity) => d !== null && t(d) >= from && t(d) < to;
const now = (f: DemoFixture) => f.now.getTime();

// ---- arithmetic, as PostgreSQL's numeric does it ----
const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
const euros = (cents: number) => cents / 100;
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
const avg = (xs: number[]) => (xs.length === 0 ? null : sum(xs) / xs.length);
const pct = (part: number, whole: number) => (whole === 0 ? null : round((100 * part) / whole, 1));

/** Counts by key, as rows `[key, count]`. */
function countBy<T>(xs: readonly T[], key: (x: T) => unknown): unknown[][] {
  const m = new Map<unknown, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return [...m].map(([k, n]) => [k, n]);
}
/** Sums by key, as rows `[key, sum]`. */
function sumBy<T>(xs: readonly T[], key: (x: T) => unknown, value: (x: T) => number): [unknown, number][] {
  const m = new Map<unknown, number>();
  for (const x of xs) m.set(key(x), (m.get(key(x)) ?? 0) + value(x));
  return [...m];
}
const byKey = (a: unknown[], b: unknown[]) => (String(a[0]) < String(b[0]) ? -1 : String(a[0]) > String(b[0]) ? 1 : 0);
/** Descending by the second column, then by the first ascending. */
const topFirst = (a: unknown[], b: unknown[]) => (b[1] as number) - (a[1] as number) || byKey(a, b);

// ---- the fixture, as the views show it ----
const cityOf = (f: DemoFixture) => {
  const m = new Map(f.customers.map((c) => [c.id, c.city ?? 'unknown']));
  return (customerId: string) => m.get(customerId)!;
};
const paid = (f: DemoFixture) => f.orders.filter((o) => o.status === 'paid');
const handedOff = (f: DemoFixture) => {
  const sids = new Set(f.handoffEvents.filter((h) => h.to === 'waiting_for_human' || h.to === 'human').map((h) => h.conversationSid));
  return (c: DemoConversation) => sids.has(c.sid);
};
const sender = (m: DemoMessage) => (m.direction === 'inbound' ? 'customer' : m.sentBy === 'bot' ? 'bot' : 'staff');
const outbound = (f: DemoFixture) => f.messages.filter((m) => m.direction === 'outbound' && m.deliveryStatus !== null);
const botReplies = (f: DemoFixture) => f.messages.filter((m) => m.direction === 'outbound' && sender(m) === 'bot' && m.replyLatencyMs !== null);
const items = (orders: DemoOrder[]) => orders.flatMap((o) => o.items.map((i) => ({ ...i, order: o })));
const categoryOf = (f: DemoFixture) => {
  const m = new Map(f.catalogue.products.map((p) => [p.sku, p.attributes?.category ?? null]));
  return (sku: string) => m.get(sku) ?? null;
};
const recipients = (f: DemoFixture) => f.campaigns.flatMap((c) => c.recipients);

export const DATA_QUESTIONS: DataQuestion[] = [
  // ---- customers ----
  {
    id: 'customers-total',
    question: 'How many customers do we have?',
    sql: `SELECT count(*) AS customers FROM customers`,
    expected: (f) => [[f.customers.length]],
    orderMatters: false,
  },
  {
    id: 'customers-by-city',
    question: 'How many customers do we have in each city? Show it as a chart.',
    sql: `SELECT coalesce(city, 'unknown') AS city, count(*) AS customers FROM customers GROUP BY 1 ORDER BY customers DESC, city`,
    expected: (f) => countBy(f.customers, (c) => c.city ?? 'unknown'),
    orderMatters: false,
    chart: { type: 'bar', x: 'city', y: 'customers', title: 'Customers by city' },
  },
  {
    id: 'customers-by-language',
    question: 'What languages do our customers speak?',
    sql: `SELECT language, count(*) AS customers FROM customers GROUP BY language ORDER BY customers DESC`,
    expected: (f) => countBy(f.customers, (c) => c.language),
    orderMatters: false,
    chart: { type: 'pie', x: 'language', y: 'customers', title: 'Customers by language' },
  },
  {
    id: 'customers-opted-in',
    question: 'How many customers have agreed to receive marketing messages?',
    sql: `SELECT count(*) FROM customers WHERE marketing_consent = 'opted_in'`,
    expected: (f) => [[f.customers.filter((c) => c.marketingConsent === 'opted_in').length]],
    orderMatters: false,
  },
  {
    id: 'customers-consent-breakdown',
    question: 'Break down our customers by marketing consent',
    sql: `SELECT coalesce(marketing_consent, 'unknown') AS consent, count(*) AS customers FROM customers GROUP BY 1`,
    expected: (f) => countBy(f.customers, (c) => c.marketingConsent ?? 'unknown'),
    orderMatters: false,
    chart: { type: 'pie', x: 'consent', y: 'customers', title: 'Marketing consent' },
  },
  {
    id: 'customers-new-30d',
    question: 'How many new customers wrote to us in the last 30 days?',
    sql: `SELECT count(*) FROM customers WHERE created_at >= now() - interval '30 days'`,
    expected: (f) => [[f.customers.filter((c) => within(c.createdAt, now(f) - 30 * DAY)).length]],
    orderMatters: false,
  },
  {
    id: 'customers-new-per-week',
    question: 'New customers per week over the last 8 weeks, as a line chart',
    sql: `SELECT date_trunc('week', created_at)::date AS week, count(*) AS new_customers FROM customers
WHERE created_at >= date_trunc('week', now()) - interval '7 weeks' GROUP BY 1 ORDER BY 1`,
    expected: (f) => countBy(f.customers.filter((c) => within(c.createdAt, weekStart(now(f)) - 7 * 7 * DAY)), (c) => ymd(weekStart(t(c.createdAt)))).sort(byKey),
    orderMatters: true,
    chart: { type: 'line', x: 'week', y: 'new_customers', title: 'New customers per week' },
  },
  {
    id: 'customers-vip',
    question: 'How many VIP customers are there?',
    sql: `SELECT count(*) FROM customers WHERE 'vip' = ANY (tags)`,
    expected: (f) => [[f.customers.filter((c) => c.tags.includes('vip')).length]],
    orderMatters: false,
  },
  {
    id: 'customers-inactive-60d',
    question: "How many customers haven't written to us for more than 60 days?",
    sql: `SELECT count(*) FROM customers WHERE last_seen_at < now() - interval '60 days'`,
    expected: (f) => [[f.customers.filter((c) => t(c.lastSeenAt) < now(f) - 60 * DAY).length]],
    orderMatters: false,
  },
  {
    id: 'customers-by-country',
    question: 'How many customers per country?',
    sql: `SELECT country, count(*) AS customers FROM customers GROUP BY country`,
    expected: (f) => countBy(f.customers, (c) => c.country),
    orderMatters: false,
  },

  // ---- orders and revenue ----
  {
    id: 'orders-total',
    question: 'How many orders have we had in total?',
    sql: `SELECT count(*) FROM orders`,
    expected: (f) => [[f.orders.length]],
    orderMatters: false,
  },
  {
    id: 'orders-by-status',
    question: 'Orders by status, as a pie chart',
    sql: `SELECT status, count(*) AS orders FROM orders GROUP BY status`,
    expected: (f) => countBy(f.orders, (o) => o.status),
    orderMatters: false,
    chart: { type: 'pie', x: 'status', y: 'orders', title: 'Orders by status' },
  },
  {
    id: 'orders-last-7d',
    question: 'How many orders in the last 7 days?',
    sql: `SELECT count(*) FROM orders WHERE created_at >= now() - interval '7 days'`,
    expected: (f) => [[f.orders.filter((o) => within(o.createdAt, now(f) - 7 * DAY)).length]],
    orderMatters: false,
  },
  {
    id: 'orders-yesterday',
    question: 'How many orders did we get yesterday?',
    sql: `SELECT count(*) FROM orders WHERE created_at >= date_trunc('day', now()) - interval '1 day' AND created_at < date_trunc('day', now())`,
    expected: (f) => [[f.orders.filter((o) => within(o.createdAt, dayStart(now(f)) - DAY, dayStart(now(f)))).length]],
    orderMatters: false,
  },
  {
    id: 'orders-this-week',
    question: 'How many orders so far this week?',
    sql: `SELECT count(*) FROM orders WHERE created_at >= date_trunc('week', now())`,
    expected: (f) => [[f.orders.filter((o) => within(o.createdAt, weekStart(now(f)))).length]],
    orderMatters: false,
  },
  {
    id: 'orders-last-week-by-city',
    question: 'How many orders did we get last week by city?',
    sql: `SELECT coalesce(c.city, 'unknown') AS city, count(*) AS orders
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.created_at >= date_trunc('week', now()) - interval '7 days' AND o.created_at < date_trunc('week', now())
GROUP BY 1 ORDER BY orders DESC, city`,
    expected: (f) => {
      const city = cityOf(f);
      return countBy(f.orders.filter((o) => within(o.createdAt, weekStart(now(f)) - 7 * DAY, weekStart(now(f)))), (o) => city(o.customerId));
    },
    orderMatters: false,
    chart: { type: 'bar', x: 'city', y: 'orders', title: 'Orders last week by city' },
  },
  {
    id: 'orders-by-city-90d',
    question: 'Orders by city in the last 90 days, most first',
    sql: `SELECT coalesce(c.city, 'unknown') AS city, count(*) AS orders FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.created_at >= now() - interval '90 days' GROUP BY 1 ORDER BY orders DESC, city`,
    expected: (f) => {
      const city = cityOf(f);
      return countBy(f.orders.filter((o) => within(o.createdAt, now(f) - 90 * DAY)), (o) => city(o.customerId)).sort(topFirst);
    },
    orderMatters: true,
    chart: { type: 'bar', x: 'city', y: 'orders', title: 'Orders by city, last 90 days' },
  },
  {
    id: 'revenue-total',
    question: 'What is our total revenue?',
    sql: `SELECT coalesce(sum(total), 0) AS revenue FROM orders WHERE status = 'paid'`,
    expected: (f) => [[euros(sum(paid(f).map((o) => o.totalCents)))]],
    orderMatters: false,
    tolerance: 0.001,
  },
  {
    id: 'revenue-last-month',
    question: 'How much revenue did we make last month?',
    sql: `SELECT coalesce(sum(total), 0) AS revenue FROM orders
WHERE status = 'paid' AND paid_at >= date_trunc('month', now()) - interval '1 month' AND paid_at < date_trunc('month', now())`,
    expected: (f) => [[euros(sum(paid(f).filter((o) => within(o.paidAt, monthStart(now(f), 1), monthStart(now(f)))).map((o) => o.totalCents)))]],
    orderMatters: false,
    tolerance: 0.001,
  },
  {
    id: 'revenue-this-month',
    question: 'Revenue this month so far?',
    sql: `SELECT coalesce(sum(total), 0) FROM orders WHERE status = 'paid' AND paid_at >= date_trunc('month', now())`,
    expected: (f) => [[euros(sum(paid(f).filter((o) => within(o.paidAt, monthStart(now(f)))).map((o) => o.totalCents)))]],
    orderMatters: false,
    tolerance: 0.001,
  },
  {
    id: 'revenue-per-day-14d',
    question: 'Show me revenue per day for the last 14 days',
    sql: `SELECT date_trunc('day', paid_at)::date AS day, sum(total) AS revenue FROM orders
WHERE status = 'paid' AND paid_at >= date_trunc('day', now()) - interval '13 days' GROUP BY 1 ORDER BY 1`,
    expected: (f) => sumBy(paid(f).filter((o) => within(o.paidAt, dayStart(now(f)) - 13 * DAY)), (o) => ymd(dayStart(t(o.paidAt))), (o) => o.totalCents)
      .map(([d, c]) => [d, euros(c)]).sort(byKey),
    orderMatters: true,
    chart: { type: 'line', x: 'day', y: 'revenue', title: 'Revenue per day, last 14 days' },
    tolerance: 0.001,
  },
  {
    id: 'revenue-per-week-8w',
    question: 'Weekly revenue for the last 8 weeks, as a chart',
    sql: `SELECT date_trunc('week', paid_at)::date AS week, sum(total) AS revenue FROM orders
WHERE status = 'paid' AND paid_at >= date_trunc('week', now()) - interval '7 weeks' GROUP BY 1 ORDER BY 1`,
    expected: (f) => sumBy(paid(f).filter((o) => within(o.paidAt, weekStart(now(f)) - 49 * DAY)), (o) => ymd(weekStart(t(o.paidAt))), (o) => o.totalCents)
      .map(([w, c]) => [w, euros(c)]).sort(byKey),
    orderMatters: true,
    chart: { type: 'bar', x: 'week', y: 'revenue', title: 'Revenue per week' },
    tolerance: 0.001,
  },
  {
    id: 'revenue-by-month',
    question: 'Revenue by month',
    sql: `SELECT to_char(date_trunc('month', paid_at), 'YYYY-MM') AS month, sum(total) AS revenue FROM orders WHERE status = 'paid' GROUP BY 1 ORDER BY 1`,
    expected: (f) => sumBy(paid(f), (o) => ymd(monthStart(t(o.paidAt))).slice(0, 7), (o) => o.totalCents).map(([m, c]) => [m, euros(c)]).sort(byKey),
    orderMatters: true,
    chart: { type: 'bar', x: 'month', y: 'revenue', title: 'Revenue by month' },
    tolerance: 0.001,
  },
  {
    id: 'average-order-value',
    question: 'What is our average order value?',
    sql: `SELECT round(avg(total), 2) AS average_order_value FROM orders WHERE status = 'paid'`,
    expected: (f) => [[round(euros(avg(paid(f).map((o) => o.totalCents))!), 2)]],
    orderMatters: false,
    tolerance: 0.0101,
  },
  {
    id: 'average-order-value-by-city',
    question: 'Average order value by city, as a bar chart',
    sql: `SELECT coalesce(c.city, 'unknown') AS city, round(avg(o.total), 2) AS average_order_value
FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid' GROUP BY 1 ORDER BY 2 DESC`,
    expected: (f) => {
      const city = cityOf(f);
      const groups = new Map<string, number[]>();
      for (const o of paid(f)) groups.set(city(o.customerId), [...(groups.get(city(o.customerId)) ?? []), o.totalCents]);
      return [...groups].map(([c, xs]) => [c, round(euros(avg(xs)!), 2)]);
    },
    orderMatters: false,
    chart: { type: 'bar', x: 'city', y: 'average_order_value', title: 'Average order value by city' },
    tolerance: 0.0101,
  },
  {
    id: 'orders-awaiting-payment',
    question: 'How many orders are still waiting for payment?',
    sql: `SELECT count(*) FROM orders WHERE status = 'awaiting_payment'`,
    expected: (f) => [[f.orders.filter((o) => o.status === 'awaiting_payment').length]],
    orderMatters: false,
  },
  {
    id: 'orders-cancellation-rate',
    question: 'What percentage of orders get cancelled?',
    sql: `SELECT round(100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*), 1) AS cancelled_percent FROM orders`,
    expected: (f) => [[pct(f.orders.filter((o) => o.status === 'cancelled').length, f.orders.length)]],
    orderMatters: false,
    tolerance: 0.101,
  },
  {
    id: 'orders-biggest',
    question: 'What was our biggest paid order?',
    sql: `SELECT number, total FROM orders WHERE status = 'paid' ORDER BY total DESC, number LIMIT 1`,
    expected: (f) => {
      const [top] = [...paid(f)].sort((a, b) => b.totalCents - a.totalCents || (a.number < b.number ? -1 : 1));
      return [[top!.number, euros(top!.totalCents)]];
    },
    orderMatters: true,
    tolerance: 0.001,
  },
  {
    id: 'orders-by-provider',
    question: 'How many paid orders per payment provider?',
    sql: `SELECT payment_provider, count(*) AS orders FROM orders WHERE status = 'paid' GROUP BY 1`,
    expected: (f) => countBy(paid(f), (o) => o.paymentProvider),
    orderMatters: false,
  },
  {
    id: 'orders-by-weekday',
    question: 'On which days of the week do we get orders? Count per weekday (1 = Monday).',
    sql: `SELECT extract(isodow FROM created_at)::int AS weekday, count(*) AS orders FROM orders GROUP BY 1 ORDER BY 1`,
    expected: (f) => countBy(f.orders, (o) => ((o.createdAt.getUTCDay() + 6) % 7) + 1).sort((a, b) => (a[0] as number) - (b[0] as number)),
    orderMatters: true,
    chart: { type: 'bar', x: 'weekday', y: 'orders', title: 'Orders by weekday' },
  },
  {
    id: 'items-per-order',
    question: 'On average, how many items are in an order?',
    sql: `SELECT round(sum(i.quantity)::numeric / count(DISTINCT i.order_id), 2) AS items_per_order FROM order_items i`,
    expected: (f) => [[round(sum(items(f.orders).map((i) => i.quantity)) / f.orders.length, 2)]],
    orderMatters: false,
    tolerance: 0.0101,
  },

  // ---- products ----
  {
    id: 'top-products-units',
    question: 'What are our 5 best-selling products by units?',
    sql: `SELECT i.name, sum(i.quantity) AS units
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.status = 'paid' GROUP BY i.name ORDER BY units DESC, i.name LIMIT 5`,
    expected: (f) => sumBy(items(paid(f)), (i) => i.name, (i) => i.quantity).sort(topFirst).slice(0, 5),
    orderMatters: true,
    chart: { type: 'bar', x: 'name', y: 'units', title: 'Best-selling products by units' },
  },
  {
    id: 'top-products-revenue',
    question: 'Which 3 products bring in the most revenue?',
    sql: `SELECT i.name, sum(i.line_total) AS revenue FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.status = 'paid' GROUP BY i.name ORDER BY revenue DESC, i.name LIMIT 3`,
    expected: (f) => sumBy(items(paid(f)), (i) => i.name, (i) => i.quantity * i.unitCents).sort(topFirst).slice(0, 3).map(([n, c]) => [n, euros(c)]),
    orderMatters: true,
    tolerance: 0.001,
  },
  {
    id: 'revenue-by-category',
    question: 'Revenue by product category, as a pie chart',
    sql: `SELECT coalesce(p.category, 'other') AS category, sum(i.line_total) AS revenue
FROM order_items i JOIN orders o ON o.id = i.order_id LEFT JOIN products p ON p.sku = i.sku
WHERE o.status = 'paid' GROUP BY 1`,
    expected: (f) => {
      const category = categoryOf(f);
      return sumBy(items(paid(f)), (i) => category(i.sku) ?? 'other', (i) => i.quantity * i.unitCents).map(([c, v]) => [c, euros(v)]);
    },
    orderMatters: false,
    chart: { type: 'pie', x: 'category', y: 'revenue', title: 'Revenue by category' },
    tolerance: 0.001,
  },
  {
    id: 'products-low-stock',
    question: 'Which products have fewer than 10 units in stock?',
    sql: `SELECT sku, name, stock FROM products WHERE stock < 10 ORDER BY stock, sku`,
    expected: (f) => f.catalogue.products.filter((p) => p.stock < 10).sort((a, b) => a.stock - b.stock || (a.sku < b.sku ? -1 : 1)).map((p) => [p.sku, p.name, p.stock]),
    orderMatters: true,
  },
  {
    id: 'top-product-madrid',
    question: 'What is the best-selling product in Madrid by units?',
    sql: `SELECT i.name, sum(i.quantity) AS units FROM order_items i JOIN orders o ON o.id = i.order_id JOIN customers c ON c.id = o.customer_id
WHERE o.status = 'paid' AND c.city = 'Madrid' GROUP BY i.name ORDER BY units DESC, i.name LIMIT 1`,
    expected: (f) => {
      const city = cityOf(f);
      return sumBy(items(paid(f).filter((o) => city(o.customerId) === 'Madrid')), (i) => i.name, (i) => i.quantity).sort(topFirst).slice(0, 1);
    },
    orderMatters: true,
  },
  {
    id: 'bikes-sold-90d',
    question: 'How many bikes did we sell in the last 90 days?',
    sql: `SELECT coalesce(sum(i.quantity), 0) AS bikes FROM order_items i JOIN orders o ON o.id = i.order_id JOIN products p ON p.sku = i.sku
WHERE o.status = 'paid' AND p.category = 'bikes' AND o.paid_at >= now() - interval '90 days'`,
    expected: (f) => {
      const category = categoryOf(f);
      return [[sum(items(paid(f).filter((o) => within(o.paidAt, now(f) - 90 * DAY))).filter((i) => category(i.sku) === 'bikes').map((i) => i.quantity))]];
    },
    orderMatters: false,
  },

  // ---- customers and orders ----
  {
    id: 'top-customers-spend',
    question: 'Who are our top 5 customers by spend?',
    sql: `SELECT c.name, sum(o.total) AS spent FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.status = 'paid' GROUP BY c.id, c.name ORDER BY spent DESC, c.name LIMIT 5`,
    expected: (f) => {
      const names = new Map(f.customers.map((c) => [c.id, c.name]));
      return sumBy(paid(f), (o) => o.customerId, (o) => o.totalCents).map(([id, c]) => [names.get(id as string), c]).sort(topFirst).slice(0, 5).map(([n, c]) => [n, euros(c as number)]);
    },
    orderMatters: true,
    chart: { type: 'bar', x: 'name', y: 'spent', title: 'Top customers by spend' },
    tolerance: 0.001,
  },
  {
    id: 'repeat-buyers',
    question: 'How many customers have bought more than once?',
    sql: `SELECT count(*) FROM (SELECT customer_id FROM orders WHERE status = 'paid' GROUP BY customer_id HAVING count(*) >= 2) repeaters`,
    expected: (f) => [[countBy(paid(f), (o) => o.customerId).filter(([, n]) => (n as number) >= 2).length]],
    orderMatters: false,
  },
  {
    id: 'share-of-buyers',
    question: 'What percentage of our customers have bought something?',
    sql: `SELECT round(100.0 * count(DISTINCT o.customer_id) / (SELECT count(*) FROM customers), 1) AS buyers_percent FROM orders o WHERE o.status = 'paid'`,
    expected: (f) => [[pct(new Set(paid(f).map((o) => o.customerId)).size, f.customers.length)]],
    orderMatters: false,
    tolerance: 0.101,
  },
  {
    id: 'customers-without-orders',
    question: 'How many customers have never placed an order?',
    sql: `SELECT count(*) FROM customers c WHERE NOT EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)`,
    expected: (f) => {
      const buyers = new Set(f.orders.map((o) => o.customerId));
      return [[f.customers.filter((c) => !buyers.has(c.id)).length]];
    },
    orderMatters: false,
  },
  {
    id: 'revenue-by-language',
    question: 'Revenue from Spanish-speaking vs English-speaking customers',
    sql: `SELECT c.language, sum(o.total) AS revenue FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.status = 'paid' GROUP BY c.language`,
    expected: (f) => {
      const language = new Map(f.customers.map((c) => [c.id, c.language]));
      return sumBy(paid(f), (o) => language.get(o.customerId), (o) => o.totalCents).map(([l, c]) => [l, euros(c)]);
    },
    orderMatters: false,
    chart: { type: 'pie', x: 'language', y: 'revenue', title: 'Revenue by customer language' },
    tolerance: 0.001,
  },

  // ---- conversations and messages ----
  {
    id: 'conversations-30d',
    question: 'How many conversations did we have in the last 30 days?',
    sql: `SELECT count(*) FROM conversations WHERE created_at >= now() - interval '30 days'`,
    expected: (f) => [[f.conversations.filter((c) => within(c.createdAt, now(f) - 30 * DAY)).length]],
    orderMatters: false,
  },
  {
    id: 'conversations-by-status',
    question: 'Conversations by status',
    sql: `SELECT status, count(*) AS conversations FROM conversations GROUP BY status`,
    expected: (f) => countBy(f.conversations, (c) => c.status),
    orderMatters: false,
    chart: { type: 'pie', x: 'status', y: 'conversations', title: 'Conversations by status' },
  },
  {
    id: 'handoff-rate',
    question: 'What share of conversations were handed to a person?',
    sql: `SELECT round(100.0 * avg(CASE WHEN handed_off THEN 1 ELSE 0 END), 1) AS handoff_percent FROM conversations`,
    expected: (f) => [[pct(f.conversations.filter(handedOff(f)).length, f.conversations.length)]],
    orderMatters: false,
    tolerance: 0.101,
  },
  {
    id: 'handoff-rate-30d',
    question: 'What share of conversations were handed to a person in the last 30 days?',
    sql: `SELECT round(100.0 * avg(CASE WHEN handed_off THEN 1 ELSE 0 END), 1) AS handoff_percent
FROM conversations WHERE created_at >= now() - interval '30 days'`,
    expected: (f) => {
      const recent = f.conversations.filter((c) => within(c.createdAt, now(f) - 30 * DAY));
      return [[pct(recent.filter(handedOff(f)).length, recent.length)]];
    },
    orderMatters: false,
    tolerance: 0.101,
  },
  {
    id: 'handoffs-per-week',
    question: 'How many conversations were handed off each week over the last 8 weeks?',
    sql: `SELECT date_trunc('week', created_at)::date AS week, count(*) AS handoffs FROM conversations
WHERE handed_off AND created_at >= date_trunc('week', now()) - interval '7 weeks' GROUP BY 1 ORDER BY 1`,
    expected: (f) => countBy(f.conversations.filter(handedOff(f)).filter((c) => within(c.createdAt, weekStart(now(f)) - 49 * DAY)), (c) => ymd(weekStart(t(c.createdAt)))).sort(byKey),
    orderMatters: true,
    chart: { type: 'line', x: 'week', y: 'handoffs', title: 'Hand-offs per week' },
  },
  {
    id: 'reply-time-7d',
    question: 'What was the average bot reply time in the last 7 days, in seconds?',
    sql: `SELECT round(avg(reply_seconds), 2) AS average_reply_seconds FROM messages
WHERE direction = 'outbound' AND sender = 'bot' AND reply_seconds IS NOT NULL AND at >= now() - interval '7 days'`,
    expected: (f) => {
      const xs = botReplies(f).filter((m) => within(m.at, now(f) - 7 * DAY)).map((m) => m.replyLatencyMs! / 1000);
      return [[xs.length ? round(avg(xs)!, 2) : null]];
    },
    orderMatters: false,
    tolerance: 0.0101,
  },
  {
    id: 'reply-time-per-week',
    question: 'Average reply time per week for the last 4 weeks, as a line chart',
    sql: `SELECT date_trunc('week', at)::date AS week, round(avg(reply_seconds), 2) AS average_reply_seconds FROM messages
WHERE sender = 'bot' AND reply_seconds IS NOT NULL AND at >= date_trunc('week', now()) - interval '3 weeks' GROUP BY 1 ORDER BY 1`,
    expected: (f) => {
      const groups = new Map<string, number[]>();
      for (const m of botReplies(f).filter((m) => within(m.at, weekStart(now(f)) - 21 * DAY))) {
        const w = ymd(weekStart(t(m.at)));
        groups.set(w, [...(groups.get(w) ?? []), m.replyLatencyMs! / 1000]);
      }
      return [...groups].map(([w, xs]) => [w, round(avg(xs)!, 2)]).sort(byKey);
    },
    orderMatters: true,
    chart: { type: 'line', x: 'week', y: 'average_reply_seconds', title: 'Average reply time per week' },
    tolerance: 0.0101,
  },
  {
    id: 'messages-per-day-by-direction',
    question: 'How many messages did we receive and send per day in the last 7 days?',
    sql: `SELECT date_trunc('day', at)::date AS day, direction, count(*) AS messages FROM messages
WHERE at >= date_trunc('day', now()) - interval '6 days' GROUP BY 1, 2 ORDER BY 1, 2`,
    expected: (f) => {
      const m = new Map<string, number>();
      for (const x of f.messages.filter((x) => within(x.at, dayStart(now(f)) - 6 * DAY))) {
        const k = `${ymd(dayStart(t(x.at)))}|${x.direction}`;
        m.set(k, (m.get(k) ?? 0) + 1);
      }
      return [...m].map(([k, n]) => [...k.split('|'), n]).sort((a, b) => (String(a[0]) + a[1] < String(b[0]) + b[1] ? -1 : 1));
    },
    orderMatters: true,
    chart: { type: 'line', x: 'day', y: 'messages', series: 'direction', title: 'Messages per day' },
  },
  {
    id: 'messages-by-sender',
    question: 'How many messages were written by customers, by the bot and by staff?',
    sql: `SELECT sender, count(*) AS messages FROM messages GROUP BY sender`,
    expected: (f) => countBy(f.messages, sender),
    orderMatters: false,
    chart: { type: 'pie', x: 'sender', y: 'messages', title: 'Messages by sender' },
  },
  {
    id: 'delivery-rate-30d',
    question: 'What percentage of our outbound messages were delivered in the last 30 days?',
    sql: `SELECT round(100.0 * avg(CASE WHEN delivery_status IN ('delivered', 'read') THEN 1 ELSE 0 END), 1) AS delivered_percent
FROM messages WHERE direction = 'outbound' AND delivery_status IS NOT NULL AND at >= now() - interval '30 days'`,
    expected: (f) => {
      const xs = outbound(f).filter((m) => within(m.at, now(f) - 30 * DAY));
      return [[pct(xs.filter((m) => m.deliveryStatus === 'delivered' || m.deliveryStatus === 'read').length, xs.length)]];
    },
    orderMatters: false,
    tolerance: 0.101,
  },
  {
    id: 'failed-messages-by-error',
    question: 'Which error codes do our failed or undelivered messages have, and how often?',
    sql: `SELECT error_code, count(*) AS messages FROM messages WHERE delivery_status IN ('failed', 'undelivered') GROUP BY error_code ORDER BY messages DESC, error_code`,
    expected: (f) => countBy(outbound(f).filter((m) => m.deliveryStatus === 'failed' || m.deliveryStatus === 'undelivered'), (m) => m.errorCode).sort(topFirst),
    orderMatters: true,
    chart: { type: 'bar', x: 'error_code', y: 'messages', title: 'Failed messages by error code' },
  },
  {
    id: 'inbound-by-hour',
    question: 'At what time of day (UTC hour) do customers write to us?',
    sql: `SELECT extract(hour FROM at)::int AS hour, count(*) AS messages FROM messages WHERE direction = 'inbound' GROUP BY 1 ORDER BY 1`,
    expected: (f) => countBy(f.messages.filter((m) => m.direction === 'inbound'), (m) => m.at.getUTCHours()).sort((a, b) => (a[0] as number) - (b[0] as number)),
    orderMatters: true,
    chart: { type: 'bar', x: 'hour', y: 'messages', title: 'Customer messages by hour (UTC)' },
  },
  {
    id: 'staff-messages-7d',
    question: 'How many messages did staff send in the last 7 days?',
    sql: `SELECT count(*) FROM messages WHERE sender = 'staff' AND at >= now() - interval '7 days'`,
    expected: (f) => [[f.messages.filter((m) => sender(m) === 'staff' && within(m.at, now(f) - 7 * DAY)).length]],
    orderMatters: false,
  },

  // ---- returns ----
  {
    id: 'returns-by-status',
    question: 'How many returns are there in each status?',
    sql: `SELECT status, count(*) AS returns FROM returns GROUP BY status`,
    expected: (f) => countBy(f.returns, (r) => r.status),
    orderMatters: false,
    chart: { type: 'bar', x: 'status', y: 'returns', title: 'Returns by status' },
  },
  {
    id: 'returns-by-reason',
    question: 'Why do customers return things?',
    sql: `SELECT reason, count(*) AS returns FROM returns GROUP BY reason`,
    expected: (f) => countBy(f.returns, (r) => r.reason),
    orderMatters: false,
    chart: { type: 'pie', x: 'reason', y: 'returns', title: 'Returns by reason' },
  },
  {
    id: 'returns-waiting',
    question: 'How many returns are waiting for approval?',
    sql: `SELECT count(*) AS returns FROM returns WHERE status = 'requested'`,
    expected: (f) => [[f.returns.filter((r) => r.status === 'requested').length]],
    orderMatters: false,
  },
  {
    id: 'refunded-amount',
    question: 'How much money have we refunded?',
    sql: `SELECT coalesce(sum(amount), 0) AS refunded FROM returns WHERE kind = 'refund' AND status = 'refunded'`,
    expected: (f) => [[euros(sum(f.returns.filter((r) => r.kind === 'refund' && r.status === 'refunded').map((r) => r.amountCents)))]],
    orderMatters: false,
    tolerance: 0.001,
  },
  {
    id: 'return-rate',
    question: 'What percentage of paid orders were returned?',
    sql: `SELECT round(100.0 * (SELECT count(DISTINCT order_id) FROM returns) / count(*), 1) AS return_percent FROM orders WHERE status = 'paid'`,
    expected: (f) => [[pct(new Set(f.returns.map((r) => r.orderId)).size, paid(f).length)]],
    orderMatters: false,
    tolerance: 0.101,
  },

  // ---- appointments ----
  {
    id: 'appointments-upcoming',
    question: 'How many appointments are booked from now on?',
    sql: `SELECT count(*) FROM appointments WHERE status = 'booked' AND starts_at >= now()`,
    expected: (f) => [[f.appointments.filter((a) => a.status === 'booked' && t(a.startsAt) >= now(f)).length]],
    orderMatters: false,
  },
  {
    id: 'appointments-by-service',
    question: 'Appointments per service, as a bar chart',
    sql: `SELECT service_name, count(*) AS appointments FROM appointments GROUP BY service_name`,
    expected: (f) => {
      const names = new Map(f.catalogue.services.map((s) => [s.id, s.name]));
      return countBy(f.appointments, (a) => names.get(a.serviceId));
    },
    orderMatters: false,
    chart: { type: 'bar', x: 'service_name', y: 'appointments', title: 'Appointments by service' },
  },
  {
    id: 'appointments-cancellation-rate',
    question: 'What share of appointments were cancelled?',
    sql: `SELECT round(100.0 * count(*) FILTER (WHERE status = 'cancelled') / count(*), 1) AS cancelled_percent FROM appointments`,
    expected: (f) => [[pct(f.appointments.filter((a) => a.status === 'cancelled').length, f.appointments.length)]],
    orderMatters: false,
    tolerance: 0.101,
  },
  {
    id: 'appointments-completed-last-month',
    question: 'How many appointments did we complete last month?',
    sql: `SELECT count(*) FROM appointments WHERE status = 'completed'
AND starts_at >= date_trunc('month', now()) - interval '1 month' AND starts_at < date_trunc('month', now())`,
    expected: (f) => [[f.appointments.filter((a) => a.status === 'completed' && within(a.startsAt, monthStart(now(f), 1), monthStart(now(f)))).length]],
    orderMatters: false,
  },

  // ---- campaigns and deliveries ----
  {
    id: 'campaign-results',
    question: 'How did our campaigns do? Recipients, delivered and read for each.',
    sql: `SELECT name, recipients, delivered, read FROM campaigns ORDER BY send_at`,
    expected: (f) => [...f.campaigns].sort((a, b) => t(a.sendAt) - t(b.sendAt)).map((c) => [
      c.name, c.recipients.length, c.recipients.filter((r) => r.deliveryStatus === 'delivered' || r.deliveryStatus === 'read').length,
      c.recipients.filter((r) => r.deliveryStatus === 'read').length,
    ]),
    orderMatters: true,
    chart: { type: 'table', x: 'name', y: 'delivered', title: 'Campaign results' },
  },
  {
    id: 'campaign-read-rate',
    question: 'What was the read rate of each campaign, in percent?',
    sql: `SELECT name, round(100.0 * read / nullif(sent, 0), 1) AS read_percent FROM campaigns ORDER BY send_at`,
    expected: (f) => [...f.campaigns].sort((a, b) => t(a.sendAt) - t(b.sendAt)).map((c) => [
      c.name, pct(c.recipients.filter((r) => r.deliveryStatus === 'read').length, c.recipients.filter((r) => r.status === 'sent').length),
    ]),
    orderMatters: true,
    chart: { type: 'bar', x: 'name', y: 'read_percent', title: 'Campaign read rate' },
    tolerance: 0.101,
  },
  {
    id: 'campaign-failed',
    question: 'How many campaign messages failed in total?',
    sql: `SELECT coalesce(sum(failed), 0) AS failed FROM campaigns`,
    expected: (f) => [[recipients(f).filter((r) => r.status === 'failed' || r.deliveryStatus === 'failed' || r.deliveryStatus === 'undelivered').length]],
    orderMatters: false,
  },
  {
    id: 'deliveries-by-status-30d',
    question: 'Delivery receipts by status in the last 30 days',
    sql: `SELECT status, count(*) AS receipts FROM deliveries WHERE at >= now() - interval '30 days' GROUP BY status`,
    expected: (f) => countBy(f.deliveryReceipts.filter((d) => within(d.at, now(f) - 30 * DAY)), (d) => d.status),
    orderMatters: false,
    chart: { type: 'bar', x: 'status', y: 'receipts', title: 'Delivery receipts by status' },
  },
  {
    id: 'deliveries-reconciled',
    question: 'How many delivery statuses did we have to read back from Twilio instead of receiving them?',
    sql: `SELECT count(*) FROM deliveries WHERE source = 'reconciliation'`,
    expected: (f) => [[f.deliveryReceipts.filter((d) => d.source === 'reconciliation').length]],
    orderMatters: false,
  },
  {
    id: 'orders-today',
    question: 'How many orders today?',
    sql: `SELECT count(*) FROM orders WHERE created_at >= date_trunc('day', now())`,
    expected: (f) => [[f.orders.filter((o) => within(o.createdAt, dayStart(now(f)))).length]],
    orderMatters: false,
  },
  {
    id: 'paid-within-hour-share',
    question: 'What share of paid orders were paid within an hour of being placed?',
    sql: `SELECT round(100.0 * avg(CASE WHEN paid_at - created_at <= interval '1 hour' THEN 1 ELSE 0 END), 1) AS within_hour_percent FROM orders WHERE status = 'paid'`,
    expected: (f) => [[pct(paid(f).filter((o) => t(o.paidAt) - t(o.createdAt) <= HOUR).length, paid(f).length)]],
    orderMatters: false,
    tolerance: 0.101,
  },
];
