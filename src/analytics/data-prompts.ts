import { z } from 'zod';
import type { ChartRequest, DataAttempt, DataDraft } from '../../workflows/data-definitions';
import type { SemanticContext } from './semantic-layer.service';

/**
 * What the model is told for a data question, and how its answers are read. The model writes one
 * SELECT over the described views and, optionally, a chart intent; it never writes code, and what it
 * returns is checked (schema here, SQL guard, chart columns) before anything uses it.
 */

/** Marks the SQL step's prompt (the scripted model in tests and `npm run scripted-model` key on it). */
export const SQL_PROMPT_MARKER = 'You write one PostgreSQL SELECT';
/** Marks the answer step's prompt. */
export const ANSWER_PROMPT_MARKER = "You answer a business owner's question about their data";

/** Rows shown to the model when it writes the answer; the rest is summarised. */
const SUMMARY_ROWS = 30;

export function sqlPrompt(context: SemanticContext, previous: DataAttempt[]): string {
  const views = context.views.map((v) => `- ${v.name}: ${v.description}\n${v.columns.map((c) => `    ${c.name} ${c.type}: ${c.description}`).join('\n')}`);
  const metrics = context.metrics.map((m) => `- ${m.name}: ${m.description} = ${m.expression} FROM ${m.view} by ${m.timeColumn}${m.filter ? ` WHERE ${m.filter}` : ''}`);
  const examples = context.examples.map((e) => `Q: ${e.question}\nSQL: ${e.sql}`);
  const tries = previous.map((a, i) => `Try ${i + 1}: ${a.sql}\nIt failed (${a.outcome}): ${a.error ?? ''}`);
  return [
    `${SQL_PROMPT_MARKER} query that answers the business owner's question from these read-only views (PostgreSQL; today is now()).`,
    'Use only these views and ordinary functions; no other tables, no settings, no writes. Amounts are in currency units. Weeks start on Monday.',
    'Answer as JSON: {"sql": the query or null, "chart": null or {"type": "bar"|"line"|"pie"|"table", "x": result column, "y": numeric result column, "series": result column or null, "title": short title}, "reply": null, or a short message when the question cannot be answered from these views}.',
    'Ask for a chart when the owner asks for one or the answer is a breakdown over time or categories; the chart columns must be columns of your SELECT.',
    '', 'Views:', ...views, '', 'Named metrics:', ...metrics, '', 'Verified examples:', ...examples,
    ...(tries.length ? ['', 'Your earlier tries for this question (fix the error):', ...tries] : []),
  ].join('\n');
}

/** The JSON schema the SQL step answers under (strict structured output). */
export const DRAFT_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['sql', 'chart', 'reply'],
  properties: {
    sql: { type: ['string', 'null'] },
    reply: { type: ['string', 'null'] },
    chart: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['type', 'x', 'y', 'series', 'title'],
          properties: {
            type: { type: 'string', enum: ['bar', 'line', 'pie', 'table'] },
            x: { type: 'string' },
            y: { type: 'string' },
            series: { type: ['string', 'null'] },
            title: { type: 'string' },
          },
        },
      ],
    },
  },
} as const;

const draftSchema = z.object({
  sql: z.string().trim().max(8000).nullable(),
  reply: z.string().trim().max(1000).nullable().optional(),
  chart: z
    .object({
      type: z.enum(['bar', 'line', 'pie', 'table']),
      x: z.string().min(1).max(63),
      y: z.string().min(1).max(63),
      series: z.string().min(1).max(63).nullable().optional(),
      title: z.string().trim().min(1).max(120),
    })
    .nullable()
    .optional(),
});

/** The model's JSON as a draft; anything off-schema is treated as "could not answer". */
export function readDraft(json: unknown): DataDraft {
  const parsed = draftSchema.safeParse(json);
  if (!parsed.success) return { kind: 'reply', text: 'I could not turn that into a query. Try asking it another way.' };
  const { sql, reply, chart } = parsed.data;
  if (!sql) return { kind: 'reply', text: reply || 'I cannot answer that from the data I can see.' };
  const intent: ChartRequest | null = chart ? { type: chart.type, x: chart.x, y: chart.y, title: chart.title, ...(chart.series ? { series: chart.series } : {}) } : null;
  return { kind: 'query', sql: sql.replace(/;\s*$/, ''), chart: intent };
}

export const answerPrompt = () =>
  `${ANSWER_PROMPT_MARKER}, on WhatsApp: 1 to 5 short lines, the figures exactly as in the result (no invented numbers), ` +
  'in the language of the question. Say so when the result is empty or was cut at the row limit. No SQL, no markdown tables.';

type Result = { columns: { name: string; type: string }[]; rows: Record<string, unknown>[]; truncated: boolean };

/** What the model reads of a result: the first rows as tuples and, past them, each numeric column's total. */
export interface ResultSummary {
  columns: string[];
  rowCount: number;
  truncatedAtRowLimit: boolean;
  rows: unknown[][];
  totalsOfAllRows?: Record<string, number>;
}

export function summarise(result: Result): ResultSummary {
  const numeric = result.columns.filter((c) => result.rows.some((r) => typeof r[c.name] === 'number'));
  const totals = Object.fromEntries(numeric.map((c) => [c.name, result.rows.reduce((s, r) => s + (typeof r[c.name] === 'number' ? (r[c.name] as number) : 0), 0)]));
  return {
    columns: result.columns.map((c) => c.name),
    rowCount: result.rows.length,
    truncatedAtRowLimit: result.truncated,
    rows: result.rows.slice(0, SUMMARY_ROWS).map((r) => result.columns.map((c) => r[c.name] ?? null)),
    ...(result.rows.length > SUMMARY_ROWS ? { totalsOfAllRows: totals } : {}),
  };
}

/** The answer step's input: the question and a bounded summary of its result. */
export const resultSummary = (question: string, result: Result) => `Question: ${question}\nResult: ${JSON.stringify(summarise(result))}`;

/** The rows themselves, a line each (the first 10), for when the model may not write the answer. */
export function plainAnswer(summary: ResultSummary): string {
  if (summary.rowCount === 0) return 'There is no data for that.';
  const lines = summary.rows.slice(0, 10).map((row) => row.map((v, i) => `${summary.columns[i]}: ${v === null ? '–' : String(v)}`).join(', '));
  const more = summary.rowCount > 10 ? [`…and ${summary.rowCount - 10} more rows.`] : [];
  return [...lines, ...more, ...(summary.truncatedAtRowLimit ? ['(cut at the row limit)'] : [])].join('\n');
}
