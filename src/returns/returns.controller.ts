import { BadGatewayException, Body, ConflictException, Controller, Get, NotFoundException, Param, ParseUUIDPipe, Post, Query, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { ApplicationFailure, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller, Roles } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { returnStepUpdate, returnWorkflowId } from '../../workflows/skill-definitions';
import { ReturnsService } from './returns.service';

const STATUSES = ['requested', 'approved', 'rejected', 'received', 'refunded', 'exchanged'] as const;
const stepSchema = z.strictObject({
  status: z.enum(['approved', 'rejected', 'received', 'refunded', 'exchanged']),
  /** Told to the customer with the change (e.g. why a return was rejected). */
  note: z.string().trim().min(1).max(500).optional(),
});

/** Returns and exchanges: staff (admins and agents) see them and move them on; the customer is told each change. */
@Controller('api/returns')
@UseGuards(ApiKeyGuard)
@Roles(['agent'])
export class ReturnsController {
  constructor(
    private readonly returns: ReturnsService,
    private readonly temporal: TemporalClientService,
  ) {}

  @Get()
  list(@Query('status') status?: unknown) {
    return this.returns.list(status === undefined ? undefined : parseOrThrow(z.enum(STATUSES), status, 'status'));
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    const found = await this.returns.byId(id);
    if (!found) throw new NotFoundException({ error: 'not_found', message: `No return ${id}` });
    return found;
  }

  /** Approve, reject, mark received, refunded or exchanged: 409 when the return cannot make that move now. */
  @Post(':id/status')
  async step(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown, @CurrentCaller() caller: Caller) {
    const { status, note } = parseOrThrow(stepSchema, body);
    const found = await this.returns.byId(id);
    if (!found) throw new NotFoundException({ error: 'not_found', message: `No return ${id}` });
    if (found.status === status) return found; // a retried request: the change is already made
    try {
      await this.temporal.client.workflow.getHandle(returnWorkflowId(id)).executeUpdate(returnStepUpdate, { args: [{ to: status, by: `${caller.role}:${caller.name}`, note }] });
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && ['InvalidReturnStep', 'ReturnBusy'].includes(err.cause.type ?? '')) {
        throw new ConflictException({ error: 'invalid_return_step', message: err.cause.message });
      }
      if (err instanceof WorkflowNotFoundError) throw new ConflictException({ error: 'invalid_return_step', message: `The return is ${found.status} and takes no more changes` });
      if (err instanceof WorkflowUpdateFailedError) throw new BadGatewayException({ error: 'update_failed', message: (err.cause as Error | undefined)?.message ?? err.message });
      const grpcCode = (err as { code?: number }).code;
      if (grpcCode === 14 || grpcCode === 4) throw new ServiceUnavailableException({ error: 'temporal_unavailable', message: 'Temporal is unreachable; try again in a moment' });
      throw err;
    }
    return (await this.returns.byId(id))!;
  }
}
