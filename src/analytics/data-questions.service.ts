import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import type { ChartRequest, DataAttempt } from '../../workflows/data-definitions';
import { buildReport, DEFAULT_REPORT_METRICS, type DataReport, type ReportPeriod } from './data-reports';
import { type DataQueryResult, queryLimits, runDataQuery } from './query-runner';
import { SemanticLayerService } from './semantic-layer.service';

export interface DataQuestion {
  id: string;
  integrationId: string;
  staffId: string | null;
  workflowId: string;
  question: string;
  status: 'asked' | 'answered' | 'unanswerable' | 'failed';
  attempts: DataAttempt[];
  answer: string | null;
  chartId: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface ScheduledReport {
  integrationId: string;
  staffId: string;
  text: string;
  trend?: { intent: ChartRequest; rows: Record<string, unknown>[] };
}

/** The days a scheduled report's chart covers. */
const TREND_DAYS = 14;

type Row = {
  id: string; integration_id: string; staff_id: string | null; workflow_id: string; question: string; status: DataQuestion['status'];
  attempts: DataAttempt[]; answer: string | null; chart_id: string | null; created_at: Date; finished_at: Date | null;
};

const toQuestion = (r: Row): DataQuestion => ({
  id: r.id, integrationId: r.integration_id, staffId: r.staff_id, workflowId: r.workflow_id, question: r.question, status: r.status,
  attempts: r.attempts, answer: r.answer, chartId: r.chart_id, createdAt: new Date(r.created_at).toISOString(),
  finishedAt: r.finished_at ? new Date(r.finished_at).toISOString() : null,
});

/**
 * Staff's data questions: the record of each (the SQL tried and what happened), running a checked
 * query within the configured limits, and reports from the named metrics.
 */
@Injectable()
export class DataQuestionsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly semantic: SemanticLayerService,
  ) {}

  /** Once per workflow: a retried activity finds the row it made. */
  async start(input: { integrationId: string; staffId: string | null; workflowId: string; question: string }): Promise<{ id: string }> {
    const [row] = await queryRows<{ id: string }>(this.db,
      `INSERT INTO data_questions (id, integration_id, staff_id, workflow_id, question, status) VALUES ($1, $2, $3, $4, $5, 'asked')
       ON CONFLICT (workflow_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id RETURNING id`,
      [randomUUID(), input.integrationId, input.staffId, input.workflowId, input.question.slice(0, 2000)],
    );
    return { id: row!.id };
  }

  async finish(input: { id: string; status: DataQuestion['status']; attempts: DataAttempt[]; answer: string; chartId: string | null }): Promise<void> {
    await this.db.query(
      `UPDATE data_questions SET status = $2, attempts = $3, answer = $4, chart_id = $5, finished_at = now() WHERE id = $1`,
      [input.id, input.status, JSON.stringify(input.attempts), input.answer, input.chartId],
    );
  }

  async list(filter: { integrationId?: string; limit?: number } = {}): Promise<DataQuestion[]> {
    const rows = await queryRows<Row>(this.db,
      `SELECT * FROM data_questions WHERE ($1::uuid IS NULL OR integration_id = $1) ORDER BY created_at DESC, id LIMIT $2`,
      [filter.integrationId ?? null, Math.min(Math.max(filter.limit ?? 50, 1), 200)],
    );
    return rows.map(toQuestion);
  }

  async get(id: string): Promise<DataQuestion | null> {
    const [row] = await queryRows<Row>(this.db, `SELECT * FROM data_questions WHERE id = $1`, [id]);
    return row ? toQuestion(row) : null;
  }

  /** The question's SQL, through the guard and the read-only runner, within DATA_QUERY_* limits. */
  run(integrationId: string, sql: string): Promise<DataQueryResult> {
    return runDataQuery(this.db, { integrationId, sql }, queryLimits(this.config));
  }

  /**
   * A scheduled report's message: its figures, and the first metric per day over the last two weeks
   * for its chart. Null when the report was deleted after its schedule fired.
   */
  async scheduledReport(reportId: string): Promise<ScheduledReport | null> {
    const [row] = await queryRows<{ staff_id: string; integration_id: string; period: ReportPeriod; metrics: string[]; time_zone: string }>(this.db,
      `SELECT staff_id, integration_id, period, metrics, time_zone FROM staff_reports WHERE id = $1`, [reportId]);
    if (!row) return null;
    const report = await this.report({ integrationId: row.integration_id, period: row.period, timeZone: row.time_zone, metrics: row.metrics });
    const first = (await this.semantic.metric(row.metrics[0] ?? '')) ?? null;
    let trend: ScheduledReport['trend'];
    if (first) {
      const sql = `SELECT (date_trunc('day', ${first.timeColumn} AT TIME ZONE '${report.timeZone}'))::date AS day, ${first.expression} AS value FROM ${first.view} ` +
        `WHERE ${first.timeColumn} >= now() - interval '${TREND_DAYS} days'${first.filter ? ` AND (${first.filter})` : ''} GROUP BY 1 ORDER BY 1`;
      const result = await this.run(row.integration_id, sql);
      if (result.rows.length > 1) trend = { intent: { type: 'line', x: 'day', y: 'value', title: `${first.label} per day, last ${TREND_DAYS} days` }, rows: result.rows };
    }
    return { integrationId: row.integration_id, staffId: row.staff_id, text: report.text, ...(trend ? { trend } : {}) };
  }

  /** A report from the named metrics; unknown metric names are left out. */
  async report(input: { integrationId: string; period: ReportPeriod; timeZone?: string; metrics?: string[] }): Promise<DataReport> {
    const wanted = input.metrics?.length ? input.metrics : DEFAULT_REPORT_METRICS;
    const all = await this.semantic.metrics();
    const metrics = wanted.map((name) => all.find((m) => m.name === name)).filter((m) => m !== undefined);
    const timeZone = input.timeZone ?? this.config.dailyDigest.timeZone;
    return buildReport(this.db, { integrationId: input.integrationId, period: input.period, timeZone, metrics }, queryLimits(this.config));
  }
}
