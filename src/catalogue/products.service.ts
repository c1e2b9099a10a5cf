import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { queryRows } from '../database/sql';

const money = z.strictObject({
  amount: z.number().min(0).max(1_000_000_000).refine((n) => Math.abs(n * 100 - Math.round(n * 100)) < 1e-6, 'at most two decimals'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR'),
});

export const productSchema = z.strictObject({
  sku: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, dots, dashes or underscores'),
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().max(4000).default(''),
  price: money,
  stock: z.number().int().min(0).max(10_000_000),
  attributes: z.record(z.string().max(100), z.union([z.string().max(500), z.number(), z.boolean()])).optional(),
});
export const productsSchema = z.array(productSchema).min(1).max(10_000);
export type ProductInput = z.output<typeof productSchema>;

export interface Product {
  sku: string;
  name: string;
  description: string;
  price: { amount: number; currency: string };
  stock: number;
  attributes: Record<string, string | number | boolean>;
}

interface ProductRow {
  sku: string;
  name: string;
  description: string;
  price_amount: string;
  currency: string;
  stock: number;
  attributes: Record<string, string | number | boolean>;
}

const toProduct = (r: ProductRow): Product => ({
  sku: r.sku, name: r.name, description: r.description, price: { amount: Number(r.price_amount), currency: r.currency.trim() }, stock: r.stock, attributes: r.attributes,
});

/** The catalogue: prices and stock the agent quotes come from here, never from the model. */
@Injectable()
export class ProductsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Inserts or updates every product by SKU, all or nothing. */
  async upsert(products: ProductInput[]): Promise<{ upserted: number }> {
    const seen = new Map<string, number>();
    const problems = products.flatMap((p, i) => {
      const first = seen.get(p.sku);
      seen.set(p.sku, first ?? i);
      return first === undefined ? [] : [{ field: `${i}.sku`, message: `duplicate of row ${first}` }];
    });
    if (problems.length > 0) throw new BadRequestException({ error: 'invalid_request', problems });
    await this.db.transaction(async (m) => {
      for (const p of products) {
        await m.query(
          `INSERT INTO products (sku, name, description, price_amount, currency, stock, attributes) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description, price_amount = EXCLUDED.price_amount,
             currency = EXCLUDED.currency, stock = EXCLUDED.stock, attributes = EXCLUDED.attributes, updated_at = now()`,
          [p.sku, p.name, p.description, p.price.amount, p.price.currency, p.stock, JSON.stringify(p.attributes ?? {})],
        );
      }
    });
    return { upserted: products.length };
  }

  /**
   * Products matching any word of the query (prefixes count: "shoe" finds "shoes"), best first; all
   * products by name without a query.
   */
  async search(query: string | undefined, limit = 20): Promise<Product[]> {
    const words = (query ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu)?.slice(0, 10) ?? [];
    if (words.length === 0) {
      return (await queryRows<ProductRow>(this.db, `SELECT * FROM products ORDER BY name LIMIT $1`, [limit])).map(toProduct);
    }
    const tsquery = words.map((w) => `${w}:*`).join(' | ');
    const rows = await queryRows<ProductRow>(
      this.db,
      `SELECT * FROM products WHERE search @@ to_tsquery('simple', $1) OR lower(sku) = $2
       ORDER BY lower(sku) = $2 DESC, ts_rank(search, to_tsquery('simple', $1)) DESC, name LIMIT $3`,
      [tsquery, (query ?? '').trim().toLowerCase(), limit],
    );
    return rows.map(toProduct);
  }

  async bySkus(skus: string[]): Promise<Product[]> {
    return (await queryRows<ProductRow>(this.db, `SELECT * FROM products WHERE sku = ANY($1::text[])`, [skus])).map(toProduct);
  }
}
