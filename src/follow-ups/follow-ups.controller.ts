import { Body, ConflictException, Controller, Delete, Get, HttpCode, Inject, Logger, NotFoundException, Param, ParseUUIDPipe, Post, Query, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller } from '../auth/roles';
import { APP_CONFIG } from '../common/tokens';
import { parseOrThrow } from '../common/validation';
import type { AppConfig } from '../config/config';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { taskQueues } from '../../workflows/definitions';
import { followUpCancelledSignal, followUpWorkflowId, type FollowUpWorkflowInput } from '../../workflows/skill-definitions';
import { FOLLOW_UP_STATUSES, type FollowUp, FollowUpsService } from './follow-ups.service';

/** The cancel signal is a courtesy (the row already says cancelled): it does not hold the request up. */
const SIGNAL_DEADLINE_MS = 3_000;
/** How far ahead the API may schedule (staff plan further ahead than the agent's 90 days). */
const MAX_AHEAD_MS = 366 * 24 * 60 * 60_000;

const createSchema = z
  .strictObject({
    customerId: z.uuid(),
    at: z.iso.datetime({ offset: true, message: 'must be an ISO date-time with offset, e.g. 2026-12-08T10:00:00+01:00' }),
    audience: z.enum(['customer', 'staff']),
    message: z.string().trim().min(1).max(1000),
  })
  .superRefine((body, ctx) => {
    const at = Date.parse(body.at);
    if (at <= Date.now()) ctx.addIssue({ code: 'custom', path: ['at'], message: 'must be in the future' });
    else if (at > Date.now() + MAX_AHEAD_MS) ctx.addIssue({ code: 'custom', path: ['at'], message: 'must be at most 366 days ahead' });
  });

/**
 * Follow-up reminders, for the customer (a message in their conversation) or for staff (an
 * administrator alert: "call this customer Friday"). Each runs as its workflow `follow-up:<id>`.
 * Admins only.
 */
@Controller('api/follow-ups')
@UseGuards(ApiKeyGuard)
export class FollowUpsController {
  private readonly logger = new Logger(FollowUpsController.name);

  constructor(
    private readonly followUps: FollowUpsService,
    private readonly temporal: TemporalClientService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** 201 `{ id, workflowId }`; 404 for an unknown customer, 409 for a message to a customer who has no conversation. */
  @Post()
  async create(@Body() body: unknown, @CurrentCaller() caller: Caller): Promise<{ id: string; workflowId: string }> {
    const { customerId, at, audience, message } = parseOrThrow(createSchema, body);
    const target = await this.followUps.target(customerId);
    if (!target) throw new NotFoundException({ error: 'not_found', message: `No customer ${customerId}` });
    if (audience === 'customer' && !target.conversationSid) {
      throw new ConflictException({ error: 'no_conversation', message: 'The customer has never written to the business: there is no conversation to send to' });
    }
    const followUp = await this.followUps.schedule({ ...target, audience, dueAt: Date.parse(at), message, createdBy: caller.name });
    const workflowId = followUpWorkflowId(followUp.id);
    const input: FollowUpWorkflowInput = {
      followUpId: followUp.id, integrationId: target.integrationId, audience, dueAt: Date.parse(followUp.dueAt),
      ...(target.conversationSid ? { conversationSid: target.conversationSid } : {}),
    };
    try {
      await this.temporal.client.workflow.start('followUpWorkflow', {
        workflowId, taskQueue: taskQueues(this.config.temporal.taskQueue).conversations, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Follow-up for ${audience === 'staff' ? 'staff' : 'the customer'} at ${followUp.dueAt}`,
      });
    } catch (err) {
      // Nothing is left behind that no workflow would ever send.
      await this.followUps.discard(followUp.id);
      this.logger.warn(`Follow-up ${followUp.id} not scheduled: ${(err as Error).message}`);
      throw new ServiceUnavailableException({ error: 'temporal_unavailable', message: 'The follow-up could not be scheduled; try again in a moment' });
    }
    return { id: followUp.id, workflowId };
  }

  @Get()
  list(@Query('customerId') customerId?: unknown, @Query('status') status?: unknown): Promise<FollowUp[]> {
    return this.followUps.list({
      customerId: customerId === undefined ? undefined : parseOrThrow(z.uuid(), customerId, 'customerId'),
      status: status === undefined ? undefined : parseOrThrow(z.enum(FOLLOW_UP_STATUSES), status, 'status'),
    });
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<FollowUp> {
    const found = await this.followUps.byId(id);
    if (!found) throw new NotFoundException({ error: 'not_found', message: `No follow-up ${id}` });
    return found;
  }

  /**
   * Cancels a scheduled follow-up (again: the same answer); 409 once it was sent or failed. The row
   * is cancelled first, so a workflow the signal cannot reach still finds it cancelled when due.
   */
  @Delete(':id')
  @HttpCode(200)
  async cancel(@Param('id', ParseUUIDPipe) id: string): Promise<FollowUp> {
    const found = await this.followUps.byId(id);
    if (!found) throw new NotFoundException({ error: 'not_found', message: `No follow-up ${id}` });
    if (found.status === 'sent' || found.status === 'failed') {
      throw new ConflictException({ error: 'follow_up_done', message: `The follow-up was already ${found.status}` });
    }
    if (found.status === 'scheduled' && !(await this.followUps.finish(id, 'cancelled'))) return this.cancel(id); // it ended meanwhile: answer as it is now
    try {
      await this.temporal.connection.withDeadline(Date.now() + SIGNAL_DEADLINE_MS, () => this.temporal.client.workflow.getHandle(followUpWorkflowId(id)).signal(followUpCancelledSignal));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) this.logger.warn(`Follow-up ${id} cancelled; its workflow will find it so when due (${(err as Error).message})`);
    }
    return (await this.followUps.byId(id))!;
  }
}
