import { randomUUID } from 'node:crypto';
import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import { Refusal } from '../common/refusal';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import { StaffService } from '../staff/staff.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { DATA_ROLES } from '../../workflows/data-definitions';
import { staffReportScheduleId } from '../../workflows/staff-report.workflow';
import { taskQueues } from '../../workflows/definitions';
import type { ReportPeriod } from './data-reports';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export interface StaffReport {
  id: string;
  staffId: string;
  integrationId: string;
  period: ReportPeriod;
  metrics: string[];
  /** `HH:MM` in `timeZone`. */
  at: string;
  days: Weekday[];
  timeZone: string;
  cron: string;
  scheduleId: string;
  createdAt: string;
}

type Row = { id: string; staff_id: string; integration_id: string; period: ReportPeriod; metrics: string[]; cron: string; time_zone: string; created_at: Date };

/** `30 8 * * 1,3,5` ⇄ 08:30 on mon, wed, fri. */
const toCron = (at: string, days: Weekday[]) => {
  const [hour, minute] = at.split(':').map(Number) as [number, number];
  return `${minute} ${hour} * * ${days.length === 7 ? '*' : days.map((d) => WEEKDAYS.indexOf(d)).sort().join(',')}`;
};
const fromCron = (cron: string) => {
  const [minute, hour, , , dow] = cron.split(' ') as [string, string, string, string, string];
  const days = dow === '*' ? [...WEEKDAYS] : dow.split(',').map((d) => WEEKDAYS[Number(d)]!);
  return { at: `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`, days };
};

const toReport = (r: Row): StaffReport => ({
  id: r.id, staffId: r.staff_id, integrationId: r.integration_id, period: r.period, metrics: r.metrics, ...fromCron(r.cron), timeZone: r.time_zone,
  cron: r.cron, scheduleId: staffReportScheduleId(r.id), createdAt: new Date(r.created_at).toISOString(),
});

/**
 * Reports an owner or analyst receives on WhatsApp on a schedule: each one a row here and a Temporal
 * schedule (`staff-report:<id>`) that starts the `staffReport` workflow at the chosen time in the
 * chosen time zone. Outside the 24-hour window the integration's template carries it.
 */
@Injectable()
export class StaffReportsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly staff: StaffService,
    private readonly temporal: TemporalClientService,
  ) {}

  async create(staffId: string, input: { period: ReportPeriod; metrics: string[]; at: string; days: Weekday[]; timeZone?: string; integrationId?: string }): Promise<StaffReport> {
    const member = await this.staff.byId(staffId);
    if (!member) throw new NotFoundException({ error: 'not_found', message: `No staff member ${staffId}` });
    if (!DATA_ROLES.includes(member.role)) throw new Refusal(`${member.name} is ${member.role === 'agent' ? 'an agent' : member.role}: only owners and analysts receive data reports`, 'role_not_allowed');
    const integrationId = input.integrationId ?? member.integrationId ?? (await queryRows<{ id: string }>(this.db, `SELECT id FROM integrations ORDER BY created_at LIMIT 1`))[0]?.id;
    if (!integrationId) throw new Refusal('There is no integration to report on', 'no_integration');
    if (member.integrationId && member.integrationId !== integrationId) throw new Refusal(`${member.name} is staff of another integration`, 'other_integration');
    const unknown = await queryRows<{ name: string }>(this.db, `SELECT unnest($1::text[]) AS name EXCEPT SELECT name FROM analytics_metrics`, [input.metrics]);
    if (unknown.length) throw new Refusal(`Unknown metrics: ${unknown.map((u) => u.name).join(', ')}`, 'unknown_metric');
    const timeZone = input.timeZone ?? this.config.dailyDigest.timeZone;
    const cron = toCron(input.at, input.days);
    const [row] = await queryRows<Row>(this.db,
      `INSERT INTO staff_reports (id, staff_id, integration_id, period, metrics, cron, time_zone) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [randomUUID(), staffId, integrationId, input.period, input.metrics, cron, timeZone],
    );
    const report = toReport(row!);
    try {
      await this.temporal.client.schedule.create({
        scheduleId: report.scheduleId,
        spec: { cronExpressions: [cron], timezone: timeZone },
        action: { type: 'startWorkflow', workflowType: 'staffReport', taskQueue: taskQueues(this.config.temporal.taskQueue).conversations, args: [{ reportId: report.id }], workflowId: report.scheduleId },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
      });
    } catch (err) {
      await this.db.query(`DELETE FROM staff_reports WHERE id = $1`, [report.id]);
      throw err;
    }
    return report;
  }

  async list(staffId: string): Promise<StaffReport[]> {
    return (await queryRows<Row>(this.db, `SELECT * FROM staff_reports WHERE staff_id = $1 ORDER BY created_at, id`, [staffId])).map(toReport);
  }

  async get(staffId: string, id: string): Promise<StaffReport | null> {
    const [row] = await queryRows<Row>(this.db, `SELECT * FROM staff_reports WHERE staff_id = $1 AND id = $2`, [staffId, id]);
    return row ? toReport(row) : null;
  }

  /** Deletes the schedule, then the row (a run that starts in between finds no report and sends nothing). */
  async remove(staffId: string, id: string): Promise<boolean> {
    if (!(await this.get(staffId, id))) return false;
    await this.temporal.client.schedule.getHandle(staffReportScheduleId(id)).delete().catch((err: unknown) => {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    });
    await this.db.query(`DELETE FROM staff_reports WHERE id = $1`, [id]);
    return true;
  }

  /** Sends the report now, through its schedule (the run shows under the schedule in the Temporal UI). */
  async runNow(staffId: string, id: string): Promise<boolean> {
    if (!(await this.get(staffId, id))) return false;
    await this.temporal.client.schedule.getHandle(staffReportScheduleId(id)).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
    return true;
  }
}
