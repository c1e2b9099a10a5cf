import { z } from 'zod';
import { formatMoney } from '../../src/orders/money';
import { orderMessages } from '../../src/orders/order-messages';
import { defineTool } from './tool';

/** The customer's own orders; another customer's order number finds nothing. */
export const getOrderStatus = defineTool({
  name: 'get_order_status',
  description: "The status of the customer's orders: one by its number, or their latest orders without a number.",
  args: z.strictObject({ orderNumber: z.string().trim().regex(/^#?\d{1,12}$/, 'an order number such as 1042').optional().describe('The order number, e.g. 1042') }),
  risk: 'read',
  activity: { timeoutSeconds: 10, maximumAttempts: 3 },
  async run({ orderNumber }, { scope, services, language }) {
    const orders = await services.orders.forCustomer(scope, orderNumber?.replace('#', ''));
    if (orders.length === 0) {
      return { result: { orders: [], note: orderNumber ? `This customer has no order ${orderNumber}.` : 'This customer has no orders yet.' } };
    }
    return {
      result: {
        orders: orders.map((o) => ({
          number: o.number,
          status: orderMessages.status(language, o.status),
          total: formatMoney(o.total, o.currency),
          items: o.lines.map((l) => `${l.quantity} × ${l.name}`),
          placedAt: o.createdAt,
          ...(o.status === 'awaiting_payment' && o.paymentUrl ? { paymentUrl: o.paymentUrl } : {}),
        })),
      },
    };
  },
});
