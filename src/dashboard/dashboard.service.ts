import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import type { TimeRange } from './dashboard-query';

type Filter = TimeRange & { integrationId?: string };
/** Durations in seconds; null when there was nothing to measure. */
type Durations = { count: number; p50: number | null; p90: number | null; average: number | null };

/** Every query reads $1 = from, $2 = to (excluded), $3 = integration id or null (all integrations). */
const IN_RANGE = (column: string) => `${column} >= $1 AND ${column} < $2`;
const OF_INTEGRATION = (column: string) => `($3::uuid IS NULL OR ${column} = $3::uuid)`;
/** A ratio in SQL, rounded to 4 decimals; null when the denominator is 0. */
const RATE = (part: string, whole: string) => `round((${part})::numeric / NULLIF(${whole}, 0), 4)::float8`;
/** Percentiles and average of a column of seconds, as float8 so the driver returns numbers. */
const DURATIONS = (column: string) =>
  `count(${column})::int AS count, percentile_cont(0.5) WITHIN GROUP (ORDER BY ${column}) AS p50,
   percentile_cont(0.9) WITHIN GROUP (ORDER BY ${column}) AS p90, avg(${column})::float8 AS average`;

/**
 * The dashboard's figures, each one SQL statement over what the product already records (messages,
 * hand-off events, inbox events, token usage, tool calls, knowledge gaps), so every api replica
 * answers the same and a restart loses nothing. Plain PostgreSQL: it runs on PGlite as well.
 */
