import { DEFAULT_EXAMPLES, DEFAULT_METRICS } from './semantic-defaults';
import { checkDataQuery, type GuardCode } from './sql-guard';

const accepted: [string, string][] = [
  ['a count', 'SELECT count(*) FROM orders'],
  ['a view qualified with analytics', 'SELECT count(*) FROM analytics.orders'],
  ['a join', 'SELECT c.city, sum(o.total) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY c.city'],
  ['a left join to a qualified view', 'SELECT o.number, i.sku FROM orders o LEFT JOIN analytics.order_items i ON i.order_id = o.id'],
  ['a CTE that only selects', 'WITH paid AS (SELECT * FROM orders WHERE status = $$paid$$) SELECT count(*) FROM paid'],
  ['a CTE seeing an earlier one', 'WITH a AS (SELECT id FROM orders), b AS (SELECT id FROM a) SELECT count(*) FROM b'],
  ['a CTE used in a subquery', 'WITH a AS (SELECT id FROM orders) SELECT * FROM customers WHERE id IN (SELECT id FROM a)'],
  ['window functions', 'SELECT id, row_number() OVER (PARTITION BY customer_id ORDER BY created_at), lag(total) OVER w FROM orders WINDOW w AS (ORDER BY created_at)'],
  ['date_trunc and extract', "SELECT date_trunc('month', created_at), extract(dow FROM created_at), to_char(created_at, 'YYYY-MM') FROM orders"],
  ['a date spine from generate_series', "SELECT d::date, count(o.id) FROM generate_series(date_trunc('day', now()) - interval '6 days', now(), interval '1 day') d LEFT JOIN orders o ON date_trunc('day', o.created_at) = d GROUP BY 1 ORDER BY 1"],
  ['a subquery in FROM and in WHERE', 'SELECT x.n FROM (SELECT count(*) AS n FROM returns) x WHERE x.n > (SELECT count(*) FROM appointments)'],
  ['a lateral join', 'SELECT c.id, last.total FROM customers c CROSS JOIN LATERAL (SELECT total FROM orders o WHERE o.customer_id = c.id ORDER BY created_at DESC LIMIT 1) last'],
  ['EXISTS', 'SELECT count(*) FROM customers c WHERE EXISTS (SELECT 1 FROM orders o WHERE o.customer_id = c.id)'],
  ['UNION of two views', "SELECT 'orders' AS kind, count(*) FROM orders UNION ALL SELECT 'returns', count(*) FROM returns"],
  ['a WITH inside one side of a UNION', '(WITH x AS (SELECT 1 AS n) SELECT n FROM x) UNION SELECT 2'],
  ['text and math functions', "SELECT lower(name), upper(trim(name)), round(avg(total), 2), coalesce(nullif(city, ''), 'unknown'), greatest(1, 2) FROM orders o JOIN customers c ON c.id = o.customer_id GROUP BY 1, 2, 4"],
  ['percentile with WITHIN GROUP and FILTER', "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY total), count(*) FILTER (WHERE status = 'paid') FROM orders"],
  ['CASE, casts, IN, BETWEEN, LIKE, arrays', "SELECT CASE WHEN total::numeric > 10 THEN 'big' ELSE 'small' END FROM orders WHERE status IN ('paid') AND total BETWEEN 1 AND 5 AND number LIKE 'A%' AND 'vip' = ANY (ARRAY['a'])"],
  ['unnest of tags', 'SELECT tag, count(*) FROM customers, unnest(tags) AS tag GROUP BY tag'],
  ['CURRENT_DATE and AT TIME ZONE', "SELECT count(*) FROM orders WHERE created_at AT TIME ZONE 'Europe/Madrid' >= CURRENT_DATE"],
  ['pg_catalog-qualified allowed function', 'SELECT pg_catalog.count(*) FROM orders'],
  ['generate_series with constant integer bounds', 'SELECT n FROM generate_series(1, 12) AS n'],
  ['VALUES', 'SELECT * FROM (VALUES (1), (2)) v(n)'],
  ['TABLE shorthand', 'TABLE products'],
  ['a trailing semicolon and comments', '-- revenue\nSELECT sum(total) /* paid only */ FROM orders WHERE status = $$paid$$;'],
  ...DEFAULT_EXAMPLES.map((e): [string, string] => [`default example: ${e.question}`, e.sql]),
  ...DEFAULT_METRICS.map((m): [string, string] => [`default metric: ${m.name}`, `SELECT ${m.expression} FROM analytics.${m.view} WHERE ${m.timeColumn} >= now() - interval '1 day' AND (${m.filter ?? 'true'})`]),
];

