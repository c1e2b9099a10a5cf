import { ActivityFailure, proxyActivities, TimeoutFailure } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { crm } from './activity-options';

export interface WebhookDeliveryInput {
  deliveryId: string;
  /** WEBHOOK_RETRY_*: carried in the input so a running delivery keeps the policy it started with. */
  retry: { initialSeconds: number; maximumSeconds: number; giveUpAfterSeconds: number };
}

export const webhookDeliveryWorkflowId = (deliveryId: string) => `webhook-delivery:${deliveryId}`;

/**
 * One event to one webhook (`webhook-delivery:<deliveryId>`): the POST is an activity retried with
 * exponential backoff until the receiver accepts it or the retry period ends. A receiver's 4xx (but
 * 408 and 429) fails it at once. Every attempt is recorded by the activity; a final failure marks the
 * delivery failed, where the API shows it and an administrator can replay it.
 */
export async function webhookDelivery({ deliveryId, retry }: WebhookDeliveryInput): Promise<'delivered' | 'dropped' | 'failed'> {
  const { deliverWebhook } = proxyActivities<Activities>({
    // The POST itself gives up after 10 s; this bounds the attempt with its database writes.
    startToCloseTimeout: '30s',
    scheduleToCloseTimeout: retry.giveUpAfterSeconds * 1000,
    retry: { initialInterval: retry.initialSeconds * 1000, backoffCoefficient: 2, maximumInterval: retry.maximumSeconds * 1000 },
  });
  try {
    return await deliverWebhook({ deliveryId });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const reason = err.cause instanceof TimeoutFailure ? `No attempt succeeded within ${retry.giveUpAfterSeconds / 3600} h` : undefined;
    await crm.markWebhookDeliveryFailed({ deliveryId, reason });
    return 'failed';
  }
}
