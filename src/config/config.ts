import { z } from 'zod';
import type { MessagePolicy } from '../policies/message-policy';
import { QUIET_HOURS_RANGE } from '../../workflows/quiet-hours';

/**
 * The configuration contract (README, `.env.example`): every variable the product reads, validated
 * once at boot. An invalid value stops the process with a message naming the variable and the problem.
 */
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const optionalUrl = optionalString.pipe(z.url({ message: 'must be an absolute URL' }).optional());

const booleanFlag = (fallback: boolean) =>
  optionalString.pipe(
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
      .optional()
      .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v))),
  );

const integer = (fallback: number, min: number, max: number) =>
  optionalString.pipe(
    z.coerce
      .number<string | undefined>({ message: 'must be a number' })
      .int({ message: 'must be a whole number' })
      .min(min, { message: `must be at least ${min}` })
      .max(max, { message: `must be at most ${max}` })
      .optional()
      .transform((v) => v ?? fallback),
  );

/** `{"model": {"input": USD per 1M prompt tokens, "output": USD per 1M completion tokens}}`, for the dashboard's cost estimate. */
const llmPrices = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined) return {};
    try {
      return JSON.parse(v) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON such as {"gpt-4o-mini": {"input": 0.15, "output": 0.6}}' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string().min(1), z.strictObject({ input: z.number().nonnegative(), output: z.number().nonnegative() }), { message: 'must map model names to {"input": USD per 1M tokens, "output": USD per 1M tokens}' }));

const schema = z
  .object({
    PORT: integer(3000, 0, 65535),
    PUBLIC_BASE_URL: optionalUrl,
    DATA_DIR: optionalString.transform((v) => v ?? './.data'),
    DATABASE_URL: optionalString.pipe(
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, { message: 'must be a postgres:// or postgresql:// URL' })
        .optional(),
    ),
    TEMPORAL_ADDRESS: optionalString.pipe(
      z.string().regex(/^[^\s/]+:\d+$/, { message: 'must be host:port' }).optional(),
    ),
    TEMPORAL_NAMESPACE: optionalString.transform((v) => v ?? 'default'),
    TEMPORAL_UI_PORT: integer(8233, 1, 65535),
    TEMPORAL_UI_URL: optionalUrl,
    TEMPORAL_CLI_PATH: optionalString,
    TEMPORAL_TASK_QUEUE: optionalString.transform((v) => v ?? 'whatsapp-agent'),
    TEMPORAL_API_KEY: optionalString,
    TEMPORAL_METRICS_PORT: integer(0, 0, 65535),
    OPENAI_API_KEY: optionalString,
    OPENAI_BASE_URL: optionalUrl,
    OPENAI_MODEL: optionalString.transform((v) => v ?? 'gpt-4o-mini'),
    OPENAI_EMBEDDINGS_MODEL: optionalString,
    TWILIO_ACCOUNT_SID: optionalString.pipe(
      z.string().regex(/^AC[0-9a-fA-F]{32}$/, { message: 'must be AC followed by 32 hex characters' }).optional(),
    ),
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_PHONE_NUMBER: optionalString.pipe(
      z
        .string()
        .regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, { message: 'must be an E.164 number such as +14155238886' })
        .optional(),
    ),
    TWILIO_API_BASE_URL: optionalUrl,
    ADMIN_API_KEY: optionalString.pipe(
      z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    ),
    METRICS_TOKEN: optionalString.pipe(
      z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
    ),
    CREDENTIALS_KEY: optionalString.pipe(
      z.string().regex(/^[0-9a-fA-F]{64}$/, { message: 'must be 64 hex characters (32 bytes)' }).optional(),
    ),
    STRIPE_SECRET_KEY: optionalString,
    STRIPE_WEBHOOK_SECRET: optionalString,
    STRIPE_API_BASE_URL: optionalUrl,
    ALERT_WEBHOOK_URL: optionalUrl,
    ANALYTICS_DATABASE_URL: optionalString,
    LOG_MESSAGE_BODIES: booleanFlag(false),
    NODE_ENV: optionalString,
    LOG_FORMAT: optionalString.pipe(z.enum(['json', 'pretty'], { message: 'must be json or pretty' }).optional()),
    ADMIN_RATE_LIMIT_PER_MINUTE: integer(600, 0, 1_000_000),
    TOKEN_MAX_AGE_DAYS: integer(90, 0, 3650),
    COALESCE_WINDOW_MS: integer(1500, 0, 60_000),
    REDELIVERY_INTERVAL_MS: integer(5000, 100, 3_600_000),
    TOKEN_ROTATION_WINDOW_MINUTES: integer(60, 0, 7 * 24 * 60),
    TWILIO_SENDS_PER_SECOND: integer(80, 1, 1000),
    RECONCILE_INTERVAL_MINUTES: integer(5, 1, 24 * 60),
    BEHAVIOUR_TAGS_INTERVAL_MINUTES: integer(60, 1, 7 * 24 * 60),
    WORKER_MAX_CACHED_WORKFLOWS: integer(250, 0, 100_000),
    WEBHOOK_BODY_LIMIT: optionalString.transform((v) => v ?? '256kb'),
    HANDOFF_SLA_MINUTES: integer(5, 1, 7 * 24 * 60),
    HANDOFF_REMINDER_MINUTES: integer(30, 1, 7 * 24 * 60),
    HANDOFF_MAX_REMINDERS: integer(3, 0, 100),
    REDACT_CARD_NUMBERS: booleanFlag(true),
    CUSTOMER_MESSAGES_PER_MINUTE: integer(20, 1, 120),
    THROTTLED_REPLY_INTERVAL_SECONDS: integer(30, 1, 3600),
    CUSTOMER_DAILY_TOKENS: integer(100_000, 0, 1_000_000_000),
    INTEGRATION_DAILY_TOKENS: integer(5_000_000, 0, 1_000_000_000),
    HOLDING_MESSAGE_SECONDS: integer(8, 0, 600),
    ORDER_PAYMENT_TIMEOUT_MINUTES: integer(60, 1, 10_080),
    PENDING_ACTION_MINUTES: integer(30, 1, 1440),
    WEBHOOK_RETRY_INITIAL_SECONDS: integer(10, 1, 3600),
    WEBHOOK_RETRY_MAX_SECONDS: integer(600, 1, 86_400),
    WEBHOOK_RETRY_HOURS: integer(24, 1, 24 * 30),
    DEMO_DATA: booleanFlag(true),
    QUIET_HOURS: optionalString.transform((v) => v ?? '21:00-09:00').pipe(
      z.union([z.literal('off'), z.string().regex(QUIET_HOURS_RANGE, { message: 'must be HH:MM-HH:MM (e.g. 21:00-09:00) or off' })]),
    ),
    ALLOW_PRIVATE_URLS: booleanFlag(false),
    HIGH_VALUE_ORDER_AMOUNT: optionalString.pipe(
      z.coerce.number<string | undefined>({ message: 'must be a number' }).positive({ message: 'must be more than 0' }).optional(),
    ),
    DAILY_DIGEST_TIME: optionalString.transform((v) => v ?? '08:00').pipe(
      z.union([z.literal('off'), z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:MM (e.g. 08:00) or off' })]),
    ),
    DAILY_DIGEST_TIME_ZONE: optionalString.transform((v) => v ?? 'UTC').refine(isTimeZone, { message: 'must be an IANA time zone such as Europe/Berlin' }),
    LLM_PRICES: optionalString.pipe(llmPrices),
    REPORT_TEMPLATE_CONTENT_SID: optionalString.refine((v) => v === undefined || /^HX[0-9a-fA-F]{32}$/.test(v), { message: 'must be a Content SID: HX followed by 32 hex characters' }),
    DATA_QUERY_TIMEOUT_MS: integer(5000, 100, 600_000),
    DATA_QUERY_MAX_ROWS: integer(500, 1, 100_000),
    DATA_QUERY_MAX_COST: integer(1_000_000, 1, 1_000_000_000_000),
  })
  .superRefine((env, ctx) => {
    const twilioVars = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_PHONE_NUMBER'] as const;
    const set = twilioVars.filter((name) => env[name] !== undefined);
    if (set.length > 0 && set.length < twilioVars.length) {
      for (const name of twilioVars.filter((n) => env[n] === undefined)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `is required when ${set.join(', ')} is set` });
      }
    }
    if (env.DATABASE_URL) {
      for (const name of ['CREDENTIALS_KEY', 'ADMIN_API_KEY'] as const) {
        if (!env[name]) {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: 'is required when DATABASE_URL is set (it is generated into DATA_DIR only for the embedded database)',
          });
        }
      }
    }
  });

