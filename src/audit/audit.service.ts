import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { Caller } from '../auth/roles';
import { queryRows } from '../database/sql';

export interface AuditEntry {
  actor: Caller;
  method: string;
  /** The route's pattern (`/api/customers/:id`), so entries group by action. */
  route: string;
  /** The path called (`/api/customers/4f…`), without its query string. */
  path: string;
  status: number;
  ip: string | null;
  userAgent: string | null;
}

/**
 * The audit log of the admin API. Never the request's body or query: they may hold secrets (tokens,
 * webhook secrets) and customers' data; the path and the status say what was done.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records an entry; a failure to record is logged, never turned into a failed request. */
  async record(entry: AuditEntry): Promise<void> {
    const outcome = entry.status < 400 ? 'ok' : entry.status === 401 || entry.status === 403 || entry.status === 429 ? 'refused' : 'failed';
    try {
      await this.db.query(
        `INSERT INTO audit_log (id, actor_id, actor_name, actor_role, method, route, path, status, outcome, ip, user_agent) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [randomUUID(), entry.actor.id, entry.actor.name, entry.actor.role, entry.method, entry.route, entry.path.slice(0, 500), entry.status, outcome, entry.ip, entry.userAgent?.slice(0, 300) ?? null],
      );
    } catch (err) {
      this.logger.error(`Audit entry not recorded (${entry.method} ${entry.route} by ${entry.actor.name}): ${(err as Error).message}`);
    }
  }

  async list(filter: { actorId?: string; since?: string; limit: number }) {
    const params: unknown[] = [filter.limit];
    const where: string[] = [];
    if (filter.actorId) where.push(`actor_id = $${params.push(filter.actorId)}`);
    if (filter.since) where.push(`at >= $${params.push(filter.since)}::timestamptz`);
    return queryRows(this.db,
      `SELECT id, at, actor_id AS "actorId", actor_name AS "actorName", actor_role AS "actorRole", method, route, path, status, outcome, ip, user_agent AS "userAgent"
       FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC LIMIT $1`, params);
  }
}
