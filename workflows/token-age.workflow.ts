import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { findOldTokens } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 3 },
});

/** Run daily by the `token-age` schedule: alerts (`token_old`, once per token) on Twilio auth tokens older than TOKEN_MAX_AGE_DAYS. */
export async function tokenAgeCheck(): Promise<{ checked: number; old: number }> {
  return findOldTokens();
}

export const tokenAgeScheduleId = (taskQueue: string) => `token-age:${taskQueue}`;
