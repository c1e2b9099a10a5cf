import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import type { ChartIntent } from './chart-intent';

/** A stored chart without its picture (the PNG is fetched on its own: `png(id)`). */
export interface Chart {
  id: string;
  integrationId: string;
  conversationSid: string | null;
  question: string;
  title: string;
  type: ChartIntent['type'];
  intent: ChartIntent;
  /** Set once the PNG was uploaded to Twilio; a retried send reuses it. */
  mediaSid: string | null;
  createdAt: string;
}

export interface ChartWithSpec extends Chart {
  spec: Record<string, unknown>;
}

type Row = {
  id: string; integration_id: string; conversation_sid: string | null; question: string; intent: ChartIntent;
  spec?: Record<string, unknown>; media_sid: string | null; created_at: Date;
};

const toChart = (r: Row): Chart => ({
  id: r.id, integrationId: r.integration_id, conversationSid: r.conversation_sid, question: r.question,
  title: r.intent.title, type: r.intent.type, intent: r.intent, mediaSid: r.media_sid, createdAt: new Date(r.created_at).toISOString(),
});

const SUMMARY_COLUMNS = 'id, integration_id, conversation_sid, question, intent, media_sid, created_at';

/**
 * Chart pictures drawn for staff's data questions: kept with the question, the intent and the spec
 * they were drawn from, so the console can show them and a retried send reuses the upload. In the
 * sandbox, which sends nothing, the PNG is also written to `<DATA_DIR>/charts/<id>.png` to look at.
 */
@Injectable()
export class ChartsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async save(input: {
    integrationId: string;
    conversationSid?: string | null;
    question: string;
    intent: ChartIntent;
    spec: Record<string, unknown>;
    png: Buffer;
  }): Promise<{ id: string; path?: string }> {
    const id = randomUUID();
    const [integration] = await queryRows<{ kind: string }>(this.db, `SELECT kind FROM integrations WHERE id = $1`, [input.integrationId]);
    if (!integration) throw new Error(`No integration ${input.integrationId}`);
    await queryRows(this.db,
      `INSERT INTO charts (id, integration_id, conversation_sid, question, intent, spec, png) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7)`,
      [id, input.integrationId, input.conversationSid ?? null, input.question, JSON.stringify(input.intent), JSON.stringify(input.spec), input.png],
    );
    if (integration.kind !== 'sandbox') return { id };
    const dir = resolve(this.config.dataDir, 'charts');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${id}.png`);
    await writeFile(path, input.png);
    return { id, path };
  }

  /** The chart with the spec it was drawn from; null when there is none. */
  async get(id: string): Promise<ChartWithSpec | null> {
    const [row] = await queryRows<Row>(this.db, `SELECT ${SUMMARY_COLUMNS}, spec FROM charts WHERE id = $1`, [id]);
    return row ? { ...toChart(row), spec: row.spec ?? {} } : null;
  }

  /** Newest first. */
  async list(filter: { integrationId?: string; limit: number }): Promise<Chart[]> {
    const params: unknown[] = [Math.max(1, Math.min(filter.limit, 500))];
    const where = filter.integrationId ? `WHERE integration_id = $${params.push(filter.integrationId)}` : '';
    const rows = await queryRows<Row>(this.db, `SELECT ${SUMMARY_COLUMNS} FROM charts ${where} ORDER BY created_at DESC, id LIMIT $1`, params);
    return rows.map(toChart);
  }

  async png(id: string): Promise<Buffer | null> {
    const [row] = await queryRows<{ png: Uint8Array }>(this.db, `SELECT png FROM charts WHERE id = $1`, [id]);
    return row ? Buffer.from(row.png) : null;
  }

  /** Remembers the Twilio upload; the first one stays if two attempts raced. Returns the sid in force. */
  async setMediaSid(id: string, mediaSid: string): Promise<string> {
    await queryRows(this.db, `UPDATE charts SET media_sid = $2 WHERE id = $1 AND media_sid IS NULL`, [id, mediaSid]);
    const [row] = await queryRows<{ media_sid: string | null }>(this.db, `SELECT media_sid FROM charts WHERE id = $1`, [id]);
    return row?.media_sid ?? mediaSid;
  }
}
