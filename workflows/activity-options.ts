import { type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** The database's retry policy: short calls, retried with backoff for up to ten minutes. */
export const DATABASE_ACTIVITY: Pick<ActivityOptions, 'startToCloseTimeout' | 'scheduleToCloseTimeout' | 'retry'> = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
};

/** Database activities (recording, alerts, the integration's state), as regular activities. */
export const crm = proxyActivities<Activities>(DATABASE_ACTIVITY);
