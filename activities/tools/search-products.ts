import { z } from 'zod';
import { formatMoney, toCents } from '../../src/orders/money';
import { defineTool } from './tool';

/** Product information with prices and stock from the catalogue. */
export const searchProducts = defineTool({
  name: 'search_products',
  description: 'Find products in the catalogue by name, kind or SKU, with their price and stock. Quote prices and availability only from its result.',
  args: z.strictObject({
    query: z.string().trim().min(1).max(200).describe('What the customer is looking for, or a SKU'),
    limit: z.number().int().min(1).max(10).optional().describe('How many products at most (default 5)'),
  }),
  risk: 'read',
  activity: { timeoutSeconds: 10, maximumAttempts: 3 },
  async run({ query, limit }, { services }) {
    const products = await services.products.search(query, limit ?? 5);
    return {
      result: {
        products: products.map((p) => ({
          sku: p.sku,
          name: p.name,
          description: p.description.slice(0, 300),
          price: formatMoney(toCents(p.price.amount), p.price.currency),
          inStock: p.stock,
          attributes: p.attributes,
        })),
        ...(products.length === 0 ? { note: 'No product matches; do not suggest products that are not in the catalogue.' } : {}),
      },
    };
  },
});
