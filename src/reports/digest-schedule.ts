import type { Logger } from '@nestjs/common';
import { type Client, ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleSpec } from '@temporalio/client';
import type { AppConfig } from '../config/config';
import { dailyDigestScheduleId } from '../../workflows/daily-digest.workflow';

/**
 * Creates the `daily-digest:<task queue>` schedule, or brings an existing one to the configured time
 * and time zone; with DAILY_DIGEST_TIME=off an existing one is deleted. Never fails the worker's start.
 */
export async function ensureDailyDigestSchedule(client: Client, config: AppConfig, queue: string, logger: Logger): Promise<void> {
  const scheduleId = dailyDigestScheduleId(queue);
  const { time, timeZone } = config.dailyDigest;
  try {
    if (time === null) {
      await client.schedule.getHandle(scheduleId).delete().catch((err: unknown) => {
        if (!(err instanceof ScheduleNotFoundError)) throw err;
      });
      return;
    }
    const [hour, minute] = time.split(':').map(Number) as [number, number];
    const spec: ScheduleSpec = { calendars: [{ hour, minute, comment: `every day at ${time}` }], timezone: timeZone };
    try {
      await client.schedule.create({
        scheduleId,
        spec,
        action: { type: 'startWorkflow', workflowType: 'dailyDigest', taskQueue: queue, args: [{}] },
        policies: { overlap: ScheduleOverlapPolicy.SKIP },
      });
      logger.log(`Created schedule ${scheduleId} (every day at ${time} ${timeZone})`);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(scheduleId).update((previous) => ({ ...previous, spec }));
    }
  } catch (err) {
    logger.warn(`Could not set up the daily digest schedule: ${(err as Error).message}`);
  }
}
