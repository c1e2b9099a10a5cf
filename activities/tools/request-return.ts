import { z } from 'zod';
import { returnMessages } from '../../src/returns/return-messages';
import { defineTool } from './tool';

const args = z.strictObject({
  orderNumber: z.string().trim().regex(/^#?\d{1,12}$/, 'an order number such as 1042'),
  reason: z.string().trim().min(1).max(100).describe('One of the return reasons the business accepts'),
  kind: z.enum(['refund', 'exchange']).optional().describe('refund (default) or exchange'),
  items: z.array(z.strictObject({ sku: z.string().trim().min(1).max(64), quantity: z.number().int().min(1).max(100) })).min(1).max(20).optional()
    .describe('What to return; omit for the whole order'),
});

/**
 * A return or exchange of the customer's own paid order, inside the return window: confirmed by the
 * customer, then followed in `return:<id>` (approval, receipt, refund or exchange).
 */
export const requestReturn = defineTool({
  name: 'request_return',
  description:
    "Start a return or exchange of one of the customer's paid orders. Ask for the order number, what they return and why (the reason must be one of the " +
    "business's return reasons; an error lists them). The system asks the customer to confirm; nothing is requested until they do.",
  args,
  risk: 'write',
  activity: { timeoutSeconds: 20, maximumAttempts: 5 },
  async preview(a, { scope, services, language }) {
    const settings = await services.settings.get();
    const { order, items, amount } = await services.returns.check(scope, { ...a, kind: a.kind ?? 'refund' }, settings);
    return returnMessages.confirm(language, { orderNumber: order.number, kind: a.kind ?? 'refund', reason: a.reason, items, amount, currency: order.currency });
  },
  async run(a, { scope, services, language, actionKey }) {
    if (!actionKey) throw new Error('request_return runs only after the customer confirms');
    const settings = await services.settings.get();
    const created = await services.returns.create(scope, { ...a, kind: a.kind ?? 'refund' }, settings, actionKey);
    return {
      result: { returnId: created.id, status: created.status },
      message: returnMessages.status(language, created),
      start: { kind: 'return', returnId: created.id, language, autoApprove: settings.autoApproveReturnsUpTo > 0 && created.amount <= Math.round(settings.autoApproveReturnsUpTo * 100) },
    };
  },
});
