import type { DataSource } from 'typeorm';
import { z } from 'zod';
import type { AppConfig } from '../config/config';
import { ANALYTICS_ROLE, ANALYTICS_SCHEMA, INTEGRATION_SETTING } from './analytics-views';
import { checkDataQuery, statementText } from './sql-guard';

/**
 * Runs a data question's SQL: always through the guard first (a refusal never reaches the database),
 * then on one dedicated connection inside a READ ONLY transaction, as the select-only role, scoped to
 * one integration, with a statement timeout, a ceiling on the planner's estimated cost (the embedded
 * PGlite has no statement timeout, so an expensive plan is refused before it runs) and a row cap.
 * Everything is set with SET LOCAL / set_config(…, true) and the transaction is always rolled back,
 * so the connection goes back to the pool exactly as it came.
 */
export interface DataQueryLimits {
  timeoutMs: number;
  maxRows: number;
  maxCost: number;
}

export interface DataQueryResult {
  columns: { name: string; type: string }[];
  rows: Record<string, unknown>[];
  truncated: boolean;
}

export class DataQueryError extends Error {
  constructor(
    readonly code: 'rejected' | 'too_costly' | 'timeout' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'DataQueryError';
  }
}

/** The configured DATA_QUERY_* limits. */
export function queryLimits(config: Pick<AppConfig, 'dataQuestions'>): DataQueryLimits {
  const { timeoutMs, maxRows, maxCost } = config.dataQuestions;
  return { timeoutMs, maxRows, maxCost };
}

/** PostgreSQL's query_canceled: the statement timeout fired. */
const QUERY_CANCELED = '57014';
const CURSOR = 'data_question';

/** What node-postgres's client and the PGlite pool's client both answer (TypeORM's QueryResult drops `fields`). */
interface SqlClient {
  query(text: string, values?: unknown[]): Promise<unknown>;
}

const sqlResult = z.object({
  rows: z.array(z.record(z.string(), z.unknown())),
  fields: z.array(z.object({ name: z.string(), dataTypeID: z.number() })).optional(),
});

const explainRow = z.object({ 'QUERY PLAN': z.unknown() });
const plan = z.array(z.object({ Plan: z.object({ 'Total Cost': z.number() }) })).min(1);

const pgError = z.object({ code: z.string(), message: z.string() });

