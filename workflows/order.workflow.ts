import { ActivityFailure, condition, log, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { orderPaidSignal, orderStatusQuery, type OrderWorkflowInput } from './skill-definitions';
import { actionFailedReply } from './confirmation';
import { tellCustomer } from './delivery';
import { publish } from './events';

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
  let link: { message: string };
  try {
    link = await acts.createPaymentLink({ orderId, language });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    // No way to pay: the order does not hold its stock for nothing.
    log.error('No payment link could be created; the order is cancelled', { orderId, error: err.cause?.message ?? err.message });
    await acts.cancelUnpaidOrder({ orderId, language });
    status = 'cancelled';
    await tellCustomer(input, actionFailedReply(language), 'no-payment-link');
    // Orders running before events existed carry no `events` marker and replay without publishing.
    if (patched('events')) await publish('order.cancelled', { reason: 'no_payment_link' }, 'cancelled', { subject: { kind: 'order', id: orderId } });
    return status;
  }
  await tellCustomer(input, link.message, 'payment-link');

  if (!(await condition(() => paid, input.paymentTimeoutMs))) {
    const reminder = await acts.paymentReminder({ orderId, language });
    await tellCustomer(input, reminder.message, 'payment-reminder');
    if (!(await condition(() => paid, input.paymentTimeoutMs))) {
      const cancelled = await acts.cancelUnpaidOrder({ orderId, language });
      if (cancelled.status === 'cancelled') {
        status = 'cancelled';
        // The provider's confirmation can cross the cancellation: the money must go back by hand.
        if (paid) log.error('A payment arrived while the order was being cancelled: refund it', { orderId, number: input.number });
        await tellCustomer(input, cancelled.message, 'cancelled');
        if (patched('events')) await publish('order.cancelled', { reason: 'not_paid_in_time' }, 'cancelled', { subject: { kind: 'order', id: orderId } });
        return status;
      }
    }
  }
  const receipt = await acts.markOrderPaid({ orderId, language });
  status = 'paid';
  await tellCustomer(input, receipt.message, 'receipt');
  if (patched('events')) await publish('order.paid', {}, 'paid', { subject: { kind: 'order', id: orderId } });
  return status;
}
