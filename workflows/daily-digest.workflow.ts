import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { DigestForOwners } from '../activities/report.activities';
import { publish } from './events';
import { messageStaff } from './staff-notify';

const { computeDailyDigest } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '5m' },
});

export const dailyDigestScheduleId = (taskQueue: string) => `daily-digest:${taskQueue}`;

/**
 * Run by the `daily-digest` schedule (DAILY_DIGEST_TIME in DAILY_DIGEST_TIME_ZONE): computes the
 * previous day's figures of each integration (or of `date`), stores them, publishes `report.daily`
 * and sends the digest to the staff with role `owner` on WhatsApp.
 */
export async function dailyDigest(input: { date?: string } = {}): Promise<{ date: string; integrations: number }> {
  // The workflow's start time: a replay computes the same day.
  const { date, digests } = await computeDailyDigest({ date: input.date, asOf: new Date().toISOString() });
  for (const digest of digests) {
    const { integrationId, integrationName, timeZone, figures } = digest;
    await publish('report.daily', { date, timeZone, integrationId, integrationName, figures }, `report.daily:${integrationId}`, { integrationId });
    await sendToOwners(digest);
  }
  return { date, integrations: digests.length };
}

/**
 * The digest to the staff with role `owner`, once per owner and day (a second run of the same day
 * sends nothing again). Outside the 24-hour window the integration's template goes out instead.
 * The digest stays stored and published even if no owner can be reached.
 */
async function sendToOwners(digest: DigestForOwners): Promise<void> {
  try {
    const result = await messageStaff({ integrationId: digest.integrationId, roles: ['owner'], body: digest.text, key: `daily-digest:${digest.integrationId}:${digest.date}` });
    log.info('Daily digest sent to owners', { integrationId: digest.integrationId, date: digest.date, ...result });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.error('Daily digest not sent to owners', { integrationId: digest.integrationId, date: digest.date, error: err.cause?.message ?? err.message });
  }
}
