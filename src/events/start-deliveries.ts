import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { AppConfig } from '../config/config';
import { taskQueues } from '../../workflows/definitions';
import { type webhookDelivery, webhookDeliveryWorkflowId } from '../../workflows/webhook-delivery.workflow';

/**
 * Starts one workflow per webhook delivery. The workflow id carries the delivery id and a closed
 * workflow's id is never reused, so starting a delivery twice (a retried publish) sends it once.
 */
export async function startDeliveries(client: Client, config: AppConfig, deliveryIds: string[]): Promise<void> {
  const taskQueue = taskQueues(config.temporal.taskQueue).conversations;
  await Promise.all(
    deliveryIds.map((deliveryId) =>
      client.workflow
        .start<typeof webhookDelivery>('webhookDelivery', {
          workflowId: webhookDeliveryWorkflowId(deliveryId),
          taskQueue,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [{ deliveryId, retry: config.webhookRetry }],
        })
        .catch((err: unknown) => {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }),
    ),
  );
}
