import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { reconcileInbound: findAndDeliverMissed } = proxyActivities<Activities>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 3 },
});

/** Run by the `reconcile-inbound` schedule: answers customer messages whose webhook never arrived. */
export async function reconcileInbound(): Promise<{ checkedConversations: number; recovered: number; receiptsRecovered?: number }> {
  return findAndDeliverMissed();
}

export const reconcileScheduleId = (taskQueue: string) => `reconcile-inbound:${taskQueue}`;
