import type { Logger } from '@nestjs/common';
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { tokenAgeScheduleId } from '../../workflows/token-age.workflow';

/** Creates the daily `token-age:<task queue>` schedule (idempotent). Never fails the worker's start. */
export async function ensureTokenAgeSchedule(client: Client, queue: string, logger: Logger): Promise<void> {
  const scheduleId = tokenAgeScheduleId(queue);
  try {
    await client.schedule.create({
      scheduleId,
      spec: { intervals: [{ every: '1d' }] },
      action: { type: 'startWorkflow', workflowType: 'tokenAgeCheck', taskQueue: queue, args: [] },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
    logger.log(`Created schedule ${scheduleId} (every day)`);
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) logger.warn(`Could not create the token-age schedule: ${(err as Error).message}`);
  }
}
