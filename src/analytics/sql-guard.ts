import { loadModule, parseSync } from 'libpg-query';
import { ANALYTICS_SCHEMA, ANALYTICS_VIEW_NAMES } from './analytics-views';

/**
 * The first wall around data questions: SQL written by a language model is parsed with PostgreSQL's
 * own parser (libpg-query) and accepted only when it is one plain SELECT that reads the curated
 * `analytics` views through allow-listed functions. Every node of the tree is visited, so nothing
 * hides in a subquery, a CTE, a lateral join or an expression; a node type not listed below is
 * refused rather than guessed about. The database is the second wall (a select-only role on the
 * views, a READ ONLY transaction, a cost ceiling and a timeout: see query-runner.ts), so a gap here
 * alone does not open the product's tables.
 */

/** Aggregates a question may use. */
const AGGREGATE_FUNCTIONS = [
  'count', 'sum', 'avg', 'min', 'max', 'string_agg', 'array_agg', 'percentile_cont', 'percentile_disc', 'mode',
  'bool_and', 'bool_or', 'every', 'stddev', 'stddev_pop', 'stddev_samp', 'variance', 'var_pop', 'var_samp', 'corr',
] as const;

const WINDOW_FUNCTIONS = ['row_number', 'rank', 'dense_rank', 'percent_rank', 'cume_dist', 'lag', 'lead', 'first_value', 'last_value', 'nth_value', 'ntile'] as const;

const DATE_TIME_FUNCTIONS = [
  'date_trunc', 'date_part', 'extract', 'to_char', 'to_date', 'to_timestamp', 'now', 'age', 'make_date', 'make_time', 'make_timestamp',
  'make_timestamptz', 'make_interval', 'timezone', 'date_bin', 'justify_days', 'justify_hours', 'justify_interval', 'isfinite',
] as const;

const MATH_FUNCTIONS = ['round', 'floor', 'ceil', 'ceiling', 'abs', 'sign', 'trunc', 'mod', 'power', 'sqrt', 'greatest', 'least', 'coalesce', 'nullif', 'div'] as const;

/** `trim(…)` parses to btrim/ltrim/rtrim, and `SIMILAR TO` adds similar_to_escape. */
const TEXT_FUNCTIONS = [
  'lower', 'upper', 'initcap', 'length', 'char_length', 'substring', 'substr', 'trim', 'btrim', 'ltrim', 'rtrim', 'concat', 'concat_ws',
  'left', 'right', 'replace', 'split_part', 'position', 'strpos', 'starts_with', 'similar_to_escape',
] as const;

const ARRAY_FUNCTIONS = ['unnest', 'array_length', 'cardinality', 'array_position', 'array_to_string'] as const;

/**
 * Set-returning functions allowed in FROM as well as in expressions. Their bounds must be constant
 * (literals, now(), date arithmetic): the planner estimates a series from constant bounds, but one
 * bounded by a column or a subquery is guessed at 1,000 rows, which would slip a huge series past the
 * cost ceiling, the only limit the embedded database has.
 */
const SERIES_FUNCTIONS = ['generate_series'] as const;

export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set<string>([
  ...AGGREGATE_FUNCTIONS, ...WINDOW_FUNCTIONS, ...DATE_TIME_FUNCTIONS, ...MATH_FUNCTIONS, ...TEXT_FUNCTIONS, ...ARRAY_FUNCTIONS, ...SERIES_FUNCTIONS,
]);

/** Object-identifier types: a cast to one looks catalogue objects up by name (`'pg_authid'::regclass`). */
const REFUSED_CAST_TYPES = ['regclass', 'regcollation', 'regconfig', 'regdictionary', 'regnamespace', 'regoper', 'regoperator', 'regproc', 'regprocedure', 'regrole', 'regtype', 'oid'] as const;

/** `CURRENT_DATE`, `LOCALTIMESTAMP`…; CURRENT_USER, SESSION_USER, CURRENT_SCHEMA and the like describe the server, not the business. */
const ALLOWED_SQL_VALUE_FUNCTIONS = ['SVFOP_CURRENT_DATE', 'SVFOP_CURRENT_TIME', 'SVFOP_CURRENT_TIME_N', 'SVFOP_CURRENT_TIMESTAMP', 'SVFOP_CURRENT_TIMESTAMP_N', 'SVFOP_LOCALTIME', 'SVFOP_LOCALTIME_N', 'SVFOP_LOCALTIMESTAMP', 'SVFOP_LOCALTIMESTAMP_N'] as const;

/**
 * The parse-tree nodes a question may contain. Anything else is refused as `unsupported`, among them
 * TABLESAMPLE (its methods are functions, some from extensions), XMLTABLE / JSON_TABLE and the XML and
 * SQL/JSON constructors (function calls the list above does not cover) and `$1` parameters (the
 * runner binds none). FuncCall, RangeVar, TypeCast, A_Expr and SQLValueFunction are checked further.
 */
