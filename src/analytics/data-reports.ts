import type { DataSource } from 'typeorm';
import { isTimeZone } from '../../workflows/business-hours';
import type { DataQueryLimits } from './query-runner';
import { runDataQuery } from './query-runner';
import { type Metric, metricSql } from './semantic-layer.service';

/** The periods a report covers, each compared with the one before it. */
export const REPORT_PERIODS = ['today', 'yesterday', 'this_week', 'last_week', 'this_month'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** The metrics a report shows unless told otherwise. */
export const DEFAULT_REPORT_METRICS = ['revenue', 'orders', 'new_customers', 'conversations', 'average_reply_time', 'handoff_rate', 'delivery_rate'];

export interface ReportFigure {
  name: string;
  label: string;
  unit: Metric['unit'];
  value: number | null;
  previous: number | null;
}

export interface DataReport {
  period: ReportPeriod;
  timeZone: string;
  currency: string | null;
  figures: ReportFigure[];
  text: string;
}

const PERIOD_LABEL: Record<ReportPeriod, [string, string]> = {
  today: ['Today', 'yesterday'],
  yesterday: ['Yesterday', 'the day before'],
  this_week: ['This week', 'last week'],
  last_week: ['Last week', 'the week before'],
  this_month: ['This month', 'last month'],
};

/** An IANA name, and only characters that are safe inside a SQL string literal. */
const SQL_SAFE_ZONE = /^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/;

/**
 * The period's bounds as SQL expressions in the report's time zone, and the previous period's. The
 * zone is checked against the IANA list first, so it can be written into the SQL as a literal.
 */
export function periodBounds(period: ReportPeriod, timeZone: string): { from: string; to: string; prevFrom: string; prevTo: string } {
  if (!SQL_SAFE_ZONE.test(timeZone) || !isTimeZone(timeZone)) throw new Error(`Not an IANA time zone: ${timeZone}`);
  const local = `(now() AT TIME ZONE '${timeZone}')`;
  const at = (expr: string) => `((${expr}) AT TIME ZONE '${timeZone}')`;
  const unit = period === 'today' || period === 'yesterday' ? 'day' : period === 'this_month' ? 'month' : 'week';
  const step = `interval '1 ${unit}'`;
  const start = `date_trunc('${unit}', ${local})`;
  const from = period === 'yesterday' || period === 'last_week' ? `${start} - ${step}` : start;
  return { from: at(from), to: at(`${from} + ${step}`), prevFrom: at(`${from} - ${step}`), prevTo: at(from) };
}

/**
 * A report from the named metrics alone (no model writes SQL): one query, run like any data
 * question (checked, read-only, as the select-only role, scoped to the integration).
 */
export async function buildReport(
  db: DataSource,
  input: { integrationId: string; period: ReportPeriod; timeZone: string; metrics: Metric[] },
  limits: DataQueryLimits,
): Promise<DataReport> {
  const b = periodBounds(input.period, input.timeZone);
  const columns = input.metrics.flatMap((m, i) => [`(${metricSql(m, b.from, b.to)}) AS m${i}`, `(${metricSql(m, b.prevFrom, b.prevTo)}) AS p${i}`]);
  const sql = `SELECT ${[...columns, `(SELECT max(currency) FROM orders) AS currency`].join(', ')}`;
  const result = await runDataQuery(db, { integrationId: input.integrationId, sql }, limits);
  const row = result.rows[0] ?? {};
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const figures = input.metrics.map((m, i) => ({ name: m.name, label: m.label, unit: m.unit, value: num(row[`m${i}`]), previous: num(row[`p${i}`]) }));
  const currency = typeof row.currency === 'string' ? row.currency.trim() : null;
  return { period: input.period, timeZone: input.timeZone, currency, figures, text: reportText(input.period, input.timeZone, currency, figures) };
}

export function formatFigure(unit: Metric['unit'], value: number | null, currency: string | null): string {
  if (value === null || Number.isNaN(value)) return '–';
  switch (unit) {
    case 'money':
      return `${value.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}`;
    case 'ratio':
      return `${(value * 100).toFixed(1)} %`;
    case 'seconds':
      return value >= 90 ? `${(value / 60).toFixed(1)} min` : `${value.toFixed(1)} s`;
    default:
      return Math.round(value).toLocaleString('en');
  }
}

function reportText(period: ReportPeriod, timeZone: string, currency: string | null, figures: ReportFigure[]): string {
  const [title, before] = PERIOD_LABEL[period];
  const lines = figures.map((f) => `• ${f.label}: ${formatFigure(f.unit, f.value, currency)} (${before}: ${formatFigure(f.unit, f.previous, currency)})`);
  return [`📊 ${title} (${timeZone})`, ...lines].join('\n');
}
