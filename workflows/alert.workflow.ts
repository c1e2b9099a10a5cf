import { patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Alert } from './definitions';
import { notifyStaffOfAlert } from './staff-notify';

const { postAlert } = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '10m' },
});

/** Alerts started before staff were told of them replay without it. */
const STAFF_NOTIFICATIONS = 'staff-notifications';

/**
 * Delivers one administrator alert (`alert:<id>`): POSTed to ALERT_WEBHOOK_URL, retrying for up to
 * a day; published as `alert.raised`; sent on WhatsApp to the staff subscribed to its kind.
 */
export async function deliverAlert(alert: Alert): Promise<string> {
  if (!patched(STAFF_NOTIFICATIONS)) return postAlert(alert);
  // Side by side: staff hear of it while an unreachable alert webhook is still being retried.
  const staff = notifyStaffOfAlert(alert);
  try {
    return await postAlert(alert);
  } finally {
    await staff;
  }
}