const ALLOWED_NODES: ReadonlySet<string> = new Set([
  'SelectStmt', 'ResTarget', 'ColumnRef', 'A_Star', 'A_Const', 'A_Expr', 'BoolExpr', 'NullTest', 'BooleanTest', 'FuncCall', 'TypeCast', 'TypeName',
  'RangeVar', 'RangeSubselect', 'RangeFunction', 'JoinExpr', 'Alias', 'ColumnDef', 'CommonTableExpr', 'SubLink', 'CaseExpr', 'CaseWhen',
  'CoalesceExpr', 'MinMaxExpr', 'SQLValueFunction', 'A_ArrayExpr', 'A_Indirection', 'A_Indices', 'RowExpr', 'SortBy', 'WindowDef',
  'GroupingSet', 'GroupingFunc', 'CollateClause', 'String', 'Integer', 'Float', 'Boolean', 'BitString', 'List',
]);

/** Statements that write: refused at the top and wherever they nest (a CTE may hold one). */
const DATA_MODIFYING_NODES: ReadonlySet<string> = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Far above any question's SQL; keeps a pathological input from the parser and the tree walk. */
const MAX_SQL_LENGTH = 20_000;

export type GuardCode =
  | 'syntax'
  | 'multiple_statements'
  | 'not_select'
  | 'into'
  | 'locking'
  | 'data_modifying'
  | 'relation'
  | 'function'
  | 'cast'
  /** A construct this guard does not vouch for (TABLESAMPLE, XMLTABLE, WITH RECURSIVE, parameters…). */
  | 'unsupported';

export type GuardVerdict = { ok: true } | { ok: false; code: GuardCode; reason: string };

class Refusal extends Error {
  constructor(
    readonly code: GuardCode,
    readonly reason: string,
  ) {
    super(reason);
  }
}

let parserReady: Promise<void> | undefined;

/** Loads the WASM parser once per process, on the first question. */
function loadParser(): Promise<void> {
  parserReady ??= loadModule().catch((err: unknown) => {
    parserReady = undefined; // let the next question try again
    throw err;
  });
  return parserReady;
}

/** Decides whether `sql` may run as a data question; never touches a database. */
export async function checkDataQuery(sql: string): Promise<GuardVerdict> {
  if (sql.length > MAX_SQL_LENGTH) return refuse('unsupported', `The query is longer than ${MAX_SQL_LENGTH} characters; write a shorter one.`);
  await loadParser();
  let tree: unknown;
  try {
    tree = parseSync(sql);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return refuse('syntax', `The SQL does not parse (${message}); fix the syntax.`);
  }
  try {
    checkTree(tree);
    return { ok: true };
  } catch (err) {
    if (err instanceof Refusal) return refuse(err.code, err.reason);
    if (err instanceof RangeError) return refuse('unsupported', 'The query is nested too deeply; write a simpler one.');
    throw err;
  }
}

/**
 * The text of the one statement in `sql` (as PostgreSQL's parser delimits it: no trailing semicolon
 * or comment), for a caller that wraps an accepted query in a larger one. Call after `checkDataQuery`
 * accepted `sql`.
 */
export async function statementText(sql: string): Promise<string> {
  await loadParser();
  const stmts = parseSync(sql).stmts ?? [];
  const first = stmts[0];
  if (!first || stmts.length !== 1) throw new Error('statementText needs exactly one statement');
  const start = first.stmt_location ?? 0;
  return first.stmt_len ? sql.slice(start, start + first.stmt_len) : sql.slice(start);
}

