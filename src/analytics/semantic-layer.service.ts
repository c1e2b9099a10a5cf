import { randomUUID } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Refusal } from '../common/refusal';
import { queryRows } from '../database/sql';
import type { ViewColumn } from './analytics-views';
import type { ExampleDefinition, MetricDefinition } from './semantic-defaults';
import { checkDataQuery } from './sql-guard';

export interface DescribedView {
  name: string;
  description: string;
  columns: ViewColumn[];
  updatedAt: string;
}

export interface Metric extends MetricDefinition {
  updatedAt: string;
}

export interface Example extends ExampleDefinition {
  id: string;
  createdAt: string;
}

/** What the model is shown for one question: every view, every metric, the closest examples. */
export interface SemanticContext {
  views: Pick<DescribedView, 'name' | 'description' | 'columns'>[];
  metrics: Pick<Metric, 'name' | 'description' | 'view' | 'expression' | 'timeColumn' | 'filter'>[];
  examples: ExampleDefinition[];
}

/** How many verified examples go with a question. */
const EXAMPLES_PER_QUESTION = 5;

type ViewRow = { name: string; description: string; columns: ViewColumn[]; updated_at: Date };
type MetricRow = { name: string; label: string; description: string; view: string; expression: string; time_column: string; filter: string | null; unit: Metric['unit']; updated_at: Date };
type ExampleRow = { id: string; question: string; sql: string; created_at: Date };

const toView = (r: ViewRow): DescribedView => ({ name: r.name, description: r.description, columns: r.columns, updatedAt: new Date(r.updated_at).toISOString() });
const toMetric = (r: MetricRow): Metric => ({
  name: r.name, label: r.label, description: r.description, view: r.view, expression: r.expression, timeColumn: r.time_column, filter: r.filter, unit: r.unit,
  updatedAt: new Date(r.updated_at).toISOString(),
});
const toExample = (r: ExampleRow): Example => ({ id: r.id, question: r.question, sql: r.sql, createdAt: new Date(r.created_at).toISOString() });

/**
 * The metric's SQL for one period: the same text whether a report or the API's check runs it.
 * `from` and `to` are SQL expressions the caller builds (never user text).
 */
export const metricSql = (m: Pick<MetricDefinition, 'view' | 'expression' | 'timeColumn' | 'filter'>, from: string, to: string) =>
  `SELECT ${m.expression} AS value FROM ${m.view} WHERE ${m.timeColumn} >= ${from} AND ${m.timeColumn} < ${to}${m.filter ? ` AND (${m.filter})` : ''}`;

/**
 * The semantic layer, kept in the database: the analytics views with a description of each column
 * (the views themselves change only by migration), named metrics, and verified question → SQL
 * examples. Metrics and examples are checked by the same SQL guard as the model's queries before
 * they are stored, so nothing stored here can widen what a question may do.
 */
