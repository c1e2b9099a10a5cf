import { z } from 'zod';
import { campaignVariablesSchema } from '../campaigns/campaign-variables';
import { profilePatchSchema } from '../customers/profile';
import { untrustedSegmentRule } from '../segments/segment-rule';

/**
 * An automation rule as data: `{ on, if?, after?, then }`. Everything here is checked by schema and
 * evaluated by this code (paths looked up, values compared, placeholders replaced); nothing a user
 * writes is ever executed.
 */

const DAY_MS = 24 * 60 * 60_000;
/** The longest a rule may wait, and the furthest ahead a follow-up it starts may be. */
export const MAX_DELAY_MS = 90 * DAY_MS;

const ISO_DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/**
 * An ISO-8601 duration in weeks, days, hours, minutes and seconds (`PT2H`, `P3D`, `P1DT12H`), in ms.
 * Years and months are refused: their length depends on the calendar. Undefined when it is not one.
 */
export function parseDuration(text: string): number | undefined {
  const m = ISO_DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number];
  return (((w * 7 + d) * 24 + h) * 60 + min) * 60_000 + s * 1000;
}

const duration = (atLeastMs: number) =>
  z.string().superRefine((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: 'an ISO-8601 duration such as PT30M, PT2H, P3D or P1DT12H (weeks, days, hours, minutes, seconds)' });
    else if (ms < atLeastMs) ctx.addIssue({ code: 'custom', message: 'must be longer than zero' });
    else if (ms > MAX_DELAY_MS) ctx.addIssue({ code: 'custom', message: 'must be at most 90 days (P90D)' });
  });

/** `order.paid`, `loyalty.points_added`: lower-case words joined by dots. */
export const automationEventSchema = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/, 'an event type: lower-case words joined by dots, e.g. order.paid');

/** A dot path into the event's data (`order.total`, `properties.points`, `customer.tags`). */
const dataPath = z.string().max(200).regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'a dot path into the event data, e.g. order.total');
const scalar = z.union([z.string().max(500), z.number().finite(), z.boolean()]);

const eventCondition = z
  .strictObject({ path: dataPath, op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'contains', 'exists']), value: scalar.optional() })
  .superRefine((c, ctx) => {
    if (c.op === 'exists' && c.value !== undefined && typeof c.value !== 'boolean') ctx.addIssue({ code: 'custom', path: ['value'], message: 'exists takes no value, or true/false' });
    if (c.op !== 'exists' && c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `${c.op} needs a value` });
    if (['gt', 'gte', 'lt', 'lte'].includes(c.op) && typeof c.value !== 'number') ctx.addIssue({ code: 'custom', path: ['value'], message: `${c.op} compares numbers` });
  });
export type EventCondition = z.infer<typeof eventCondition>;

const conditions = z.array(eventCondition).min(1).max(20);
const eventConditions = z.union([z.strictObject({ all: conditions }), z.strictObject({ any: conditions })], {
  message: 'event conditions are { "all": [...] } or { "any": [...] } of { path, op, value }',
});

/** A message text: plain text with `{{customer.name}}`-style placeholders. */
const text = z.string().trim().min(1).max(1000);
const tag = profilePatchSchema.shape.addTags.unwrap().element;

const action = z.discriminatedUnion(
  'type',
  [
    z.strictObject({
      type: z.literal('send_template'),
      contentSid: z.string().regex(/^HX[0-9a-fA-F]{32}$/, 'the Content SID of an approved WhatsApp template (HX…)'),
      variables: campaignVariablesSchema.default({}),
      /** Only to customers who opted in (a marketing template); by default, to all who did not opt out. */
      requireOptIn: z.boolean().default(false),
    }),
    z.strictObject({ type: z.literal('add_tag'), tag }),
    z.strictObject({ type: z.literal('start_follow_up'), in: duration(1), message: text, audience: z.enum(['customer', 'staff']) }),
    z.strictObject({ type: z.literal('notify_staff'), message: text }),
    z.strictObject({
      type: z.literal('call_webhook'),
      url: z.url({ protocol: /^https?$/, message: 'an http(s) URL' }).max(2000),
      secret: z.string().min(16, 'at least 16 characters').max(200).optional(),
    }),
  ],
  { message: 'type is one of send_template, add_tag, start_follow_up, notify_staff, call_webhook' },
);
export type AutomationAction = z.infer<typeof action>;

/** The public body of POST and PUT /api/automations. */
export const automationSchema = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  on: automationEventSchema,
  if: z.strictObject({ segment: untrustedSegmentRule.optional(), event: eventConditions.optional() }).optional(),
  after: duration(0).optional(),
  then: z.array(action).min(1, 'at least one action').max(10, 'at most 10 actions'),
  enabled: z.boolean().default(true),
});
export type AutomationInput = z.infer<typeof automationSchema>;

/** As stored: a webhook's secret encrypted, never in the clear. */
export type StoredAction = Exclude<AutomationAction, { type: 'call_webhook' }> | { type: 'call_webhook'; url: string; secretEncrypted?: string };
export type StoredDefinition = Omit<AutomationInput, 'then' | 'enabled' | 'name'> & { then: StoredAction[] };

/** The value at a dot path, or undefined. Only own properties of plain data are followed. */
export function lookup(data: unknown, path: string): unknown {
  let at: unknown = data;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

function holds(c: EventCondition, data: unknown): boolean {
  const v = lookup(data, c.path);
  const present = v !== undefined && v !== null;
  switch (c.op) {
    case 'exists': return present === (c.value ?? true);
    case 'eq': return present && String(v) === String(c.value);
    case 'neq': return !present || String(v) !== String(c.value);
    case 'contains':
      if (Array.isArray(v)) return v.some((x) => String(x) === String(c.value));
      return typeof v === 'string' && v.toLowerCase().includes(String(c.value).toLowerCase());
    default: {
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
      if (!Number.isFinite(n)) return false;
      const x = c.value as number;
      return c.op === 'gt' ? n > x : c.op === 'gte' ? n >= x : c.op === 'lt' ? n < x : n <= x;
    }
  }
}

/** Whether the event's data meets the rule's event conditions; a failed one is named, for the run's detail. */
export function checkEventConditions(spec: { all: EventCondition[] } | { any: EventCondition[] }, data: unknown): { met: true } | { met: false; reason: string } {
  const describe = (c: EventCondition) => `${c.path} ${c.op}${c.value === undefined ? '' : ` ${JSON.stringify(c.value)}`}`;
  if ('all' in spec) {
    const failed = spec.all.find((c) => !holds(c, data));
    return failed ? { met: false, reason: `the event does not meet ${describe(failed)}` } : { met: true };
  }
  return spec.any.some((c) => holds(c, data)) ? { met: true } : { met: false, reason: `the event meets none of ${spec.any.map(describe).join(', ')}` };
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_.-]{1,200})\s*\}\}/g;

/**
 * Fills `{{path}}` placeholders from `context` (the event's data, the customer's profile and the
 * event itself): plain substitution, a missing value becomes empty, lists are joined with commas.
 */
export function fillPlaceholders(template: string, context: Record<string, unknown>): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const v = lookup(context, path);
    if (Array.isArray(v)) return v.filter((x) => typeof x !== 'object').join(', ');
    return v === undefined || v === null || typeof v === 'object' ? '' : String(v).replace(/^whatsapp:/, '');
  });
}
