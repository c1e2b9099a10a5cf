import { z } from 'zod';
import { formatMoney } from '../../src/orders/money';
import { orderMessages } from '../../src/orders/order-messages';
import { MAX_ORDER_LINES } from '../../src/orders/orders.service';
import { defineTool } from './tool';

const args = z.strictObject({
  items: z
    .array(z.strictObject({ sku: z.string().trim().min(1).max(64).describe('The SKU from search_products'), quantity: z.number().int().min(1).max(100) }))
    .min(1)
    .max(MAX_ORDER_LINES),
});

/**
 * An order for the customer, priced from the catalogue. The customer confirms a summary first; the
 * order then waits for payment in its own workflow (`order:<number>`).
 */
export const createOrder = defineTool({
  name: 'create_order',
  description:
    'Order products for the customer, by SKU and quantity (find SKUs with search_products). The system shows the customer a summary with prices ' +
    'from the catalogue and asks them to confirm; nothing is ordered until they do. Never say the order is placed yourself.',
  args,
  risk: 'write',
  activity: { timeoutSeconds: 20, maximumAttempts: 5 },
  async preview({ items }, { services, language }) {
    const priced = await services.orders.price(items);
    return { summary: orderMessages.confirm(language, priced), quote: { total: priced.total, currency: priced.currency } };
  },
  async run({ items }, { scope, services, language, actionKey, quote }) {
    if (!actionKey) throw new Error('create_order runs only after the customer confirms');
    // The customer confirmed a total: if the catalogue changed since, nothing is ordered.
    const { order } = await services.orders.place(scope, items, actionKey, quote as { total: number; currency: string } | undefined);
    return {
      result: { orderNumber: order.number, status: order.status, total: formatMoney(order.total, order.currency) },
      message: orderMessages.placed(language, order),
      start: { kind: 'order', orderId: order.id, number: order.number, paymentTimeoutMs: services.config.orderPaymentTimeoutMs, language },
    };
  },
});