@Injectable()
export class DashboardService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async summary(filter: Filter) {
    const [messages, firstResponse, resolution, conversations, processing, llm, tools, gaps] = await Promise.all([
      this.messages(filter), this.firstResponse(filter), this.resolution(filter), this.conversations(filter),
      this.processing(filter), this.llm(filter), this.topTools(filter), this.knowledgeGaps(filter),
    ]);
    return {
      from: filter.from.toISOString(), to: filter.to.toISOString(), integrationId: filter.integrationId ?? null,
      messages: { inbound: messages.inbound, outbound: messages.outbound },
      activeCustomers: messages.active_customers,
      replyTimeMs: { count: messages.replies, p50: messages.p50, p90: messages.p90, p99: messages.p99, average: messages.average },
      firstResponseSeconds: firstResponse,
      resolutionSeconds: resolution,
      delivery: {
        delivered: messages.delivered, failed: messages.failed, held: messages.held, pending: messages.pending, successRate: messages.delivery_rate,
      },
      processing,
      conversations,
      llm,
      topTools: tools,
      knowledgeGaps: gaps,
    };
  }

  /** Messages in and out per hour or day (UTC), every bucket of the range present, empty ones as 0. */
  async volume(filter: Filter & { bucket: 'hour' | 'day' }) {
    const rows = await queryRows<{ start: Date; inbound: number; outbound: number }>(this.db,
      `WITH counts AS (
         SELECT date_trunc($4, m.at AT TIME ZONE 'UTC') AS bucket,
                count(*) FILTER (WHERE m.direction = 'inbound') AS inbound, count(*) FILTER (WHERE m.direction = 'outbound') AS outbound
         FROM messages m WHERE ${IN_RANGE('m.at')} AND ${OF_INTEGRATION('m.integration_id')} GROUP BY 1)
       SELECT s.bucket AT TIME ZONE 'UTC' AS start, COALESCE(c.inbound, 0)::int AS inbound, COALESCE(c.outbound, 0)::int AS outbound
       FROM generate_series(date_trunc($4, $1::timestamptz AT TIME ZONE 'UTC'), ($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC', ('1 ' || $4)::interval) AS s(bucket)
       LEFT JOIN counts c ON c.bucket = s.bucket ORDER BY s.bucket`,
      [...params(filter), filter.bucket],
    );
    return {
      from: filter.from.toISOString(), to: filter.to.toISOString(), bucket: filter.bucket,
      buckets: rows.map((r) => ({ start: new Date(r.start).toISOString(), inbound: r.inbound, outbound: r.outbound })),
    };
  }

  /** Counts, reply latencies (customer's first message of a turn → reply accepted by Twilio) and delivery outcomes. */
  private async messages(filter: Filter) {
    const [row] = await queryRows<Record<string, number | null> & { inbound: number; outbound: number; active_customers: number; replies: number }>(this.db,
      `SELECT count(*) FILTER (WHERE m.direction = 'inbound')::int AS inbound,
              count(*) FILTER (WHERE m.direction = 'outbound')::int AS outbound,
              count(DISTINCT c.customer_id) FILTER (WHERE m.direction = 'inbound')::int AS active_customers,
              count(m.reply_latency_ms)::int AS replies,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY m.reply_latency_ms) AS p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY m.reply_latency_ms) AS p90,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY m.reply_latency_ms) AS p99,
              avg(m.reply_latency_ms)::float8 AS average,
              count(*) FILTER (WHERE m.delivery_status IN ('delivered', 'read'))::int AS delivered,
              count(*) FILTER (WHERE m.delivery_status IN ('failed', 'undelivered'))::int AS failed,
              count(*) FILTER (WHERE m.delivery_status = 'held')::int AS held,
              count(*) FILTER (WHERE m.delivery_status IN ('accepted', 'sent'))::int AS pending,
              ${RATE(`count(*) FILTER (WHERE m.delivery_status IN ('delivered', 'read'))`, `count(*) FILTER (WHERE m.delivery_status IN ('delivered', 'read', 'failed', 'undelivered'))`)} AS delivery_rate
       FROM messages m JOIN conversations c ON c.id = m.conversation_id
       WHERE ${IN_RANGE('m.at')} AND ${OF_INTEGRATION('m.integration_id')}`,
      params(filter),
    );
    return row!;
  }

  /** Conversations whose first customer message falls in the range: the wait until anyone (bot or person) first answered. */
  private async firstResponse(filter: Filter): Promise<Durations> {
    const [row] = await queryRows<Durations>(this.db,
      `WITH firsts AS (
         SELECT conversation_id, min(at) AS first_in FROM messages
         WHERE direction = 'inbound' AND ${OF_INTEGRATION('integration_id')} GROUP BY conversation_id
         HAVING ${IN_RANGE('min(at)')}),
       waits AS (
         SELECT extract(epoch FROM (SELECT min(o.at) FROM messages o
           WHERE o.conversation_id = f.conversation_id AND o.direction = 'outbound' AND o.at >= f.first_in
             AND o.delivery_status IS DISTINCT FROM 'held') - f.first_in)::float8 AS seconds
         FROM firsts f)
       SELECT ${DURATIONS('seconds')} FROM waits`,
      params(filter),
    );
    return row!;
  }

  /** Closes in the range: from the customer's first message after the conversation's previous close to this close. */
  private async resolution(filter: Filter): Promise<Durations> {
    const [row] = await queryRows<Durations>(this.db,
      `WITH closes AS (
         SELECT extract(epoch FROM h.at - (
           SELECT min(m.at) FROM messages m JOIN conversations c ON c.id = m.conversation_id
           WHERE c.integration_id = h.integration_id AND c.conversation_sid = h.conversation_sid AND m.direction = 'inbound' AND m.at <= h.at
             AND m.at > COALESCE((SELECT max(p.at) FROM handoff_events p WHERE p.integration_id = h.integration_id
               AND p.conversation_sid = h.conversation_sid AND p.to_status = 'closed' AND p.at < h.at), '-infinity'::timestamptz)
         ))::float8 AS seconds
         FROM handoff_events h WHERE h.to_status = 'closed' AND ${IN_RANGE('h.at')} AND ${OF_INTEGRATION('h.integration_id')})
       SELECT ${DURATIONS('seconds')} FROM closes`,
      params(filter),
    );
    return row!;
  }

  /**
   * Conversations the customer wrote in during the range; of those, the ones handed to a person
   * (an escalation or a take-over in the range) and the ones the bot answered with no hand-off.
   */
  private async conversations(filter: Filter) {
    const [row] = await queryRows<{ total: number; handed_off: number; bot_resolved: number; handoff_rate: number | null; bot_resolution_rate: number | null }>(this.db,
      `WITH active AS (
         SELECT c.id, c.integration_id, c.conversation_sid FROM conversations c
         WHERE ${OF_INTEGRATION('c.integration_id')}
           AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'inbound' AND ${IN_RANGE('m.at')})),
       flags AS (
         SELECT EXISTS (SELECT 1 FROM handoff_events h WHERE h.integration_id = a.integration_id AND h.conversation_sid = a.conversation_sid
                  AND h.to_status IN ('waiting_for_human', 'human') AND ${IN_RANGE('h.at')}) AS handed_off,
                EXISTS (SELECT 1 FROM messages o WHERE o.conversation_id = a.id AND o.direction = 'outbound' AND ${IN_RANGE('o.at')}
                  AND (o.sent_by IS NULL OR o.sent_by NOT LIKE 'agent:%')) AS bot_answered
         FROM active a)
       SELECT count(*)::int AS total, count(*) FILTER (WHERE handed_off)::int AS handed_off,
              count(*) FILTER (WHERE bot_answered AND NOT handed_off)::int AS bot_resolved,
              ${RATE('count(*) FILTER (WHERE handed_off)', 'count(*)')} AS handoff_rate,
              ${RATE('count(*) FILTER (WHERE bot_answered AND NOT handed_off)', 'count(*)')} AS bot_resolution_rate
       FROM flags`,
      params(filter),
    );
    const r = row!;
    return { total: r.total, handedOff: r.handed_off, botResolved: r.bot_resolved, handoffRate: r.handoff_rate, botResolutionRate: r.bot_resolution_rate };
  }

  /** Webhook events handed to their conversation workflow, against those still failing to be (in-flight ones are left out). */
  private async processing(filter: Filter) {
    const [row] = await queryRows<{ received: number; delivered: number; failing: number; success_rate: number | null }>(this.db,
      `SELECT count(*)::int AS received, count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE status = 'pending' AND last_error IS NOT NULL)::int AS failing,
              ${RATE(`count(*) FILTER (WHERE status = 'delivered')`, `count(*) FILTER (WHERE status = 'delivered' OR last_error IS NOT NULL)`)} AS success_rate
       FROM inbox_events WHERE ${IN_RANGE('received_at')} AND ${OF_INTEGRATION('integration_id')}`,
      params(filter),
    );
    const r = row!;
    return { received: r.received, delivered: r.delivered, failing: r.failing, successRate: r.success_rate };
  }

  /**
   * Token usage is kept per UTC day (for the budgets) and without the model, so the range is widened
   * to whole days and priced at the configured model's LLM_PRICES entry; an unpriced model shows tokens only.
   */
  private async llm(filter: Filter) {
    const model = this.config.openai.model;
    const price = Object.hasOwn(this.config.llmPrices, model) ? this.config.llmPrices[model] : undefined;
    const [row] = await queryRows<{ first_day: string; last_day: string; calls: number; prompt: number; completion: number; cost: number | null }>(this.db,
      `SELECT to_char(($1::timestamptz AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS first_day,
              to_char((($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date, 'YYYY-MM-DD') AS last_day,
              COALESCE(sum(calls), 0)::int AS calls, COALESCE(sum(prompt_tokens), 0)::float8 AS prompt, COALESCE(sum(completion_tokens), 0)::float8 AS completion,
              round(((COALESCE(sum(prompt_tokens), 0) * $4::numeric + COALESCE(sum(completion_tokens), 0) * $5::numeric) / 1000000), 6)::float8 AS cost
       FROM llm_usage
       WHERE day BETWEEN ($1::timestamptz AT TIME ZONE 'UTC')::date AND (($2::timestamptz - interval '1 microsecond') AT TIME ZONE 'UTC')::date
         AND ${OF_INTEGRATION('integration_id')}`,
      [...params(filter), price?.input ?? null, price?.output ?? null],
    );
    const r = row!;
    return {
      model, days: { from: r.first_day, to: r.last_day }, calls: r.calls,
      promptTokens: r.prompt, completionTokens: r.completion, totalTokens: r.prompt + r.completion,
      pricePerMillion: price ?? null, estimatedCostUsd: price ? r.cost : null,
    };
  }

  private async topTools(filter: Filter) {
    return queryRows<{ tool: string; calls: number; failed: number }>(this.db,
      `SELECT tool, count(*)::int AS calls, count(*) FILTER (WHERE outcome = 'failed')::int AS failed FROM tool_calls
       WHERE ${IN_RANGE('created_at')} AND ${OF_INTEGRATION('integration_id')} GROUP BY tool ORDER BY calls DESC, tool LIMIT 10`,
      params(filter),
    );
  }

  /** Questions the knowledge could not answer, the same question (case and spacing aside) counted together. */
  private async knowledgeGaps(filter: Filter) {
    const top = await queryRows<{ question: string; count: number; total: number }>(this.db,
      `SELECT min(question) AS question, count(*)::int AS count, sum(count(*)) OVER ()::int AS total FROM knowledge_gaps
       WHERE ${IN_RANGE('created_at')} AND ${OF_INTEGRATION('integration_id')}
       GROUP BY lower(btrim(question)) ORDER BY count DESC, question LIMIT 10`,
      params(filter),
    );
    return { total: top[0]?.total ?? 0, top: top.map((r) => ({ question: r.question, count: r.count })) };
  }
}

const params = (f: Filter) => [f.from.toISOString(), f.to.toISOString(), f.integrationId ?? null];