const refused: [string, string, GuardCode][] = [
  ['a parse error', 'SELEC 1', 'syntax'],
  ['an empty string', '', 'syntax'],
  ['only a comment', '-- nothing', 'not_select'],
  ['two statements', 'SELECT 1; SELECT 2', 'multiple_statements'],
  ['a second statement after a comment', 'SELECT 1 /* ; */ ; DELETE FROM orders', 'multiple_statements'],
  ['a second statement after a line comment', 'SELECT count(*) FROM orders -- harmless\n; DROP TABLE orders', 'multiple_statements'],
  ['DELETE', 'DELETE FROM orders', 'data_modifying'],
  ['UPDATE', "UPDATE orders SET status = 'paid'", 'data_modifying'],
  ['INSERT', "INSERT INTO orders (id) VALUES ('x')", 'data_modifying'],
  ['MERGE', 'MERGE INTO orders o USING customers c ON o.customer_id = c.id WHEN MATCHED THEN DELETE', 'data_modifying'],
  ['DELETE inside a CTE', 'WITH x AS (DELETE FROM orders RETURNING *) SELECT * FROM x', 'data_modifying'],
  ['UPDATE inside a CTE', "WITH x AS (UPDATE orders SET status = 'paid' RETURNING id) SELECT count(*) FROM x", 'data_modifying'],
  ['INSERT inside a nested CTE', "SELECT * FROM (WITH x AS (INSERT INTO orders (id) VALUES ('x') RETURNING id) SELECT * FROM x) y", 'data_modifying'],
  ['SELECT … INTO', 'SELECT * INTO t FROM orders', 'into'],
  ['FOR UPDATE', 'SELECT * FROM orders FOR UPDATE', 'locking'],
  ['FOR SHARE in a subquery', 'SELECT * FROM (SELECT * FROM orders FOR SHARE) o', 'locking'],
  ['FOR NO KEY UPDATE in a CTE', 'WITH x AS (SELECT * FROM orders FOR NO KEY UPDATE) SELECT 1 FROM x', 'locking'],
  ["set_config('role', …)", "SELECT set_config('role', 'postgres', false)", 'function'],
  ['set_config inside a CTE', "WITH x AS (SELECT set_config('whatsapp_agent.integration_id', 'b', true)) SELECT * FROM x, orders", 'function'],
  ['current_setting', "SELECT current_setting('whatsapp_agent.integration_id')", 'function'],
  ['pg_sleep in a WHERE', 'SELECT * FROM orders WHERE pg_sleep(10) IS NOT NULL', 'function'],
  ['pg_sleep_for', "SELECT pg_sleep_for('1 minute')", 'function'],
  ['a function in FROM: dblink', "SELECT * FROM dblink('host=evil', 'SELECT 1') AS t(a int)", 'function'],
  ['dblink_exec', "SELECT dblink_exec('host=evil', 'DROP TABLE orders')", 'function'],
  ['lo_import', "SELECT lo_import('/etc/passwd')", 'function'],
  ['lo_export', "SELECT lo_export(1, '/tmp/x')", 'function'],
  ['lo_get', 'SELECT lo_get(1)', 'function'],
  ['nextval', "SELECT nextval('s')", 'function'],
  ['currval', "SELECT currval('s')", 'function'],
  ['setval', "SELECT setval('s', 1)", 'function'],
  ['pg_read_file', "SELECT pg_read_file('/etc/passwd')", 'function'],
  ['query_to_xml', "SELECT query_to_xml('SELECT * FROM public.orders', true, true, '')", 'function'],
  ['pg_advisory_lock', 'SELECT pg_advisory_lock(1)', 'function'],
  ['a function qualified with another schema', 'SELECT public.count(*) FROM orders', 'function'],
  ['a disallowed function qualified with pg_catalog', "SELECT pg_catalog.pg_read_file('/etc/passwd')", 'function'],
  ['a disallowed function deep in an expression', "SELECT count(*) FROM orders WHERE total > (SELECT max(length(pg_ls_dir('.')::text)) FROM customers)", 'function'],
  ['CURRENT_USER', 'SELECT CURRENT_USER', 'function'],
  ['an operator from another schema', 'SELECT 1 OPERATOR(public.+) 2', 'function'],
  ['pg_catalog.pg_class', 'SELECT * FROM pg_catalog.pg_class', 'relation'],
  ['pg_class unqualified', 'SELECT relname FROM pg_class', 'relation'],
  ['pg_stat_activity in a subquery', 'SELECT (SELECT query FROM pg_stat_activity LIMIT 1)', 'relation'],
  ['information_schema.tables', 'SELECT * FROM information_schema.tables', 'relation'],
  ['public.customers', 'SELECT * FROM public.customers', 'relation'],
  ['a product table unqualified', 'SELECT * FROM integrations', 'relation'],
  ['a view name in another schema', 'SELECT * FROM public.orders', 'relation'],
  ['a view name with a catalogue', 'SELECT * FROM other.analytics.orders', 'relation'],
  ['a CTE name qualified', 'WITH x AS (SELECT 1) SELECT * FROM analytics.x', 'relation'],
  ['a later CTE name used by an earlier CTE', 'WITH a AS (SELECT * FROM pg_class), pg_class AS (SELECT 1) SELECT * FROM a', 'relation'],
  ['a CTE name used outside its query', 'SELECT * FROM (WITH pg_class AS (SELECT 1) SELECT 1) x, pg_class', 'relation'],
  ['a relation in a lateral join', 'SELECT * FROM orders o, LATERAL (SELECT * FROM pg_authid) a', 'relation'],
  ["'x'::regclass", "SELECT 'orders'::regclass", 'cast'],
  ['pg_catalog.regproc', "SELECT 'now'::pg_catalog.regproc", 'cast'],
  ['CAST AS regrole', "SELECT CAST('postgres' AS regrole)", 'cast'],
  ['a cast to a type in another schema', "SELECT '1'::public.mytype", 'cast'],
  ['EXPLAIN', 'EXPLAIN SELECT 1', 'not_select'],
  ['EXPLAIN ANALYZE of a DELETE', 'EXPLAIN ANALYZE DELETE FROM orders', 'not_select'],
  ['SET ROLE', 'SET ROLE postgres', 'not_select'],
  ['SET', 'SET statement_timeout = 0', 'not_select'],
  ['RESET ROLE', 'RESET ROLE', 'not_select'],
  ['COPY', "COPY orders TO '/tmp/orders.csv'", 'not_select'],
  ['COPY FROM PROGRAM', "COPY orders FROM PROGRAM 'id'", 'not_select'],
  ['DO', "DO $$ BEGIN PERFORM pg_sleep(1); END $$", 'not_select'],
  ['CALL', 'CALL p()', 'not_select'],
  ['DROP', 'DROP TABLE orders', 'not_select'],
  ['COMMIT', 'COMMIT', 'not_select'],
  ['CREATE TABLE AS', 'CREATE TABLE t AS SELECT * FROM orders', 'not_select'],
  ['TABLESAMPLE', 'SELECT * FROM orders TABLESAMPLE SYSTEM (10)', 'unsupported'],
  ['XMLTABLE', "SELECT * FROM XMLTABLE('/a' PASSING '<a/>' COLUMNS x int)", 'unsupported'],
  ['generate_series bounded by a subquery', 'SELECT count(*) FROM generate_series(1, (SELECT count(*) * 1000000 FROM orders))', 'function'],
  ['generate_series bounded by a column', 'SELECT count(*) FROM orders o, generate_series(1, o.total::int * 100000)', 'function'],
  ['a $1 parameter', 'SELECT * FROM orders WHERE id = $1', 'unsupported'],
  ['WITH RECURSIVE', 'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT count(*) FROM t', 'unsupported'],
  ['a very long query', `SELECT 1 ${'+ 1 '.repeat(6000)}`, 'unsupported'],
];

describe('checkDataQuery', () => {
  it.each(accepted)('accepts %s', async (_name, sql) => {
    await expect(checkDataQuery(sql)).resolves.toEqual({ ok: true });
  });

  it.each(refused)('refuses %s', async (_name, sql, code) => {
    const verdict = await checkDataQuery(sql);
    expect(verdict).toMatchObject({ ok: false, code });
    if (!verdict.ok) expect(verdict.reason).toMatch(/^\S.*[.)]$/); // one plain sentence
  });

  it('names the views a question may read when it refuses a relation', async () => {
    const verdict = await checkDataQuery('SELECT * FROM public.customers');
    expect(verdict).toMatchObject({ ok: false, code: 'relation' });
    if (!verdict.ok) expect(verdict.reason).toContain('orders');
  });
});
