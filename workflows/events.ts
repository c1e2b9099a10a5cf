import { ActivityFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EventSubject } from '../activities/event.activities';

const { publishEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Publishes a business event from a workflow: stored once and sent to every webhook subscribed to
 * its type. The event id is the workflow id and `idKey`, so a retried activity or a replay publishes
 * the same event. `subject` adds the record's state (the order, the appointment) to the data.
 * The business process never fails for its event: after an hour of retries the failure is logged.
 */
export async function publish(type: string, data: Record<string, unknown>, idKey: string, opts: { subject?: EventSubject; integrationId?: string } = {}): Promise<void> {
  try {
    await publishEvent({ id: `${workflowInfo().workflowId}:${idKey}`, type, data, ...opts });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.error('Event not published', { type, idKey, error: err.cause?.message ?? err.message });
  }
}
