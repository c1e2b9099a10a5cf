import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';
import { IntegrationsService, whatsappAddress } from '../integrations/integrations.service';

export interface BlockedSender {
  id: string;
  integrationId: string;
  address: string;
  reason: string | null;
  createdBy: string;
  createdAt: string;
}

/** How long a replica trusts its copy of an integration's blocked list (changes here apply at once). */
const CACHE_TTL_MS = 5_000;

/**
 * Senders whose messages are refused at the pre-action hook (403), so they never reach the
 * conversation, the database or the agent. The webhook asks on every message: the list is cached.
 */
@Injectable()
export class BlockedSendersService {
  private readonly logger = new Logger(BlockedSendersService.name);
  private readonly cache = new Map<string, { addresses: Set<string>; expires: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly integrations: IntegrationsService,
  ) {}

  /** True when the author is blocked. If the list cannot be read and no copy exists, lets the message in. */
  async isBlocked(integrationId: string, author: string): Promise<boolean> {
    const cached = this.cache.get(integrationId);
    if (cached && cached.expires > Date.now()) return cached.addresses.has(author);
    try {
      const rows = await queryRows<{ address: string }>(this.db, `SELECT address FROM blocked_senders WHERE integration_id = $1`, [integrationId]);
      const addresses = new Set(rows.map((r) => r.address));
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(integrationId, { addresses, expires: Date.now() + CACHE_TTL_MS });
      return addresses.has(author);
    } catch (err) {
      if (cached) return cached.addresses.has(author);
      this.logger.warn(`Blocked senders of integration ${integrationId} unreadable (${(err as Error).message}); the message is let in`);
      return false;
    }
  }

  async list(integrationId?: string): Promise<BlockedSender[]> {
    const rows = await queryRows<RawRow>(
      this.db,
      `SELECT id, integration_id, address, reason, created_by, created_at FROM blocked_senders
       WHERE ($1::uuid IS NULL OR integration_id = $1) ORDER BY created_at DESC`,
      [integrationId ?? null],
    );
    return rows.map(toView);
  }

  async add(input: { integrationId?: string; phone: string; reason?: string }, createdBy: string): Promise<BlockedSender> {
    const integrationId = input.integrationId ?? (await this.onlyIntegration());
    await this.integrations.get(integrationId); // 404 for an unknown integration
    const address = whatsappAddress(input.phone);
    const [row] = await queryRows<RawRow>(
      this.db,
      `INSERT INTO blocked_senders (id, integration_id, address, reason, created_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT blocked_senders_integration_address DO NOTHING
       RETURNING id, integration_id, address, reason, created_by, created_at`,
      [randomUUID(), integrationId, address, input.reason ?? null, createdBy],
    );
    if (!row) throw new ConflictException({ error: 'already_blocked', message: `${address} is already blocked for integration ${integrationId}` });
    this.cache.delete(integrationId);
    this.logger.log(`Sender blocked for integration ${integrationId} by ${createdBy}`);
    return toView(row);
  }

  async remove(id: string): Promise<void> {
    const rows = await queryRows<{ integration_id: string }>(this.db, `DELETE FROM blocked_senders WHERE id = $1 RETURNING integration_id`, [id]);
    if (!rows[0]) throw new NotFoundException({ error: 'blocked_sender_not_found', message: `No blocked sender ${id}` });
    this.cache.delete(rows[0].integration_id);
  }

  private async onlyIntegration(): Promise<string> {
    const all = await this.integrations.list();
    if (all.length !== 1) {
      throw new BadRequestException({ error: 'invalid_request', problems: [{ field: 'integrationId', message: `is required when ${all.length} integrations are connected` }] });
    }
    return all[0]!.id;
  }
}

interface RawRow {
  id: string;
  integration_id: string;
  address: string;
  reason: string | null;
  created_by: string;
  created_at: Date;
}

const toView = (r: RawRow): BlockedSender => ({
  id: r.id, integrationId: r.integration_id, address: r.address, reason: r.reason, createdBy: r.created_by, createdAt: new Date(r.created_at).toISOString(),
});
