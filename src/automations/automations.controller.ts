import { Body, Controller, Delete, Get, HttpCode, Logger, Param, ParseUUIDPipe, Post, Put, UseGuards } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { stopAutomationRunSignal } from '../../workflows/automation-definitions';
import { automationSchema } from './automation-definition';
import { type Automation, type AutomationRun, AutomationsService } from './automations.service';

/** The stop signals are a courtesy (the run checks the rule's version when due): they do not hold the request up. */
const SIGNAL_DEADLINE_MS = 3_000;

/**
 * Automation rules (administrators): `{ on, if?, after?, then }`. Every event of type `on` starts a
 * run (`automation:<rule>:<event>`); editing or deleting a rule stops its pending runs.
 */
@Controller('api/automations')
@UseGuards(ApiKeyGuard)
export class AutomationsController {
  private readonly logger = new Logger(AutomationsController.name);

  constructor(
    private readonly automations: AutomationsService,
    private readonly temporal: TemporalClientService,
  ) {}

  /** 201 with the rule; 400 naming each problem, and nothing stored. */
  @Post()
  create(@Body() body: unknown): Promise<Automation> {
    return this.automations.create(parseOrThrow(automationSchema, body));
  }

  @Get()
  list(): Promise<Automation[]> {
    return this.automations.list();
  }

  /** The rule with its latest runs (newest first) and how each went. */
  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<Automation & { runs: AutomationRun[] }> {
    return { ...(await this.automations.get(id)), runs: await this.automations.runs(id) };
  }

  /** Replaces the rule (a new version); runs of the old version still waiting are cancelled. */
  @Put(':id')
  async replace(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown): Promise<Automation> {
    const { automation, pending } = await this.automations.replace(id, parseOrThrow(automationSchema, body));
    await this.stop(pending, `the rule was edited (version ${automation.version})`);
    return automation;
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.stop(await this.automations.remove(id), 'the rule was deleted');
  }

  private async stop(workflowIds: string[], reason: string): Promise<void> {
    await Promise.all(
      workflowIds.map(async (workflowId) => {
        try {
          await this.temporal.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => this.temporal.client.workflow.getHandle(workflowId).signal(stopAutomationRunSignal, { reason }));
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) this.logger.warn(`${workflowId} not told to stop; it will when due, finding the rule changed (${(err as Error).message})`);
        }
      }),
    );
  }
}
