import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { IntegrationsService } from '../integrations/integrations.service';
import { isTimeZone } from '../../workflows/business-hours';
import { REPORT_PERIODS } from './data-reports';
import { DataQuestionsService } from './data-questions.service';
import { refusedAs422 } from './refused';
import { SemanticLayerService } from './semantic-layer.service';

const text = (max: number) => z.string().trim().min(1).max(max);
const identifier = z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier');

const viewSchema = z
  .strictObject({ description: text(500).optional(), columns: z.record(identifier, text(300)).optional() })
  .refine((b) => b.description !== undefined || b.columns !== undefined, { message: 'description or columns is required' });

const metricSchema = z.strictObject({
  label: text(60),
  description: text(300),
  view: identifier,
  expression: text(500),
  timeColumn: identifier,
  filter: text(500).nullable().optional(),
  unit: z.enum(['count', 'money', 'seconds', 'ratio']),
});

const exampleSchema = z.strictObject({ question: text(300), sql: text(4000) });

const reportQuery = z.strictObject({
  period: z.enum(REPORT_PERIODS).default('today'),
  integrationId: z.uuid().optional(),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid').optional(),
  metrics: z.string().optional(),
});

/**
 * The semantic layer staff's data questions are answered from (administrators only): view and column
 * descriptions, named metrics, verified examples; the trail of questions asked; reports on demand.
 * Whatever is stored here passes the same SQL guard as the model's own queries.
 */
@Controller('api')
@UseGuards(ApiKeyGuard)
export class AnalyticsController {
  constructor(
    private readonly semantic: SemanticLayerService,
    private readonly questions: DataQuestionsService,
    private readonly integrations: IntegrationsService,
  ) {}

  @Get('analytics/views')
  views() {
    return this.semantic.views();
  }

  /** Descriptions only; the views themselves change by migration. */
  @Patch('analytics/views/:name')
  describeView(@Param('name') name: string, @Body() body: unknown) {
    return refusedAs422(() => this.semantic.describeView(name, parseOrThrow(viewSchema, body)));
  }

  @Get('analytics/metrics')
  metrics() {
    return this.semantic.metrics();
  }

  /** Creates or replaces the metric `name`; 422 when its SQL is refused or names an unknown view or column. */
  @Put('analytics/metrics/:name')
  putMetric(@Param('name') name: string, @Body() body: unknown) {
    const metric = parseOrThrow(metricSchema, body);
    return refusedAs422(() => this.semantic.putMetric({ name: parseOrThrow(identifier, name, 'name'), ...metric, filter: metric.filter ?? null }));
  }

  @Delete('analytics/metrics/:name')
  @HttpCode(204)
  async deleteMetric(@Param('name') name: string): Promise<void> {
    if (!(await this.semantic.deleteMetric(name))) throw new NotFoundException({ error: 'not_found', message: `No metric ${name}` });
  }

  @Get('analytics/examples')
  examples() {
    return this.semantic.examples();
  }

  /** A verified question → SQL pair; 422 when the SQL does not pass the guard. */
  @Post('analytics/examples')
  addExample(@Body() body: unknown) {
    return refusedAs422(() => this.semantic.addExample(parseOrThrow(exampleSchema, body)));
  }

  @Delete('analytics/examples/:id')
  @HttpCode(204)
  async deleteExample(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    if (!(await this.semantic.deleteExample(id))) throw new NotFoundException({ error: 'not_found', message: `No example ${id}` });
  }

  /** The figures of a period from the named metrics, with the period before (`?period=today|yesterday|this_week|last_week|this_month`). */
  @Get('analytics/report')
  async report(@Query() query: unknown) {
    const q = parseOrThrow(reportQuery, query);
    const integrationId = q.integrationId ?? (await this.integrations.list())[0]?.id;
    if (!integrationId) throw new NotFoundException({ error: 'not_found', message: 'No integration' });
    return this.questions.report({ integrationId, period: q.period, timeZone: q.timeZone, metrics: q.metrics?.split(',').map((m) => m.trim()).filter(Boolean) });
  }

  /** Questions staff asked, newest first, with the SQL tried and what happened. */
  @Get('data-questions')
  list(@Query('integrationId') integrationId?: string, @Query('limit') limit?: string) {
    return this.questions.list({
      integrationId: integrationId === undefined ? undefined : parseOrThrow(z.uuid(), integrationId, 'integrationId'),
      limit: limit === undefined ? undefined : parseOrThrow(z.coerce.number().int().min(1).max(200), limit, 'limit'),
    });
  }

  @Get('data-questions/:id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    const question = await this.questions.get(id);
    if (!question) throw new NotFoundException({ error: 'not_found', message: `No data question ${id}` });
    return question;
  }
}
