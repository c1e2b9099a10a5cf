import type { MenuTexts } from './texts';

/** A read tool's result as a WhatsApp message, for menu mode (the agent's model reads the JSON instead). */
export function describe(tool: string, result: unknown, t: MenuTexts): string {
  if (tool === 'search_knowledge') {
    const r = result as { found: boolean; passages?: { source: string; url?: string; text: string }[] };
    const best = r.passages?.[0];
    if (!r.found || !best) return t.unknown;
    return `${best.text}\n\n(${t.source}: ${best.source}${best.url ? `, ${best.url}` : ''})`;
  }
  if (tool === 'search_products') {
    const r = result as { products: { sku: string; name: string; price: string; inStock: number }[] };
    if (r.products.length === 0) return t.noProduct;
    return r.products.map((p) => `• ${p.name} (${p.sku}): ${p.price} · ${p.inStock}`).join('\n');
  }
  if (tool === 'get_order_status') {
    const r = result as { orders: { number: string; status: string; total: string; items: string[]; paymentUrl?: string }[] };
    if (r.orders.length === 0) return t.noOrders;
    return r.orders.map((o) => `• #${o.number}: ${o.status}, ${o.total} (${o.items.join(', ')})${o.paymentUrl ? `\n  ${o.paymentUrl}` : ''}`).join('\n');
  }
  return JSON.stringify(result);
}
