import { z } from 'zod';

export const CHART_TYPES = ['bar', 'line', 'pie', 'table'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

const column = z.string().trim().min(1).max(200);

/**
 * What the model asks for when a data answer deserves a picture: a chart type and which result
 * columns go where. Never code nor a Vega spec: the server builds the spec from this, so nothing the
 * model writes is evaluated. Unknown keys are dropped.
 */
export const chartIntentSchema = z.object({
  type: z.enum(CHART_TYPES),
  x: column,
  y: column,
  /** A column whose values split the data into coloured series (bar and line). */
  series: column.optional(),
  title: z.string().trim().min(1).max(120),
});

export type ChartIntent = z.output<typeof chartIntentSchema>;

/** An intent that does not fit the result it should chart: not retryable, the model has to ask again. */
export class ChartError extends Error {
  override readonly name = 'ChartError';
}

/**
 * Validates an intent against the columns of the query result (and, when given, its rows: bar, line
 * and pie need a numeric y). Returns the parsed intent; throws a ChartError that says what is wrong.
 */
export function checkIntent(intent: unknown, columns: readonly string[], rows?: readonly Record<string, unknown>[]): ChartIntent {
  const parsed = chartIntentSchema.safeParse(intent);
  if (!parsed.success) {
    throw new ChartError(`Invalid chart intent: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(intent)'}: ${i.message}`).join('; ')}`);
  }
  const checked = parsed.data;
  const known = new Set(columns);
  for (const role of ['x', 'y', 'series'] as const) {
    const name = checked[role];
    if (name !== undefined && !known.has(name)) {
      throw new ChartError(`Chart ${role} "${name}" is not a column of the result (columns: ${columns.join(', ') || 'none'})`);
    }
  }
  if (rows && checked.type !== 'table') {
    const values = rows.map((r) => r[checked.y]).filter((v) => v !== null && v !== undefined);
    if (values.length === 0) throw new ChartError(`A ${checked.type} chart needs at least one row with a value in "${checked.y}"`);
    const bad = values.find((v) => toNumber(v) === undefined);
    if (bad !== undefined) throw new ChartError(`Chart y "${checked.y}" must be numeric for a ${checked.type} chart; found ${JSON.stringify(bad).slice(0, 40)}`);
  }
  return checked;
}

/**
 * A numeric cell as a number. PostgreSQL returns bigint and numeric as strings (`count(*)` is "12"),
 * so numeric strings count; anything else is undefined.
 */
export function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(value)) return Number(value);
  return undefined;
}
