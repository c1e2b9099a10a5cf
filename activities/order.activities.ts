import { orderMessages } from '../src/orders/order-messages';
import type { ActivityDeps } from './deps';
import { alertOnHighValueOrder } from './staff.activities';

/** The order workflow's steps: the payment link, the reminder, cancellation and payment, each with its message. */
export function createOrderActivities({ orders, payments, alerts, config }: ActivityDeps) {
  async function load(orderId: string) {
    const order = await orders.byId(orderId);
    if (!order) throw new Error(`Order ${orderId} does not exist`);
    return order;
  }

  return {
    /** The order's payment link, created once (a retry returns the stored one), and the message carrying it. */
    async createPaymentLink(input: { orderId: string; language: string }): Promise<{ url: string; message: string }> {
      let order = await load(input.orderId);
      if (!order.paymentUrl) order = await orders.setPaymentLink(order.id, await payments.createLink(order));
      return { url: order.paymentUrl!, message: orderMessages.payLink(input.language, order, order.paymentUrl!) };
    },

    async paymentReminder(input: { orderId: string; language: string }): Promise<{ message: string }> {
      const order = await load(input.orderId);
      return { message: orderMessages.reminder(input.language, order, order.paymentUrl ?? '') };
    },

    /** Cancels an order still unpaid and gives its stock back. */
    async cancelUnpaidOrder(input: { orderId: string; language: string }): Promise<{ status: string; message: string }> {
      const order = await orders.cancel(input.orderId, 'not paid in time');
      return { status: order.status, message: orderMessages.cancelled(input.language, order) };
    },

    /** Marks the order paid; the message is its receipt. */
    async markOrderPaid(input: { orderId: string; language: string }): Promise<{ status: string; message: string }> {
      const order = await orders.markPaid(input.orderId);
      await alertOnHighValueOrder({ alerts, config }, order);
      return { status: order.status, message: orderMessages.receipt(input.language, order) };
    },
  };
}
