import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { isTimeZone } from '../../workflows/business-hours';
import { DEFAULT_REPORT_METRICS, REPORT_PERIODS } from './data-reports';
import { refusedAs422 } from './refused';
import { type StaffReport, StaffReportsService, WEEKDAYS } from './staff-reports.service';

const createSchema = z.strictObject({
  period: z.enum(REPORT_PERIODS).default('today'),
  metrics: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)).min(1).max(12).default(DEFAULT_REPORT_METRICS),
  /** Local time of day, `HH:MM`. */
  at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM, e.g. 08:30'),
  days: z.array(z.enum(WEEKDAYS)).min(1).max(7).default([...WEEKDAYS]),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid').optional(),
  integrationId: z.uuid().optional(),
});

/** Scheduled reports per staff member (owners and analysts), on WhatsApp. Admins only. */
@Controller('api/staff/:staffId/reports')
@UseGuards(ApiKeyGuard)
export class StaffReportsController {
  constructor(private readonly reports: StaffReportsService) {}

  /** 201 with the report and its Temporal schedule id; 422 for an agent, an unknown metric or another integration. */
  @Post()
  async create(@Param('staffId', ParseUUIDPipe) staffId: string, @Body() body: unknown): Promise<StaffReport> {
    const input = parseOrThrow(createSchema, body);
    return refusedAs422(() => this.reports.create(staffId, { ...input, days: [...new Set(input.days)] }));
  }

  @Get()
  list(@Param('staffId', ParseUUIDPipe) staffId: string): Promise<StaffReport[]> {
    return this.reports.list(staffId);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('staffId', ParseUUIDPipe) staffId: string, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    if (!(await this.reports.remove(staffId, id))) throw new NotFoundException({ error: 'not_found', message: `No report ${id}` });
  }

  /** 202: the report goes out now, as a run of its schedule. */
  @Post(':id/run')
  @HttpCode(202)
  async run(@Param('staffId', ParseUUIDPipe) staffId: string, @Param('id', ParseUUIDPipe) id: string): Promise<{ scheduled: true }> {
    if (!(await this.reports.runNow(staffId, id))) throw new NotFoundException({ error: 'not_found', message: `No report ${id}` });
    return { scheduled: true };
  }
}
