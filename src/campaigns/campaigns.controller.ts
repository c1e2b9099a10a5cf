import { Body, ConflictException, Controller, Get, HttpCode, Inject, Param, ParseUUIDPipe, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { SegmentsService } from '../segments/segments.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import type { CampaignRun } from '../../workflows/campaign-definitions';
import { taskQueues } from '../../workflows/definitions';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { campaignWorkflowId, cancelCampaignSignal, pauseCampaignSignal, resumeCampaignSignal } from '../../workflows/campaign-definitions';
import { campaignVariablesSchema } from './campaign-variables';
import { CampaignsService } from './campaigns.service';

const createSchema = z.strictObject({
  name: z.string().trim().min(1).max(120),
  segmentId: z.uuid(),
  contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'the Content SID of an approved WhatsApp template (HX…)'),
  variables: campaignVariablesSchema.default({}),
  sendAt: z.iso.datetime({ offset: true }).optional(),
});

const SIGNALS = { pause: pauseCampaignSignal, resume: resumeCampaignSignal, cancel: cancelCampaignSignal } as const;

/**
 * Campaigns (administrators): created as drafts, started (at `sendAt` if it is later), paused, resumed
 * or cancelled through their workflow; progress and delivery figures from the recipients table.
 */
@Controller('api/campaigns')
@UseGuards(ApiKeyGuard)
export class CampaignsController {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly segments: SegmentsService,
    private readonly temporal: TemporalClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Post()
  async create(@Body() body: unknown) {
    const input = parseOrThrow(createSchema, body);
    await this.segments.get(input.segmentId);
    return this.withFigures(await this.campaigns.create(input));
  }

  @Get()
  list() {
    return this.campaigns.list();
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.withFigures(await this.campaigns.get(id));
  }

  /** Starts the campaign's workflow; it waits for `sendAt` when that is later. 409 unless it is a draft. */
  @Post(':id/start')
  @HttpCode(202)
  async start(@Param('id', ParseUUIDPipe) id: string) {
    const campaign = await this.campaigns.get(id);
    const later = Boolean(campaign.sendAt && Date.parse(campaign.sendAt) > Date.now());
    // Claimed before the workflow starts: a cancel of the draft at the same moment either wins or finds it started.
    if (!(await this.campaigns.leaveDraft(id, later ? 'scheduled' : 'running'))) {
      throw new ConflictException({ error: 'campaign_started', message: `The campaign is ${(await this.campaigns.get(id)).status}` });
    }
    try {
      const run: CampaignRun = { campaignId: id, ...(campaign.sendAt ? { sendAt: Date.parse(campaign.sendAt) } : {}) };
      await this.temporal.client.workflow.start('campaignWorkflow', {
        workflowId: campaignWorkflowId(id),
        taskQueue: taskQueues(this.config.temporal.taskQueue).conversations,
        args: [run],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Campaign "${campaign.name}"`,
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) throw new ConflictException({ error: 'campaign_started', message: 'The campaign was started already' });
      await this.campaigns.backToDraft(id);
      throw unavailable(err);
    }
    return this.withFigures(await this.campaigns.get(id));
  }

  /** Pause, resume or cancel: a signal to the workflow, which records the new status. A draft is cancelled at once. */
  @Post(':id/pause')
  @HttpCode(202)
  pause(@Param('id', ParseUUIDPipe) id: string) {
    return this.control(id, 'pause');
  }

  @Post(':id/resume')
  @HttpCode(202)
  resume(@Param('id', ParseUUIDPipe) id: string) {
    return this.control(id, 'resume');
  }

  @Post(':id/cancel')
  @HttpCode(202)
  cancel(@Param('id', ParseUUIDPipe) id: string) {
    return this.control(id, 'cancel');
  }

  private async control(id: string, action: keyof typeof SIGNALS) {
    const campaign = await this.campaigns.get(id);
    if (campaign.status === 'completed' || campaign.status === 'cancelled') throw new ConflictException({ error: 'campaign_finished', message: `The campaign is ${campaign.status}` });
    if (campaign.status === 'draft') {
      if (action !== 'cancel') throw new ConflictException({ error: 'campaign_not_started', message: 'Start the campaign first' });
      // Only while it is still a draft; started meanwhile, the cancel goes to its workflow below.
      if (await this.campaigns.leaveDraft(id, 'cancelled')) return this.withFigures(await this.campaigns.get(id));
    }
    try {
      await this.temporal.client.workflow.getHandle(campaignWorkflowId(id)).signal(SIGNALS[action]);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new ConflictException({ error: 'campaign_finished', message: 'The campaign has finished' });
      throw unavailable(err);
    }
    return { ...(await this.withFigures(campaign)), requested: action };
  }

  private async withFigures<T extends { id: string }>(campaign: T) {
    return { ...campaign, workflowId: campaignWorkflowId(campaign.id), figures: await this.campaigns.figures(campaign.id) };
  }
}

function unavailable(err: unknown): unknown {
  const code = (err as { code?: number }).code;
  return code === 14 || code === 4 ? new ServiceUnavailableException({ error: 'temporal_unavailable', message: 'Temporal is unreachable; try again in a moment' }) : err;
}
