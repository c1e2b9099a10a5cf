import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { AppConfig } from '../config/config';
import { type Alert, alertWorkflowId, taskQueues } from '../../workflows/definitions';

/**
 * Starts the durable delivery of an alert an activity raised (`alert:<id>`): a second start of the
 * same alert (a retried activity) is the same delivery, so it goes out once.
 */
export async function startAlertDelivery(client: Client, config: AppConfig, alert: Alert): Promise<void> {
  try {
    await client.workflow.start('deliverAlert', {
      workflowId: alertWorkflowId(alert.id),
      taskQueue: taskQueues(config.temporal.taskQueue).conversations,
      args: [alert],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