function refuse(code: GuardCode, reason: string): GuardVerdict {
  return { ok: false, code, reason };
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkTree(tree: unknown): void {
  const stmts = isObject(tree as Json) ? (tree as JsonObject).stmts : undefined;
  if (!Array.isArray(stmts) || stmts.length === 0) throw new Refusal('not_select', 'There is no SQL statement; write one SELECT.');
  if (stmts.length > 1) throw new Refusal('multiple_statements', 'Only one statement is allowed; write a single SELECT without semicolons between statements.');
  const first = stmts[0];
  const stmt = isObject(first) ? first.stmt : undefined;
  if (!isObject(stmt)) throw new Refusal('syntax', 'The statement could not be read; write one SELECT.');
  const [kind] = Object.keys(stmt);
  if (kind && DATA_MODIFYING_NODES.has(kind)) throw new Refusal('data_modifying', 'Only reading is allowed: write a SELECT, not INSERT, UPDATE, DELETE or MERGE.');
  if (kind !== 'SelectStmt') throw new Refusal('not_select', `Only a SELECT is allowed, not ${describeStatement(kind)}.`);
  visit(stmt, new Set());
}

/** `ExplainStmt` → "EXPLAIN", for the refusal's sentence. */
function describeStatement(kind: string | undefined): string {
  const known: Record<string, string> = {
    ExplainStmt: 'EXPLAIN', VariableSetStmt: 'SET', VariableShowStmt: 'SHOW', CopyStmt: 'COPY', DoStmt: 'DO', CallStmt: 'CALL',
    TransactionStmt: 'a transaction command', CreateTableAsStmt: 'CREATE TABLE AS', PrepareStmt: 'PREPARE', ExecuteStmt: 'EXECUTE',
  };
  if (kind && known[kind]) return known[kind];
  const words = (kind ?? '').replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
  return words ? `a ${words} statement` : 'something else';
}

/**
 * Visits every value under `node`. Keys starting with a capital letter name a node type (the
 * parser's JSON wraps each node as `{TypeName: {...fields}}`); lower-case keys are fields, whose
 * values are visited too. `ctes` holds the CTE names in scope at this point of the tree.
 */
function visit(node: Json, ctes: ReadonlySet<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, ctes);
    return;
  }
  if (!isObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if (/^[A-Z]/.test(key)) visitNode(key, value, ctes);
    else visitField(key, value, ctes);
  }
}

function visitField(key: string, value: Json, ctes: ReadonlySet<string>): void {
  // These two are typed fields (not wrapped in a node), so they are recognised by name.
  if (key === 'intoClause') throw new Refusal('into', 'SELECT … INTO creates a table; remove the INTO clause.');
  if (key === 'lockingClause' && Array.isArray(value) && value.length > 0) {
    throw new Refusal('locking', 'Row locks (FOR UPDATE, FOR SHARE…) are not allowed; remove the FOR … clause.');
  }
  if (key === 'typeName' && isObject(value)) checkTypeName(value);
  // A relation written inline (IntoClause.rel, ColumnDef.identitySequence…): none belongs in a question,
  // but should one appear it meets the same allow-list as a wrapped RangeVar.
  if (isObject(value) && typeof value.relname === 'string') checkRelation(value, ctes);
  visit(value, ctes);
}

function visitNode(kind: string, body: Json, ctes: ReadonlySet<string>): void {
  if (DATA_MODIFYING_NODES.has(kind)) throw new Refusal('data_modifying', 'Only reading is allowed: no INSERT, UPDATE, DELETE or MERGE, not even inside WITH.');
  if (kind === 'LockingClause') throw new Refusal('locking', 'Row locks (FOR UPDATE, FOR SHARE…) are not allowed; remove the FOR … clause.');
  if (kind === 'IntoClause') throw new Refusal('into', 'SELECT … INTO creates a table; remove the INTO clause.');
  if (!ALLOWED_NODES.has(kind)) throw new Refusal('unsupported', `${describeNode(kind)} is not supported in a data question; use plain SELECT, joins, subqueries and the listed functions.`);
  if (!isObject(body)) return;
  switch (kind) {
    case 'SelectStmt':
      return visitSelect(body, ctes);
    case 'RangeVar':
      checkRelation(body, ctes);
      break;
    case 'FuncCall':
      checkFunction(body);
      break;
    case 'TypeName':
      checkTypeName(body);
      break;
    case 'A_Expr':
      checkOperator(body);
      break;
    case 'SQLValueFunction':
      checkSqlValueFunction(body);
      break;
  }
  visit(body, ctes);
}

/**
 * A SELECT's WITH clause brings names into scope exactly as PostgreSQL does: a CTE sees the CTEs
 * before it (all of them with RECURSIVE, which is refused anyway), the body sees them all, and
 * nested queries inherit the scope. Scoping loosely would let `WITH a AS (SELECT * FROM pg_class),
 * pg_class AS (…)` read the catalogue under a CTE's name.
 */
function visitSelect(select: JsonObject, outer: ReadonlySet<string>): void {
  const withClause = select.withClause;
  const scope = new Set(outer);
  if (isObject(withClause)) {
    if (withClause.recursive === true) {
      // A recursive CTE can run without end, and the embedded database has no statement timeout.
      throw new Refusal('unsupported', 'WITH RECURSIVE is not allowed; use generate_series for sequences of dates or numbers.');
    }
    const list = Array.isArray(withClause.ctes) ? withClause.ctes : [];
    for (const item of list) {
      const cte = isObject(item) ? item.CommonTableExpr : undefined;
      if (!isObject(cte)) {
        visit(item, scope);
        continue;
      }
      visitNode('CommonTableExpr', cte, new Set(scope));
      if (typeof cte.ctename === 'string') scope.add(cte.ctename);
    }
  }
  for (const [key, value] of Object.entries(select)) {
    if (key === 'withClause') continue;
    // The two sides of UNION / INTERSECT / EXCEPT are SELECTs written inline (not wrapped as nodes).
    if ((key === 'larg' || key === 'rarg') && isObject(value)) visitSelect(value, scope);
    else visitField(key, value, scope);
  }
}

