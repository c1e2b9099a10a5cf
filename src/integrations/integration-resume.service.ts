import { Injectable, Logger } from '@nestjs/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { integrationResumedSignal } from '../../workflows/definitions';
import type { IntegrationEntity } from './integration.entity';
import { IntegrationsService } from './integrations.service';
import { WaitingTurnsService } from './waiting-turns.service';

/**
 * Resuming an integration: it is set active, then every turn waiting for it is signalled, oldest
 * first, so the replies held during the pause go out. A turn that misses its signal (Temporal
 * unreachable now) still finds the integration active at its next periodic check.
 */
@Injectable()
export class IntegrationResumeService {
  private readonly logger = new Logger(IntegrationResumeService.name);

  constructor(
    private readonly integrations: IntegrationsService,
    private readonly waiting: WaitingTurnsService,
    private readonly temporal: TemporalClientService,
  ) {}

  async resume(id: string): Promise<{ integration: IntegrationEntity; wokenTurns: number }> {
    const integration = await this.integrations.resume(id);
    let wokenTurns = 0;
    for (const workflowId of await this.waiting.forIntegration(id)) {
      try {
        await this.temporal.client.workflow.getHandle(workflowId).signal(integrationResumedSignal);
        wokenTurns++;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) {
          this.logger.warn(`Could not wake turn ${workflowId}; it will find the integration active at its next check: ${(err as Error).message}`);
          continue;
        }
      }
      await this.waiting.remove(workflowId);
    }
    this.logger.log(`Integration ${id} resumed; ${wokenTurns} waiting turn(s) woken`);
    return { integration, wokenTurns };
  }
}
