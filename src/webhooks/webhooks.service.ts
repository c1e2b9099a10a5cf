import { randomUUID } from 'node:crypto';
import { BadRequestException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { queryRows } from '../database/sql';
import { CredentialsCipher } from '../security/credentials-cipher';
import { assertPublicUrl, OutboundUrlError } from '../security/outbound-url';

/** A webhook as the API shows it: never its secret. */
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
}

/** The subscriptions: where events go and with which signing secret (encrypted at rest with CREDENTIALS_KEY). */
@Injectable()
export class WebhooksService {
  private readonly cipher: CredentialsCipher;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (!config.credentialsKey) throw new Error('CREDENTIALS_KEY is not set');
    this.cipher = new CredentialsCipher(config.credentialsKey);
  }

  /** Refuses a URL that is not http(s) or that reaches the deployment's own network (unless ALLOW_PRIVATE_URLS). */
  async create(input: { url: string; events: string[]; secret: string }): Promise<{ id: string }> {
    try {
      await assertPublicUrl(input.url, { allowPrivate: this.config.allowPrivateUrls });
    } catch (err) {
      if (err instanceof OutboundUrlError) throw new BadRequestException({ error: 'url_refused', message: err.message });
      throw err;
    }
    const id = randomUUID();
    await this.db.query(`INSERT INTO webhooks (id, url, events, secret_encrypted) VALUES ($1, $2, $3, $4)`, [id, input.url, [...new Set(input.events)], this.cipher.encrypt(input.secret)]);
    return { id };
  }

  async list(): Promise<Webhook[]> {
    const rows = await queryRows<{ id: string; url: string; events: string[]; created_at: Date }>(this.db, `SELECT id, url, events, created_at FROM webhooks ORDER BY created_at`);
    return rows.map((r) => ({ id: r.id, url: r.url, events: r.events, createdAt: new Date(r.created_at).toISOString() }));
  }

  /** Deletes the webhook and its delivery history; deliveries still retrying stop at their next attempt. */
  async remove(id: string): Promise<void> {
    const deleted = await queryRows<{ id: string }>(this.db, `DELETE FROM webhooks WHERE id = $1 RETURNING id`, [id]);
    if (deleted.length === 0) throw new NotFoundException({ error: 'not_found', message: `No webhook ${id}` });
  }

  async assertExists(id: string): Promise<void> {
    const [row] = await queryRows<{ id: string }>(this.db, `SELECT id FROM webhooks WHERE id = $1`, [id]);
    if (!row) throw new NotFoundException({ error: 'not_found', message: `No webhook ${id}` });
  }
}
