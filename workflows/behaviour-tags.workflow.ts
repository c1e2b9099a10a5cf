import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { refreshBehaviourTags: refresh } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '2m', maximumAttempts: 3 },
});

/** Run by the `behaviour-tags` schedule: recomputes every customer's automatic tags (inactive, repeat buyer…). */
export async function refreshBehaviourTags(): Promise<{ customersChanged: number }> {
  return refresh();
}

export const behaviourTagsScheduleId = (taskQueue: string) => `behaviour-tags:${taskQueue}`;
