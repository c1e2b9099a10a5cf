import { condition, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { orderPaidSignal, orderStatusQuery, type OrderWorkflowInput } from './skill-definitions';
import { deliver } from './delivery';

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

/**
 * An order waiting for payment (`order:<number>`), started when the customer confirms it: the payment
 * link goes out; unpaid after the timeout, one reminder; unpaid after another, the order is cancelled
 * and its stock released. The payment provider's confirmation arrives as the `orderPaid` signal and
 * the customer gets a receipt.
 */
export async function orderWorkflow(input: OrderWorkflowInput): Promise<'paid' | 'cancelled'> {
  let status: 'awaiting_payment' | 'paid' | 'cancelled' = 'awaiting_payment';
  let paid = false;
  setHandler(orderPaidSignal, ({ provider }) => {
    log.info('Payment confirmed', { provider });
    paid = true;
  });
  setHandler(orderStatusQuery, () => status);

  const { orderId, language } = input;
  const link = await acts.createPaymentLink({ orderId, language });
  await tell(input, link.message, 'payment-link');

  if (!(await condition(() => paid, input.paymentTimeoutMs))) {
    const reminder = await acts.paymentReminder({ orderId, language });
    await tell(input, reminder.message, 'payment-reminder');
    if (!(await condition(() => paid, input.paymentTimeoutMs))) {
      const cancelled = await acts.cancelUnpaidOrder({ orderId, language });
      if (cancelled.status === 'cancelled') {
        status = 'cancelled';
        await tell(input, cancelled.message, 'cancelled');
        return status;
      }
    }
  }
  const receipt = await acts.markOrderPaid({ orderId, language });
  status = 'paid';
  await tell(input, receipt.message, 'receipt');
  return status;
}

/** A message about the order in its conversation, through the send policy, recorded like the bot's replies. */
async function tell(input: OrderWorkflowInput, body: string, what: string): Promise<void> {
  const idempotencyKey = `${workflowInfo().workflowId}:${what}`;
  const sent = await deliver({ integrationId: input.integrationId, conversationSid: input.conversationSid, body, idempotencyKey });
  const at = sent.acceptedAt;
  await acts.recordReply({
    integrationId: input.integrationId, conversationSid: input.conversationSid, author: sent.author, body, idempotencyKey,
    messageSid: sent.messageSid, acceptedAt: at, firstReceivedAt: at, sentBy: 'bot', heldReason: sent.heldReason,
  });
}