type Env = z.output<typeof schema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export interface AppConfig {
  port: number;
  publicBaseUrl: string;
  dataDir: string;
  databaseUrl?: string;
  temporal: {
    address?: string;
    namespace: string;
    uiPort: number;
    /** Where people open the Temporal UI (links from the console); the embedded UI by default. */
    uiUrl?: string;
    cliPath?: string;
    taskQueue: string;
    apiKey?: string;
  };
  openai: { apiKey?: string; baseUrl?: string; model: string; embeddingsModel?: string };
  twilio: { accountSid?: string; authToken?: string; phoneNumber?: string; apiBaseUrl?: string };
  adminApiKey?: string;
  credentialsKey?: string;
  stripe: { secretKey?: string; webhookSecret?: string; apiBaseUrl?: string };
  alertWebhookUrl?: string;
  analyticsDatabaseUrl?: string;
  logMessageBodies: boolean;
  /** One JSON object per line (redacted), or Nest's readable lines; JSON by default with NODE_ENV=production. */
  logFormat: 'json' | 'pretty';
  /** Admin API calls one key may make per minute, in each api process; 0 = no limit. */
  adminRateLimitPerMinute: number;
  /** An integration's Twilio auth token older than this raises `token_old` once; 0 = never. */
  tokenMaxAgeDays: number;
  coalesceWindowMs: number;
  redeliveryIntervalMs: number;
  tokenRotationWindowMinutes: number;
  webhookBodyLimit: string;
  /** Server-side rate limit of the sends task queue, across all workers. */
  twilioSendsPerSecond: number;
  /** How often the reconciliation looks for customer messages whose webhook never arrived. */
  reconcileIntervalMinutes: number;
  /** How often the behaviour-tags schedule recomputes customers' automatic tags. */
  behaviourTagsIntervalMinutes: number;
  /** Conversations a worker keeps in memory; others are replayed from their history on their next message. */
  workerMaxCachedWorkflows: number;
  /** Hand-off SLA: holding message + alert after `slaMs` without a person, then up to `maxReminders` reminders. */
  handoff: { slaMs: number; reminderMs: number; maxReminders: number };
  /** Message policies every integration starts from; each may override them (PUT /api/integrations/:id/policies). */
  policyDefaults: MessagePolicy;
  /** An unpaid order gets one reminder after this long, and is cancelled (stock released) after twice this long. */
  orderPaymentTimeoutMs: number;
  /** How long a summary waits for the customer's YES before the pending action lapses. */
  pendingActionMs: number;
  /** Outbound event webhooks: the first retry after `initialSeconds`, doubling up to `maximumSeconds`, given up after `giveUpAfterSeconds`. */
  webhookRetry: { initialSeconds: number; maximumSeconds: number; giveUpAfterSeconds: number };
  /** The sandbox loads the demo shop at boot while the business has no products, knowledge or services. */
  demoData: boolean;
  /** When customer-facing follow-ups wait (`HH:MM-HH:MM` in the customer's time zone, may wrap past midnight); null = never. */
  quietHours: string | null;
  /** Outbound requests to URLs chosen through the API (custom HTTP tools) may reach private and loopback addresses. */
  allowPrivateUrls: boolean;
  /** An order paid with at least this total (in its currency's unit) alerts staff; null = never. */
  highValueOrderAmount: number | null;
  /** The daily digest to owners: when it is sent (`HH:MM`, null = never) and the time zone of that time and of its days. */
  dailyDigest: { time: string | null; timeZone: string };
  /** `GET /metrics` also accepts this bearer token; the worker serves the Temporal SDK's metrics on `temporalPort` (null = off). */
  metrics: { token?: string; temporalPort: number | null };
  /** USD per million prompt (`input`) and completion (`output`) tokens, by model; the dashboard estimates cost from it. */
  llmPrices: Record<string, { input: number; output: number }>;
  /** Limits of one staff data question's SQL: statement timeout, rows returned, and the planner's cost ceiling (the embedded database has no timeout). */
  dataQuestions: { timeoutMs: number; maxRows: number; maxCost: number };
  /** An approved WhatsApp media template (body `{{1}}`, media `PUBLIC_BASE_URL/media/{{2}}`) for reports with a chart outside the 24-hour window. */
  reportTemplateContentSid?: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws a ConfigError listing every problem by variable name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`));
  }
  return toAppConfig(parsed.data);
}

function toAppConfig(env: Env): AppConfig {
  return {
    port: env.PORT,
    publicBaseUrl: (env.PUBLIC_BASE_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    dataDir: env.DATA_DIR,
    databaseUrl: env.DATABASE_URL,
    temporal: {
      address: env.TEMPORAL_ADDRESS,
      namespace: env.TEMPORAL_NAMESPACE,
      uiPort: env.TEMPORAL_UI_PORT,
      uiUrl: (env.TEMPORAL_UI_URL ?? (env.TEMPORAL_ADDRESS ? undefined : `http://localhost:${env.TEMPORAL_UI_PORT}`))?.replace(/\/+$/, ''),
      cliPath: env.TEMPORAL_CLI_PATH,
      taskQueue: env.TEMPORAL_TASK_QUEUE,
      apiKey: env.TEMPORAL_API_KEY,
    },
    openai: {
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
      embeddingsModel: env.OPENAI_EMBEDDINGS_MODEL,
    },
    twilio: {
      accountSid: env.TWILIO_ACCOUNT_SID,
      authToken: env.TWILIO_AUTH_TOKEN,
      phoneNumber: env.TWILIO_PHONE_NUMBER,
      apiBaseUrl: env.TWILIO_API_BASE_URL,
    },
    adminApiKey: env.ADMIN_API_KEY,
    credentialsKey: env.CREDENTIALS_KEY,
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      apiBaseUrl: env.STRIPE_API_BASE_URL,
    },
    alertWebhookUrl: env.ALERT_WEBHOOK_URL,
    analyticsDatabaseUrl: env.ANALYTICS_DATABASE_URL,
    logMessageBodies: env.LOG_MESSAGE_BODIES,
    logFormat: env.LOG_FORMAT ?? (env.NODE_ENV === 'production' ? 'json' : 'pretty'),
    adminRateLimitPerMinute: env.ADMIN_RATE_LIMIT_PER_MINUTE,
    tokenMaxAgeDays: env.TOKEN_MAX_AGE_DAYS,
    coalesceWindowMs: env.COALESCE_WINDOW_MS,
    redeliveryIntervalMs: env.REDELIVERY_INTERVAL_MS,
    tokenRotationWindowMinutes: env.TOKEN_ROTATION_WINDOW_MINUTES,
    webhookBodyLimit: env.WEBHOOK_BODY_LIMIT,
    twilioSendsPerSecond: env.TWILIO_SENDS_PER_SECOND,
    reconcileIntervalMinutes: env.RECONCILE_INTERVAL_MINUTES,
    behaviourTagsIntervalMinutes: env.BEHAVIOUR_TAGS_INTERVAL_MINUTES,
    workerMaxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
    handoff: {
      slaMs: env.HANDOFF_SLA_MINUTES * 60_000,
      reminderMs: env.HANDOFF_REMINDER_MINUTES * 60_000,
      maxReminders: env.HANDOFF_MAX_REMINDERS,
    },
    policyDefaults: {
      redaction: { cards: env.REDACT_CARD_NUMBERS, patterns: [] },
      limits: {
        customerMessagesPerMinute: env.CUSTOMER_MESSAGES_PER_MINUTE,
        throttledReplyIntervalSeconds: env.THROTTLED_REPLY_INTERVAL_SECONDS,
        customerDailyTokens: env.CUSTOMER_DAILY_TOKENS,
        integrationDailyTokens: env.INTEGRATION_DAILY_TOKENS,
      },
      holdingMessageSeconds: env.HOLDING_MESSAGE_SECONDS,
      businessHours: null,
    },
    orderPaymentTimeoutMs: env.ORDER_PAYMENT_TIMEOUT_MINUTES * 60_000,
    pendingActionMs: env.PENDING_ACTION_MINUTES * 60_000,
    webhookRetry: {
      initialSeconds: env.WEBHOOK_RETRY_INITIAL_SECONDS,
      maximumSeconds: Math.max(env.WEBHOOK_RETRY_MAX_SECONDS, env.WEBHOOK_RETRY_INITIAL_SECONDS),
      giveUpAfterSeconds: env.WEBHOOK_RETRY_HOURS * 3600,
    },
    demoData: env.DEMO_DATA,
    quietHours: env.QUIET_HOURS === 'off' ? null : env.QUIET_HOURS,
    allowPrivateUrls: env.ALLOW_PRIVATE_URLS,
    highValueOrderAmount: env.HIGH_VALUE_ORDER_AMOUNT ?? null,
    dailyDigest: { time: env.DAILY_DIGEST_TIME === 'off' ? null : env.DAILY_DIGEST_TIME, timeZone: env.DAILY_DIGEST_TIME_ZONE },
    metrics: { token: env.METRICS_TOKEN, temporalPort: env.TEMPORAL_METRICS_PORT || null },
    llmPrices: env.LLM_PRICES,
    reportTemplateContentSid: env.REPORT_TEMPLATE_CONTENT_SID,
    dataQuestions: { timeoutMs: env.DATA_QUERY_TIMEOUT_MS, maxRows: env.DATA_QUERY_MAX_ROWS, maxCost: env.DATA_QUERY_MAX_COST },
  };
}
