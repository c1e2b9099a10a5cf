import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { queryRows } from '../database/sql';

/** The business's settings document (`GET|PUT /api/settings`): who the agent speaks for, and the return policy. */
export const settingsSchema = z.strictObject({
  /** The name the agent speaks for; the integration's name when absent. */
  businessName: z.string().trim().min(1).max(100).optional(),
  /** How the agent should sound, in a sentence or two ("warm and brief, uses the customer's first name"). */
  tone: z.string().trim().max(500).optional(),
  /** The language of texts written for the team (conversation summaries), as a code such as `de`; English when absent. */
  language: z.string().trim().regex(/^[a-z]{2}$/, 'must be a two-letter language code such as en or de').optional(),
  /** Days after an order within which a return may be requested. */
  returnWindowDays: z.number().int().min(0).max(365).default(30),
  /** The reasons a customer may give for a return. */
  returnReasons: z.array(z.string().trim().min(1).max(100)).min(1).max(20).default(['damaged', 'wrong item', 'does not fit', 'changed my mind']),
  /** Returns worth up to this amount (in the order's currency) are approved at once; 0: staff approves every return. */
  autoApproveReturnsUpTo: z.number().min(0).max(1_000_000).default(0),
});
export type BusinessSettings = z.output<typeof settingsSchema>;

@Injectable()
export class SettingsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The stored settings, with defaults for what was never set. */
  async get(): Promise<BusinessSettings> {
    const [row] = await queryRows<{ document: unknown }>(this.db, `SELECT document FROM business_settings WHERE id = 1`);
    return settingsSchema.parse(row?.document ?? {});
  }

  /** Replaces the whole document (validated by the caller). */
  async replace(settings: BusinessSettings): Promise<BusinessSettings> {
    await this.db.query(
      `INSERT INTO business_settings (id, document) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document, updated_at = now()`,
      [JSON.stringify(settings)],
    );
    return settings;
  }
}
