import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { queryRows } from '../database/sql';
import { CredentialsCipher } from '../security/credentials-cipher';

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event sent to one webhook, with its attempts so far. */
export interface WebhookDelivery {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  /** The most recent attempts (up to 50), oldest first. */
  attemptLog: AttemptOutcome[];
  /** Set on a replay: the delivery it sends again. */
  replayOf: string | null;
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  failedAt: string | null;
}

export interface AttemptOutcome {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** What the delivery activity needs to send: the webhook's URL and secret, and the event's exact body. */
export interface DeliveryTarget {
  status: DeliveryStatus;
  url: string;
  secret: string;
  eventId: string;
  body: string;
}

const ATTEMPT_LOG_LENGTH = 50;
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** Deliveries: what the delivery workflow reads and records, and what administrators see and replay. */
@Injectable()
export class WebhookDeliveriesService {
  private readonly cipher: CredentialsCipher;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (!config.credentialsKey) throw new Error('CREDENTIALS_KEY is not set');
    this.cipher = new CredentialsCipher(config.credentialsKey);
  }

  /** Null when the webhook was deleted since. */
  async target(deliveryId: string): Promise<DeliveryTarget | null> {
    const [row] = await queryRows<{ status: DeliveryStatus; url: string; secret_encrypted: string; id: string; type: string; created_at: Date; data: unknown }>(
      this.db,
      `SELECT d.status, w.url, w.secret_encrypted, e.id, e.type, e.created_at, e.data
       FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
      [deliveryId],
    );
    if (!row) return null;
    const body = JSON.stringify({ id: row.id, type: row.type, createdAt: new Date(row.created_at).toISOString(), data: row.data });
    return { status: row.status, url: row.url, secret: this.cipher.decrypt(row.secret_encrypted), eventId: row.id, body };
  }

  /** Records one attempt's outcome; a 2xx makes the delivery delivered. */
  async recordAttempt(deliveryId: string, outcome: AttemptOutcome & { delivered: boolean }): Promise<void> {
    const entry: AttemptOutcome = { at: outcome.at, statusCode: outcome.statusCode, error: outcome.error, durationMs: outcome.durationMs };
    await this.db.query(
      `UPDATE webhook_deliveries SET
         attempts = attempts + 1, last_status_code = $2, last_error = $3, updated_at = now(),
         attempt_log = (CASE WHEN jsonb_array_length(attempt_log) >= ${ATTEMPT_LOG_LENGTH} THEN attempt_log - 0 ELSE attempt_log END) || $4::jsonb,
         status = CASE WHEN $5 THEN 'delivered' ELSE status END,
         delivered_at = CASE WHEN $5 THEN now() ELSE delivered_at END
       WHERE id = $1`,
      [deliveryId, outcome.statusCode, outcome.error, JSON.stringify([entry]), outcome.delivered],
    );
  }

  /** The delivery workflow gave up: after a refusal (its error is already recorded) or at the end of the retry period. */
  async markFailed(deliveryId: string, reason?: string): Promise<void> {
    await this.db.query(
      `UPDATE webhook_deliveries SET status = 'failed', failed_at = now(), updated_at = now(), last_error = COALESCE($2, last_error) WHERE id = $1 AND status = 'pending'`,
      [deliveryId, reason ?? null],
    );
  }

  async list(webhookId: string, limit = 100): Promise<WebhookDelivery[]> {
    return this.find(`d.webhook_id = $1`, [webhookId], limit);
  }

  /** A new delivery of the same event to the same webhook; the caller starts it. */
  async replay(webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
    const [row] = await queryRows<{ id: string }>(
      this.db,
      `INSERT INTO webhook_deliveries (id, webhook_id, event_id, replay_of)
       SELECT gen_random_uuid(), webhook_id, event_id, id FROM webhook_deliveries WHERE id = $1 AND webhook_id = $2 RETURNING id`,
      [deliveryId, webhookId],
    );
    if (!row) throw new NotFoundException({ error: 'not_found', message: `No delivery ${deliveryId} of webhook ${webhookId}` });
    return (await this.find(`d.id = $1`, [row.id], 1))[0]!;
  }

  private async find(where: string, params: unknown[], limit: number): Promise<WebhookDelivery[]> {
    const rows = await queryRows<{
      id: string; webhook_id: string; event_id: string; type: string; status: DeliveryStatus; attempts: number; last_status_code: number | null; last_error: string | null;
      attempt_log: AttemptOutcome[]; replay_of: string | null; created_at: Date; updated_at: Date; delivered_at: Date | null; failed_at: Date | null;
    }>(this.db, `SELECT d.*, e.type FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE ${where} ORDER BY d.created_at DESC LIMIT ${limit}`, params);
    return rows.map((r) => ({
      id: r.id, webhookId: r.webhook_id, eventId: r.event_id, eventType: r.type, status: r.status, attempts: r.attempts, lastStatusCode: r.last_status_code,
      lastError: r.last_error, attemptLog: r.attempt_log, replayOf: r.replay_of, createdAt: iso(r.created_at)!, updatedAt: iso(r.updated_at)!,
      deliveredAt: iso(r.delivered_at), failedAt: iso(r.failed_at),
    }));
  }
}