@Injectable()
export class SemanticLayerService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async views(): Promise<DescribedView[]> {
    return (await queryRows<ViewRow>(this.db, `SELECT * FROM analytics_views ORDER BY name`)).map(toView);
  }

  /** Descriptions only: a column that is not in the view is refused. */
  async describeView(name: string, input: { description?: string; columns?: Record<string, string> }): Promise<DescribedView> {
    const [view] = await queryRows<ViewRow>(this.db, `SELECT * FROM analytics_views WHERE name = $1`, [name]);
    if (!view) throw new NotFoundException({ error: 'not_found', message: `No analytics view ${name}` });
    const unknown = Object.keys(input.columns ?? {}).filter((c) => !view.columns.some((col) => col.name === c));
    if (unknown.length) throw new Refusal(`${name} has no column ${unknown.join(', ')}`, 'unknown_column');
    const columns = view.columns.map((c) => ({ ...c, description: input.columns?.[c.name] ?? c.description }));
    const [row] = await queryRows<ViewRow>(this.db,
      `UPDATE analytics_views SET description = $2, columns = $3, updated_at = now() WHERE name = $1 RETURNING *`,
      [name, input.description ?? view.description, JSON.stringify(columns)],
    );
    return toView(row!);
  }

  async metrics(): Promise<Metric[]> {
    return (await queryRows<MetricRow>(this.db, `SELECT * FROM analytics_metrics ORDER BY name`)).map(toMetric);
  }

  async metric(name: string): Promise<Metric | null> {
    const [row] = await queryRows<MetricRow>(this.db, `SELECT * FROM analytics_metrics WHERE name = $1`, [name]);
    return row ? toMetric(row) : null;
  }

  /** Creates or replaces a metric once its SQL passes the guard and names a column of its view. */
  async putMetric(m: MetricDefinition): Promise<Metric> {
    await this.checkMetric(m);
    const [row] = await queryRows<MetricRow>(this.db,
      `INSERT INTO analytics_metrics (name, label, description, view, expression, time_column, filter, unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (name) DO UPDATE SET label = $2, description = $3, view = $4, expression = $5, time_column = $6, filter = $7, unit = $8, updated_at = now()
       RETURNING *`,
      [m.name, m.label, m.description, m.view, m.expression, m.timeColumn, m.filter, m.unit],
    );
    return toMetric(row!);
  }

  async deleteMetric(name: string): Promise<boolean> {
    const rows = await queryRows<{ name: string }>(this.db, `DELETE FROM analytics_metrics WHERE name = $1 RETURNING name`, [name]);
    return rows.length > 0;
  }

  async examples(): Promise<Example[]> {
    return (await queryRows<ExampleRow>(this.db, `SELECT * FROM analytics_examples ORDER BY created_at, id`)).map(toExample);
  }

  /** A verified example: its SQL must pass the same guard the model's SQL does. */
  async addExample(e: ExampleDefinition): Promise<Example> {
    const verdict = await checkDataQuery(e.sql);
    if (!verdict.ok) throw new Refusal(`The example's SQL is refused: ${verdict.reason}`, 'sql_refused');
    const [row] = await queryRows<ExampleRow>(this.db, `INSERT INTO analytics_examples (id, question, sql) VALUES ($1, $2, $3) RETURNING *`, [randomUUID(), e.question, e.sql]);
    return toExample(row!);
  }

  async deleteExample(id: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(this.db, `DELETE FROM analytics_examples WHERE id = $1 RETURNING id`, [id]);
    return rows.length > 0;
  }

  /** What the model sees for a question: all views and metrics (a handful), the closest examples. */
  async contextFor(question: string): Promise<SemanticContext> {
    const [views, metrics, examples] = await Promise.all([this.views(), this.metrics(), this.examples()]);
    return {
      views: views.map(({ name, description, columns }) => ({ name, description, columns })),
      metrics: metrics.map(({ name, description, view, expression, timeColumn, filter }) => ({ name, description, view, expression, timeColumn, filter })),
      examples: closestExamples(question, examples, EXAMPLES_PER_QUESTION).map(({ question: q, sql }) => ({ question: q, sql })),
    };
  }

  private async checkMetric(m: MetricDefinition): Promise<void> {
    const [view] = await queryRows<ViewRow>(this.db, `SELECT * FROM analytics_views WHERE name = $1`, [m.view]);
    if (!view) throw new Refusal(`No analytics view ${m.view}`, 'unknown_view');
    if (!view.columns.some((c) => c.name === m.timeColumn && c.type.startsWith('timestamp'))) {
      throw new Refusal(`${m.timeColumn} is not a time column of ${m.view}`, 'unknown_column');
    }
    const verdict = await checkDataQuery(metricSql(m, 'now()', 'now()'));
    if (!verdict.ok) throw new Refusal(`The metric's SQL is refused: ${verdict.reason}`, 'sql_refused');
  }
}

const words = (text: string) => new Set(text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').split(/[^a-z0-9]+/).filter((w) => w.length > 2));

/** Examples ranked by the words they share with the question (ties: the order they were added). */
export function closestExamples<T extends ExampleDefinition>(question: string, examples: T[], limit: number): T[] {
  const asked = words(question);
  const score = (e: T) => [...words(e.question)].filter((w) => asked.has(w)).length;
  return examples.map((e, i) => ({ e, i, s: score(e) })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, limit).map((x) => x.e);
}
