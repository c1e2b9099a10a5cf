import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Alert } from './definitions';

const { postAlert } = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/** Posts one administrator alert to ALERT_WEBHOOK_URL, retrying for up to a day (`alert:<id>`). */
export async function deliverAlert(alert: Alert): Promise<string> {
  return postAlert(alert);
}
