import { z } from 'zod';
import { type BusinessHours, HOURS_RANGE, isTimeZone, WEEKDAYS } from '../../workflows/business-hours';
import { patternProblem, type RedactionSettings } from './redaction';

/**
 * An integration's message policies: what is redacted at the pre-action hook, how much a customer
 * (and the whole integration) may use the agent, when a holding message goes out, and the business
 * hours. The environment gives the defaults; each integration may override any part.
 */
export interface MessagePolicy {
  redaction: RedactionSettings;
  limits: {
    /** Customer messages per minute beyond which a burst is coalesced into one reply per interval. */
    customerMessagesPerMinute: number;
    throttledReplyIntervalSeconds: number;
    /** LLM tokens per customer per UTC day; 0 = no limit. */
    customerDailyTokens: number;
    /** LLM tokens per integration per UTC day; 0 = no limit. */
    integrationDailyTokens: number;
  };
  /** A short holding message when the reply is not out after this long; 0 = never. */
  holdingMessageSeconds: number;
  /** Null: no business hours, a person may answer any time. */
  businessHours: BusinessHours | null;
}

/** What an integration stores: any part of the policy; the rest comes from the defaults. */
export type StoredPolicy = {
  redaction?: Partial<RedactionSettings>;
  limits?: Partial<MessagePolicy['limits']>;
  holdingMessageSeconds?: number;
  businessHours?: BusinessHours | null;
};

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);

const patternSchema = z
  .object({
    name: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[\p{L}\p{N} _.-]+$/u, 'letters, digits, spaces, _ . - only')
      .refine((n) => n.toLowerCase() !== 'card', 'the name "card" is reserved for card numbers'),
    pattern: z.string().min(1),
    flags: z.enum(['', 'i']).optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    const problem = patternProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', path: ['pattern'], message: problem });
  });

/** Opening ranges per weekday (`{ mon: ["09:00-17:00"] }`): business hours here, a service's hours for appointments. */
export const weeklyHoursSchema = z
  .object(Object.fromEntries(WEEKDAYS.map((d) => [d, z.array(z.string().regex(HOURS_RANGE, 'must be HH:MM-HH:MM')).max(10).optional()])))
  .strict()
  .superRefine((hours, ctx) => {
    for (const [day, ranges] of Object.entries(hours)) {
      for (const [i, range] of ((ranges as string[] | undefined) ?? []).entries()) {
        const [from, to] = range.split('-');
        if (from! >= to!) ctx.addIssue({ code: 'custom', path: [day, i], message: 'must end after it starts' });
      }
    }
  });

const businessHoursSchema = z
  .object({
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid'),
    hours: weeklyHoursSchema,
  })
  .strict();

/** The body of PUT /api/integrations/:id/policies: every part optional, unknown fields refused. */
export const storedPolicySchema = z
  .object({
    redaction: z.object({ cards: z.boolean().optional(), patterns: z.array(patternSchema).max(20).optional() }).strict().optional(),
    limits: z
      .object({
        customerMessagesPerMinute: wholeNumber(1, 120).optional(),
        throttledReplyIntervalSeconds: wholeNumber(1, 3600).optional(),
        customerDailyTokens: wholeNumber(0, 1_000_000_000).optional(),
        integrationDailyTokens: wholeNumber(0, 1_000_000_000).optional(),
      })
      .strict()
      .optional(),
    holdingMessageSeconds: wholeNumber(0, 600).optional(),
    businessHours: businessHoursSchema.nullable().optional(),
  })
  .strict();

/** The policy in force: the integration's overrides over the defaults. */
export function effectivePolicy(defaults: MessagePolicy, stored: StoredPolicy | null | undefined): MessagePolicy {
  const s = stored ?? {};
  return {
    redaction: { ...defaults.redaction, ...s.redaction },
    limits: { ...defaults.limits, ...s.limits },
    holdingMessageSeconds: s.holdingMessageSeconds ?? defaults.holdingMessageSeconds,
    businessHours: s.businessHours === undefined ? defaults.businessHours : s.businessHours,
  };
}
