import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BadRequestException, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { AppointmentsService, servicesSchema } from '../appointments/appointments.service';
import { productsSchema, ProductsService } from '../catalogue/products.service';
import { queryRows } from '../database/sql';
import { knowledgeDocumentSchema, KnowledgeService } from '../knowledge/knowledge.service';
import { settingsSchema, SettingsService } from '../settings/settings.service';

/** The body of `POST /api/import`: each section validated by the schema of its own endpoint. */
export const importSchema = z.strictObject({
  settings: settingsSchema.optional(),
  knowledge: z.array(knowledgeDocumentSchema).min(1).max(1000).optional(),
  products: productsSchema.optional(),
  services: servicesSchema.optional(),
});
export type ImportDocument = z.output<typeof importSchema>;

export interface ImportResult {
  settings: boolean;
  knowledge: { added: number; unchanged: number };
  products: { upserted: number };
  services: { upserted: number };
}

/**
 * The demo shop, loaded into an empty sandbox. The build copies `demo/` beside `src/` in `dist/`, so
 * this resolves to `<root>/demo` from the sources and to `dist/demo` from the compiled code.
 */
export const DEMO_SHOP_PATH = join(__dirname, '..', '..', 'demo', 'shop.json');

/**
 * Loads business data in one go: every section and row is validated before anything is written, so
 * invalid input never leaves a half-applied import. Applying reuses each section's own service:
 * products and services upsert, knowledge skips unchanged documents by their hash, settings replace.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger('Import');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly settings: SettingsService,
    private readonly knowledge: KnowledgeService,
    private readonly products: ProductsService,
    private readonly appointments: AppointmentsService,
  ) {}

  /** The valid document, or a 400 listing every problem by section and row (`products.3.price.amount`). */
  validate(input: unknown): ImportDocument {
    const result = importSchema.safeParse(input);
    const problems = result.success ? [] : result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
    // The upserts refuse repeated keys too, but only after earlier sections were written: check them here.
    problems.push(...duplicates(input, 'products', 'sku'), ...duplicates(input, 'services', 'id'));
    if (result.success && Object.values(result.data).every((section) => section === undefined)) {
      problems.push({ field: '(body)', message: 'nothing to import: give settings, knowledge, products or services' });
    }
    if (problems.length > 0 || !result.success) throw new BadRequestException({ error: 'invalid_request', problems });
    return result.data;
  }

  async apply(doc: ImportDocument): Promise<ImportResult> {
    const result: ImportResult = { settings: false, knowledge: { added: 0, unchanged: 0 }, products: { upserted: 0 }, services: { upserted: 0 } };
    if (doc.products) result.products = await this.products.upsert(doc.products);
    if (doc.services) result.services = await this.appointments.upsertServices(doc.services);
    for (const document of doc.knowledge ?? []) {
      const { created } = await this.knowledge.add(document);
      result.knowledge[created ? 'added' : 'unchanged']++;
    }
    if (doc.settings) {
      await this.settings.replace(doc.settings);
      result.settings = true;
    }
    return result;
  }

  /**
   * At boot of the sandbox: a business without products, knowledge or services gets the demo shop,
   * so the agent has something to talk about. Two processes booting at once load it twice harmlessly
   * (upserts, and knowledge is keyed by its hash).
   */
  async loadDemoIfEmpty(path = DEMO_SHOP_PATH): Promise<ImportResult | undefined> {
    const [row] = await queryRows<{ empty: boolean }>(
      this.db,
      `SELECT NOT EXISTS (SELECT 1 FROM products) AND NOT EXISTS (SELECT 1 FROM knowledge_documents) AND NOT EXISTS (SELECT 1 FROM appointment_services) AS empty`,
    );
    if (!row?.empty) return undefined;
    let result: ImportResult;
    try {
      result = await this.apply(this.validate(JSON.parse(await readFile(path, 'utf8'))));
    } catch (err) {
      // A demo is a convenience: the product starts without it.
      this.logger.warn(`The demo shop (${path}) could not be loaded: ${err instanceof BadRequestException ? JSON.stringify(err.getResponse()) : (err as Error).message}`);
      return undefined;
    }
    this.logger.log(
      `No business data yet: loaded the demo shop (${result.products.upserted} products, ${result.knowledge.added} knowledge documents, ${result.services.upserted} services; DEMO_DATA=false turns this off)`,
    );
    return result;
  }
}

/** Rows whose key repeats an earlier row's, named like the schema's problems. */
function duplicates(input: unknown, section: 'products' | 'services', key: string): { field: string; message: string }[] {
  const rows = (input as Record<string, unknown> | null)?.[section];
  if (!Array.isArray(rows)) return [];
  const first = new Map<unknown, number>();
  return rows.flatMap((row: unknown, i) => {
    const value = (row as Record<string, unknown> | null)?.[key];
    if (typeof value !== 'string') return [];
    if (!first.has(value)) first.set(value, i);
    return first.get(value) === i ? [] : [{ field: `${section}.${i}.${key}`, message: `duplicate of ${section}.${first.get(value)}` }];
  });
}
