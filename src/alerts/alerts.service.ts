import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { queryRows } from '../database/sql';

import type { Alert } from '../../workflows/definitions';

export type { Alert } from '../../workflows/definitions';
export type AlertKind = Alert['kind'];

/**
 * Alerts for administrators: logged at error level, kept for the admin API (GET /api/alerts) and
 * POSTed to ALERT_WEBHOOK_URL by a durable workflow. Raised once per incident by the caller.
 */
@Injectable()
export class AlertsService {
  private readonly logger = new Logger(AlertsService.name);

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records an alert; with an `id` (chosen by a workflow) a repeated call records and logs it once. */
  async raise(kind: AlertKind, message: string, integrationId: string | null, id: string = randomUUID()): Promise<Alert> {
    const [inserted] = await queryRows<{ created_at: Date }>(
      this.db,
      `INSERT INTO alerts (id, integration_id, kind, message) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING created_at`,
      [id, integrationId, kind, message],
    );
    if (inserted) this.logger.error(`ALERT ${kind}${integrationId ? ` (integration ${integrationId})` : ''}: ${message}`);
    const [row] = inserted ? [inserted] : await queryRows<{ created_at: Date }>(this.db, `SELECT created_at FROM alerts WHERE id = $1`, [id]);
    return { id, integrationId, kind, message, createdAt: new Date(row!.created_at).toISOString() };
  }

  /**
   * Raises the alert for an incident identified by `key` (e.g. a budget on a given day) once, from
   * any process: returns it when new, and also for a few minutes after, so that a retried activity
   * still hands it to its workflow (which posts it once, under the alert's workflow id); later, null.
   */
  async raiseOnce(kind: AlertKind, message: string, integrationId: string | null, key: string): Promise<Alert | null> {
    const id = uuidFromKey(`${kind}:${key}`);
    const [inserted] = await queryRows<{ created_at: Date }>(
      this.db,
      `INSERT INTO alerts (id, integration_id, kind, message) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING created_at`,
      [id, integrationId, kind, message],
    );
    if (inserted) {
      this.logger.error(`ALERT ${kind}${integrationId ? ` (integration ${integrationId})` : ''}: ${message}`);
      return { id, integrationId, kind, message, createdAt: new Date(inserted.created_at).toISOString() };
    }
    const [recent] = await queryRows<{ message: string; created_at: Date }>(
      this.db,
      `SELECT message, created_at FROM alerts WHERE id = $1 AND created_at > now() - interval '5 minutes'`,
      [id],
    );
    return recent ? { id, integrationId, kind, message: recent.message, createdAt: new Date(recent.created_at).toISOString() } : null;
  }

  /** Newest first; `kind` narrows to one kind. */
  async list(limit = 100, filter: { kind?: AlertKind } = {}): Promise<ListedAlert[]> {
    const rows = await queryRows<AlertRow>(
      this.db,
      `SELECT id, integration_id, kind, message, created_at, acknowledged_at, acknowledged_by FROM alerts
       WHERE $2::text IS NULL OR kind = $2 ORDER BY created_at DESC LIMIT $1`,
      [limit, filter.kind ?? null],
    );
    return rows.map(toListed);
  }

  /** Marks an alert seen by a person (the first acknowledgement is kept); null when there is no such alert. */
  async acknowledge(id: string, by: string): Promise<ListedAlert | null> {
    await this.db.query(`UPDATE alerts SET acknowledged_at = now(), acknowledged_by = $2 WHERE id = $1 AND acknowledged_at IS NULL`, [id, by]);
    const [row] = await queryRows<AlertRow>(this.db, `SELECT id, integration_id, kind, message, created_at, acknowledged_at, acknowledged_by FROM alerts WHERE id = $1`, [id]);
    return row ? toListed(row) : null;
  }
}

/** An alert as the admin API shows it: with who acknowledged it, and when. */
export type ListedAlert = Alert & { acknowledgedAt: string | null; acknowledgedBy: string | null };

type AlertRow = { id: string; integration_id: string | null; kind: AlertKind; message: string; created_at: Date; acknowledged_at: Date | null; acknowledged_by: string | null };

const toListed = (r: AlertRow): ListedAlert => ({
  id: r.id, integrationId: r.integration_id, kind: r.kind, message: r.message, createdAt: new Date(r.created_at).toISOString(),
  acknowledgedAt: r.acknowledged_at ? new Date(r.acknowledged_at).toISOString() : null, acknowledgedBy: r.acknowledged_by,
});

/** A stable UUID (version 5 layout) for a key, so an incident's alert has one id everywhere. */
function uuidFromKey(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
