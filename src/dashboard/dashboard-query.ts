import { z } from 'zod';

const DAY_MS = 86_400_000;
/** The longest range any dashboard figure covers: a year. */
export const MAX_RANGE_DAYS = 366;
/** Hourly buckets only up to a month, so a chart never draws thousands of bars. */
export const MAX_HOURLY_DAYS = 31;

export const ERROR_TYPES = ['send_failed', 'tool_failed', 'alert', 'integration_paused', 'inbox_pending'] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];

/** Alert kinds that report something broken (the others are for staff: hand-offs, orders, reminders). */
export const ERROR_ALERT_KINDS = ['twilio_auth_failed', 'llm_auth_failed', 'llm_budget_exhausted', 'handoff_sla_missed'];

export interface TimeRange {
  from: Date;
  to: Date;
}

const instant = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time such as 2026-03-10T00:00:00Z' }).transform((v) => new Date(v));

/**
 * `from`/`to` (half-open, `to` excluded): the last 7 days by default; `from` alone runs to now, `to`
 * alone starts a week before it. An empty, inverted or over-long range is a 400.
 */
const range = {
  from: instant.optional(),
  to: instant.optional(),
  integrationId: z.uuid({ message: 'must be an integration id (UUID)' }).optional(),
};

function withDefaults<T extends { from?: Date; to?: Date }>(q: T): T & TimeRange {
  const to = q.to ?? new Date();
  const from = q.from ?? new Date(to.getTime() - 7 * DAY_MS);
  return { ...q, from, to };
}

function checkRange(q: TimeRange, ctx: z.RefinementCtx): void {
  if (q.from.getTime() >= q.to.getTime()) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
  else if (q.to.getTime() - q.from.getTime() > MAX_RANGE_DAYS * DAY_MS) ctx.addIssue({ code: 'custom', path: ['to'], message: `must be at most ${MAX_RANGE_DAYS} days after from` });
}

export const summaryQuery = z.strictObject(range).transform(withDefaults).superRefine(checkRange);

export const healthQuery = z.strictObject({ integrationId: range.integrationId });

export const volumeQuery = z
  .strictObject({ ...range, bucket: z.enum(['hour', 'day']).optional() })
  .transform(withDefaults)
  .transform((q) => ({ ...q, bucket: q.bucket ?? (q.to.getTime() - q.from.getTime() <= 2 * DAY_MS ? 'hour' : 'day') }))
  .superRefine((q, ctx) => {
    checkRange(q, ctx);
    if (q.bucket === 'hour' && q.to.getTime() - q.from.getTime() > MAX_HOURLY_DAYS * DAY_MS) {
      ctx.addIssue({ code: 'custom', path: ['bucket'], message: `hour needs a range of at most ${MAX_HOURLY_DAYS} days; use day` });
    }
  });

export const errorsQuery = z
  .strictObject({
    ...range,
    type: z.enum(ERROR_TYPES).optional(),
    conversationSid: z.string().regex(/^CH[0-9a-fA-F]{32}$/, 'must be a Twilio ConversationSid (CH followed by 32 hex characters)').optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .transform(withDefaults)
  .superRefine(checkRange);
