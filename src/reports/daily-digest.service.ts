import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import { toCents } from '../orders/money';
import { SettingsService } from '../settings/settings.service';
import { digestText } from './digest-text';

/** One day's figures of an integration, counted in the business's time zone. Amounts in cents. */
export interface DigestFigures {
  messagesIn: number;
  /** Messages that went out (bot and agents); replies held outside the 24-hour window are not counted. */
  messagesOut: number;
  newCustomers: number;
  /** Conversations handed to a person that day, and conversations closed. */
  handedOff: number;
  closed: number;
  ordersPlaced: number;
  ordersPaid: number;
  /** Paid that day, per currency, in cents. */
  revenue: { currency: string; amount: number }[];
  appointmentsBooked: number;
  returnsRequested: number;
  campaignSends: number;
  knowledgeGaps: number;
  /** The questions the agent could not answer most often that day (at most three). */
  topKnowledgeGaps: string[];
}

export interface DailyDigest {
  integrationId: string;
  integrationName: string;
  /** The day reported, YYYY-MM-DD in `timeZone`. */
  date: string;
  timeZone: string;
  figures: DigestFigures;
  /** The text owners receive on WhatsApp. */
  text: string;
  createdAt: string;
  updatedAt: string;
}

/**
 * The daily digest: yesterday's figures of each integration, from the database, stored per
 * integration and day. Computed by the `daily-digest` schedule's workflow, or on demand
 * (POST /api/reports/daily); computing a day again replaces its digest with fresh figures.
 */
@Injectable()
export class DailyDigestService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly settings: SettingsService,
  ) {}

  get timeZone(): string {
    return this.config.dailyDigest.timeZone;
  }

  /** The day before `asOf` in the business's time zone, YYYY-MM-DD. */
  yesterday(asOf: Date): string {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: this.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(asOf);
    return new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  }

  /** Computes and stores the digest of `date` for every integration (or the one given). */
  async compute(date: string, integrationId?: string): Promise<DailyDigest[]> {
    const integrations = await queryRows<{ id: string; name: string }>(
      this.db,
      `SELECT id, name FROM integrations WHERE ($1::uuid IS NULL OR id = $1) ORDER BY created_at`,
      [integrationId ?? null],
    );
    const business = await this.settings.get();
    for (const integration of integrations) {
      const figures = await this.figures(integration.id, date);
      const text = digestText(business.businessName ?? integration.name, date, figures);
      await this.db.query(
        `INSERT INTO daily_digests (id, integration_id, day, time_zone, figures, text) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT ON CONSTRAINT daily_digests_integration_day DO UPDATE SET time_zone = EXCLUDED.time_zone, figures = EXCLUDED.figures, text = EXCLUDED.text, updated_at = now()`,
        [randomUUID(), integration.id, date, this.timeZone, JSON.stringify(figures), text],
      );
    }
    return this.stored(date, integrationId);
  }

  /** The stored digests of `date`, one per integration. */
  async stored(date: string, integrationId?: string): Promise<DailyDigest[]> {
    const rows = await queryRows<{ integration_id: string; name: string; time_zone: string; figures: DigestFigures; text: string; created_at: Date; updated_at: Date }>(
      this.db,
      `SELECT d.integration_id, i.name, d.time_zone, d.figures, d.text, d.created_at, d.updated_at
       FROM daily_digests d JOIN integrations i ON i.id = d.integration_id
       WHERE d.day = $1 AND ($2::uuid IS NULL OR d.integration_id = $2) ORDER BY i.created_at`,
      [date, integrationId ?? null],
    );
    return rows.map((r) => ({
      integrationId: r.integration_id, integrationName: r.name, date, timeZone: r.time_zone, figures: r.figures, text: r.text,
      createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /** One integration's figures of one day: everything between its midnights in the business's time zone. */
  async figures(integrationId: string, date: string): Promise<DigestFigures> {
    // $2 is the day, $3 the time zone: the day's two midnights as instants.
    const within = (column: string) => `${column} >= ($2::date::timestamp AT TIME ZONE $3) AND ${column} < (($2::date + 1)::timestamp AT TIME ZONE $3)`;
    const params = [integrationId, date, this.timeZone];
    const [counts] = await queryRows<Record<string, number>>(
      this.db,
      `SELECT
         (SELECT count(*)::int FROM messages WHERE integration_id = $1 AND direction = 'inbound' AND ${within('at')}) AS "messagesIn",
         (SELECT count(*)::int FROM messages WHERE integration_id = $1 AND direction = 'outbound' AND delivery_status IS DISTINCT FROM 'held' AND ${within('at')}) AS "messagesOut",
         (SELECT count(*)::int FROM customers WHERE integration_id = $1 AND ${within('created_at')}) AS "newCustomers",
         (SELECT count(DISTINCT conversation_sid)::int FROM handoff_events WHERE integration_id = $1 AND to_status = 'waiting_for_human' AND ${within('at')}) AS "handedOff",
         (SELECT count(DISTINCT conversation_sid)::int FROM handoff_events WHERE integration_id = $1 AND to_status = 'closed' AND ${within('at')}) AS "closed",
         (SELECT count(*)::int FROM orders WHERE integration_id = $1 AND ${within('created_at')}) AS "ordersPlaced",
         (SELECT count(*)::int FROM orders WHERE integration_id = $1 AND ${within('paid_at')}) AS "ordersPaid",
         (SELECT count(*)::int FROM appointments WHERE integration_id = $1 AND ${within('created_at')}) AS "appointmentsBooked",
         (SELECT count(*)::int FROM returns WHERE integration_id = $1 AND ${within('created_at')}) AS "returnsRequested",
         (SELECT count(*)::int FROM campaign_recipients WHERE integration_id = $1 AND status = 'sent' AND ${within('sent_at')}) AS "campaignSends",
         (SELECT count(*)::int FROM knowledge_gaps WHERE integration_id = $1 AND ${within('created_at')}) AS "knowledgeGaps"`,
      params,
    );
    const revenue = await queryRows<{ currency: string; amount: string }>(
      this.db,
      `SELECT currency, sum(total_amount) AS amount FROM orders WHERE integration_id = $1 AND ${within('paid_at')} GROUP BY currency ORDER BY currency`,
      params,
    );
    const gaps = await queryRows<{ question: string }>(
      this.db,
      `SELECT lower(question) AS question FROM knowledge_gaps WHERE integration_id = $1 AND question <> '[erased]' AND ${within('created_at')}
       GROUP BY lower(question) ORDER BY count(*) DESC, max(created_at) DESC LIMIT 3`,
      params,
    );
    return {
      ...(counts as unknown as Omit<DigestFigures, 'revenue' | 'topKnowledgeGaps'>),
      revenue: revenue.map((r) => ({ currency: r.currency.trim(), amount: toCents(r.amount) })),
      topKnowledgeGaps: gaps.map((g) => g.question),
    };
  }
}
