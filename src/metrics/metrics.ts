import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's one metrics registry and every metric the application records. Counters and
 * histograms count what happens in this process (the api's webhooks; the worker's sends, model and
 * tool calls); gauges read the database when scraped. Labels are bounded sets only: never a phone
 * number, a conversation or a message.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'whatsapp_agent_' });

const PREFIX = 'whatsapp_agent_';

/** Webhook events counted by name; anything else is `other`, so a forged EventType cannot grow the label set. */
const WEBHOOK_EVENTS = ['onMessageAdd', 'onMessageAdded', 'onDeliveryUpdated'] as const;
export const webhookEventLabel = (eventType: string | undefined): string =>
  WEBHOOK_EVENTS.includes(eventType as (typeof WEBHOOK_EVENTS)[number]) ? eventType! : 'other';

export const webhooksTotal = new Counter({
  name: `${PREFIX}webhooks_total`,
  help: 'Twilio webhook requests by event type and outcome (accepted, duplicate, ignored, blocked, forbidden).',
  labelNames: ['event', 'outcome'] as const,
  registers: [registry],
});

/** What a send is for: the agent's reply, a template outside the 24-hour window, a campaign, an automation. */
export type SendKind = 'reply' | 'template' | 'campaign' | 'automation';

export const messagesSentTotal = new Counter({
  name: `${PREFIX}messages_sent_total`,
  help: 'Messages handed to Twilio by this process, by kind and outcome (ok: accepted by Twilio or the sandbox; failed).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

export const replyLatencySeconds = new Histogram({
  name: `${PREFIX}reply_latency_seconds`,
  help: "From the customer's first message of a turn to the reply accepted by Twilio.",
  buckets: [0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60, 120, 300],
  registers: [registry],
});

export const llmRequestSeconds = new Histogram({
  name: `${PREFIX}llm_request_duration_seconds`,
  help: 'Language model calls by model and outcome (ok, error).',
  labelNames: ['model', 'outcome'] as const,
  buckets: [0.25, 0.5, 1, 2, 4, 8, 15, 30],
  registers: [registry],
});

export const llmTokensTotal = new Counter({
  name: `${PREFIX}llm_tokens_total`,
  help: 'Language model tokens by model and type (prompt, completion).',
  labelNames: ['model', 'type'] as const,
  registers: [registry],
});

export const toolCallsTotal = new Counter({
  name: `${PREFIX}tool_calls_total`,
  help: 'Recorded tool call outcomes, by registry tool name (custom HTTP and MCP tools are `custom`) and outcome.',
  labelNames: ['tool', 'outcome'] as const,
  registers: [registry],
});

/** One cheap query per gauge, run at scrape time; `bindDatabase` gives them the process's database. */
type Query = <T>(sql: string) => Promise<T[]>;
let query: Query | undefined;

export function bindDatabase(run: Query | undefined): void {
  query = run;
}

function databaseGauge(name: string, help: string, labelNames: string[], sql: string): Gauge<string> {
  return new Gauge({
    name: `${PREFIX}${name}`,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      if (!query) return;
      const rows = await query<Record<string, string | number>>(sql);
      this.reset();
      for (const row of rows) {
        const labels = Object.fromEntries(labelNames.map((l) => [l, String(row[l] ?? 'none')]));
        this.set(labels, Number(row.count));
      }
    },
  });
}

databaseGauge('messages', 'Messages recorded in the database, by direction (inbound, outbound).', ['direction'],
  `SELECT direction, count(*)::int AS count FROM messages GROUP BY direction`);
databaseGauge('outbound_delivery_status', 'Outbound messages by their latest delivery status (accepted, held, sent, delivered, read, failed, undelivered).', ['status'],
  `SELECT COALESCE(delivery_status, 'unknown') AS status, count(*)::int AS count FROM messages WHERE direction = 'outbound' GROUP BY 1`);
databaseGauge('conversations', 'Conversations by hand-off status (bot, waiting for a person, with an agent, ...).', ['status'],
  `SELECT status, count(*)::int AS count FROM conversations GROUP BY status`);
databaseGauge('handoffs', 'Hand-off status changes recorded, by the status they moved to.', ['to_status'],
  `SELECT to_status, count(*)::int AS count FROM handoff_events GROUP BY to_status`);
databaseGauge('integrations', 'Integrations by status (active, paused).', ['status'],
  `SELECT status, count(*)::int AS count FROM integrations GROUP BY status`);