export async function runDataQuery(db: DataSource, input: { integrationId: string; sql: string }, limits: DataQueryLimits): Promise<DataQueryResult> {
  const verdict = await checkDataQuery(input.sql);
  if (!verdict.ok) throw new DataQueryError('rejected', verdict.reason);
  const statement = await statementText(input.sql);

  const runner = db.createQueryRunner();
  try {
    const client = toClient(await runner.connect());
    await client.query('BEGIN READ ONLY');
    try {
      await client.query(`SELECT set_config('${INTEGRATION_SETTING}', $1, true)`, [input.integrationId]);
      await client.query(`SELECT set_config('statement_timeout', $1, true)`, [String(Math.max(1, Math.floor(limits.timeoutMs)))]);
      // pg_temp last: a temporary table can never stand in for a view (pg_catalog is searched first regardless).
      await client.query(`SET LOCAL search_path = ${ANALYTICS_SCHEMA}, pg_temp`);
      await client.query(`SET LOCAL ROLE ${ANALYTICS_ROLE}`);

      const cost = await estimatedCost(client, statement);
      if (cost > limits.maxCost) {
        throw new DataQueryError('too_costly', `The query is too expensive to run (estimated cost ${Math.round(cost)}, limit ${limits.maxCost}); filter to a shorter period, aggregate more or avoid cross joins.`);
      }
      const columns = await describe(client, statement);
      // Rows come back as JSON text made by the database, so values read the same on node-postgres and PGlite
      // (whose parsers differ for int8, dates, intervals and bytea); positional aliases keep duplicate names apart.
      const aliases = columns.length > 0 ? `(${columns.map((_, i) => `c${i}`).join(', ')})` : '';
      await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR SELECT row_to_json(q)::text AS row FROM (\n${statement}\n) AS q${aliases}`);
      const fetched = sqlResult.parse(await client.query(`FETCH FORWARD ${Math.max(0, Math.floor(limits.maxRows)) + 1} FROM ${CURSOR}`));
      const truncated = fetched.rows.length > limits.maxRows;
      const rows = fetched.rows.slice(0, limits.maxRows).map((r) => toRow(columns, r.row));
      return { columns: columns.map(({ name, type }) => ({ name, type })), rows, truncated };
    } finally {
      await client.query('ROLLBACK');
    }
  } catch (err) {
    throw toDataQueryError(err);
  } finally {
    await runner.release();
  }
}

function toClient(connection: unknown): SqlClient {
  if (typeof connection === 'object' && connection !== null && 'query' in connection && typeof connection.query === 'function') {
    return connection as SqlClient;
  }
  throw new Error('The database driver returned a connection without query()');
}

async function estimatedCost(client: SqlClient, statement: string): Promise<number> {
  const { rows } = sqlResult.parse(await client.query(`EXPLAIN (FORMAT JSON) ${statement}`));
  const raw = explainRow.parse(rows[0])['QUERY PLAN'];
  const [top] = plan.parse(typeof raw === 'string' ? JSON.parse(raw) : raw);
  return top!.Plan['Total Cost'];
}

interface Column {
  name: string;
  type: string;
  oid: number;
}

/** The result's columns and their types, from a LIMIT 0 run (the plan under a LIMIT 0 never executes). */
async function describe(client: SqlClient, statement: string): Promise<Column[]> {
  const { fields } = sqlResult.parse(await client.query(`SELECT * FROM (\n${statement}\n) AS q LIMIT 0`));
  return (fields ?? []).map((f) => ({ name: f.name, type: TYPE_NAMES[f.dataTypeID] ?? 'unknown', oid: f.dataTypeID }));
}

/** The built-in types a question's columns are made of, by OID (pg_type). */
const TYPE_NAMES: Record<number, string> = {
  16: 'bool', 17: 'bytea', 18: 'char', 19: 'name', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 26: 'oid', 114: 'json', 700: 'float4', 701: 'float8',
  790: 'money', 1042: 'bpchar', 1043: 'varchar', 1082: 'date', 1083: 'time', 1114: 'timestamp', 1184: 'timestamptz', 1186: 'interval', 1266: 'timetz',
  1700: 'numeric', 2249: 'record', 2950: 'uuid', 3802: 'jsonb', 1000: 'bool[]', 1005: 'int2[]', 1007: 'int4[]', 1016: 'int8[]', 1009: 'text[]',
  1015: 'varchar[]', 1021: 'float4[]', 1022: 'float8[]', 1231: 'numeric[]', 1182: 'date[]', 1115: 'timestamp[]', 1185: 'timestamptz[]', 2951: 'uuid[]',
};

const BYTEA = 17;
const TIMESTAMPTZ = 1184;
const BINARY_PLACEHOLDER = '[binary]';

/**
 * One row for JSON: numbers (int8 and numeric included) as numbers, except NaN and ±Infinity, which
 * PostgreSQL's JSON keeps as strings; timestamptz as an ISO instant in UTC; date and timestamp as
 * PostgreSQL writes them (2024-01-05, 2024-01-05T10:00:00); binary data as a placeholder.
 */
function toRow(columns: Column[], text: unknown): Record<string, unknown> {
  const values = z.record(z.string(), z.unknown()).parse(typeof text === 'string' ? JSON.parse(text) : text);
  const row: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const value = values[`c${i}`] ?? null;
    row[column.name] = normalise(column.oid, value);
  });
  return row;
}

function normalise(oid: number, value: unknown): unknown {
  if (value === null) return null;
  if (oid === BYTEA) return BINARY_PLACEHOLDER;
  if (oid === TIMESTAMPTZ && typeof value === 'string') {
    const at = new Date(value);
    return Number.isNaN(at.getTime()) ? value : at.toISOString();
  }
  return value;
}

/**
 * The database itself failing (connection lost, out of resources, shutting down, a network error
 * code rather than a SQLSTATE): not the question's fault, so the activity fails and Temporal retries.
 */
const isInfrastructure = (code: string) => !/^[0-9A-Z]{5}$/.test(code) || /^(08|53|57P|58|XX)/.test(code);

/** Guard refusals and cost refusals pass through; the database's errors keep only their message and code. */
function toDataQueryError(err: unknown): DataQueryError | Error {
  if (err instanceof DataQueryError) return err;
  const cause = typeof err === 'object' && err !== null && 'driverError' in err ? err.driverError : err;
  const parsed = pgError.safeParse(cause);
  if (!parsed.success || isInfrastructure(parsed.data.code)) return err instanceof Error ? err : new Error(String(err));
  if (parsed.data.code === QUERY_CANCELED) return new DataQueryError('timeout', 'The query took too long and was stopped; ask for less data or a shorter period.');
  return new DataQueryError('failed', parsed.data.message);
}