function checkRelation(rangeVar: JsonObject, ctes: ReadonlySet<string>): void {
  const schema = typeof rangeVar.schemaname === 'string' ? rangeVar.schemaname : undefined;
  const name = typeof rangeVar.relname === 'string' ? rangeVar.relname : '';
  const shown = [rangeVar.catalogname, schema, name].filter((p) => typeof p === 'string').join('.');
  const allowed =
    rangeVar.catalogname === undefined &&
    ((schema === undefined && (ctes.has(name) || ANALYTICS_VIEW_NAMES.includes(name))) || (schema === ANALYTICS_SCHEMA && ANALYTICS_VIEW_NAMES.includes(name)));
  if (!allowed) {
    throw new Refusal('relation', `"${shown}" cannot be read; use only these views: ${ANALYTICS_VIEW_NAMES.join(', ')}.`);
  }
}

/** The last name part, after checking that a qualified name is qualified only with pg_catalog. */
function nameOf(parts: Json | undefined): { name: string; schema?: string } {
  const names = Array.isArray(parts) ? parts.map((p) => (isObject(p) && isObject(p.String) && typeof p.String.sval === 'string' ? p.String.sval : '')) : [];
  const name = names[names.length - 1] ?? '';
  return names.length > 1 ? { name, schema: names.slice(0, -1).join('.') } : { name };
}

function checkFunction(call: JsonObject): void {
  const { name, schema } = nameOf(call.funcname);
  const shown = schema ? `${schema}.${name}` : name;
  if ((schema !== undefined && schema !== 'pg_catalog') || !ALLOWED_FUNCTIONS.has(name)) {
    throw new Refusal('function', `The function ${shown}() is not allowed; use aggregates, window, date, math and text functions such as count, sum, date_trunc, round, lower.`);
  }
  if ((SERIES_FUNCTIONS as readonly string[]).includes(name) && containsNode(call.args ?? null, ['ColumnRef', 'SubLink'])) {
    throw new Refusal('function', `${name}() needs constant bounds (literals, now(), date_trunc(…) ± an interval), not columns or subqueries.`);
  }
}

function containsNode(node: Json, kinds: readonly string[]): boolean {
  if (Array.isArray(node)) return node.some((item) => containsNode(item, kinds));
  if (!isObject(node)) return false;
  return Object.entries(node).some(([key, value]) => kinds.includes(key) || containsNode(value, kinds));
}

function checkTypeName(typeName: JsonObject): void {
  const { name, schema } = nameOf(typeName.names);
  if (schema !== undefined && schema !== 'pg_catalog') {
    throw new Refusal('cast', `The type ${schema}.${name} is not allowed; cast only to built-in types such as numeric, date or text.`);
  }
  if ((REFUSED_CAST_TYPES as readonly string[]).includes(name.toLowerCase())) {
    throw new Refusal('cast', `Casting to ${name} looks up database objects and is not allowed; cast only to types such as numeric, date or text.`);
  }
}

/** Operators are functions too: only the built-in ones (unqualified, or qualified with pg_catalog). */
function checkOperator(expr: JsonObject): void {
  const { name, schema } = nameOf(expr.name);
  if (schema !== undefined && schema !== 'pg_catalog') {
    throw new Refusal('function', `The operator ${schema}.${name} is not allowed; use the built-in operators.`);
  }
}

function checkSqlValueFunction(fn: JsonObject): void {
  if (!(ALLOWED_SQL_VALUE_FUNCTIONS as readonly Json[]).includes(fn.op ?? null)) {
    const op = typeof fn.op === 'string' ? fn.op.replace(/^SVFOP_/, '').replace(/_N$/, '') : 'this value';
    throw new Refusal('function', `${op} is not allowed; only the date and time values (CURRENT_DATE, CURRENT_TIMESTAMP…) are.`);
  }
}

/** How a refused node type is named in the refusal: `RangeTableSample` → "TABLESAMPLE". */
function describeNode(kind: string): string {
  const known: Record<string, string> = {
    RangeTableSample: 'TABLESAMPLE',
    RangeTableFunc: 'XMLTABLE',
    JsonTable: 'JSON_TABLE',
    ParamRef: 'A $n parameter',
    XmlExpr: 'An XML expression',
    XmlSerialize: 'XMLSERIALIZE',
  };
  return known[kind] ?? `The construct ${kind}`;
}
