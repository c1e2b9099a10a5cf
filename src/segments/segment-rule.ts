import { z } from 'zod';
import { ATTRIBUTE_FIELD } from '../customers/profile';
import { containsPattern } from '../database/sql';

/**
 * Segments as data: `{ all|any: [ { field, op, value } | group ] }`, compiled to a SQL condition over
 * one customer's facts. Fields and operators come from the tables below, never from the input; every
 * value is a bind parameter. So a value is always a value, whatever it contains.
 */

type FieldType = 'text' | 'number' | 'date' | 'tags';

/** What a rule may look at: the profile, consent, tags, and behaviour summed up from orders and appointments. */
export const SEGMENT_FIELDS: Record<string, { sql: string; type: FieldType; description: string; integer?: true }> = {
  name: { sql: 'c.name', type: 'text', description: 'profile name' },
  email: { sql: 'c.email', type: 'text', description: 'profile email' },
  phone: { sql: 'c.phone', type: 'text', description: 'WhatsApp address, e.g. whatsapp:+34600000000' },
  language: { sql: 'c.language', type: 'text', description: 'en, es, de, fr, it, pt' },
  time_zone: { sql: 'c.time_zone', type: 'text', description: 'IANA time zone' },
  consent: { sql: 'c.marketing_consent', type: 'text', description: 'opted_in or opted_out (absent: never asked)' },
  tag: { sql: '(c.tags || c.behaviour_tags)', type: 'tags', description: "staff's tags and automatic behaviour tags" },
  first_seen: { sql: 'c.created_at', type: 'date', description: 'first message' },
  last_message: { sql: 'c.last_seen_at', type: 'date', description: "the customer's last message" },
  orders_count: { sql: 'f.orders_count', type: 'number', integer: true, description: 'paid orders' },
  total_spent: { sql: 'f.total_spent', type: 'number', description: 'sum of paid orders, in the currency unit' },
  last_order_date: { sql: 'f.last_order_at', type: 'date', description: 'when the last paid order was placed' },
  appointments_count: { sql: 'f.appointments_count', type: 'number', integer: true, description: 'appointments booked or completed' },
  appointments_completed: { sql: 'f.appointments_completed', type: 'number', integer: true, description: 'appointments completed' },
  last_appointment_date: { sql: 'f.last_appointment_at', type: 'date', description: 'start of the last appointment not cancelled' },
};

/** `attributes.<key>`: a custom attribute, compared as text. */
const ATTRIBUTE = ATTRIBUTE_FIELD;

const OPS: Record<FieldType, readonly string[]> = {
  text: ['eq', 'neq', 'contains', 'in', 'exists', 'not_exists'],
  number: ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'],
  date: ['before', 'after', 'within_days', 'older_than_days', 'exists', 'not_exists'],
  tags: ['contains', 'not_contains', 'in'],
};

const scalar = z.union([z.string().max(500), z.number().finite()]);
const condition = z.strictObject({ field: z.string().max(80), op: z.string().max(20), value: z.union([scalar, z.array(scalar).max(100)]).optional() });
export type SegmentCondition = z.infer<typeof condition>;
export type SegmentRule = { all: (SegmentCondition | SegmentRule)[] } | { any: (SegmentCondition | SegmentRule)[] };

const MAX_DEPTH = 4;
const MAX_CONDITIONS = 50;

/**
 * How deep a JSON value nests, without recursion: checked before the rule schema (which recurses), so a
 * rule nested thousands deep is refused instead of exhausting the stack.
 */
export function nestingDepth(value: unknown, stop = 64): number {
  let depth = 0;
  let level: unknown[] = [value];
  while (level.length > 0 && depth <= stop) {
    const next: unknown[] = [];
    for (const v of level) if (v !== null && typeof v === 'object') next.push(...Object.values(v as object));
    if (next.length === 0) break;
    depth++;
    level = next;
  }
  return depth;
}

const RULE_MAX_JSON_DEPTH = 2 * MAX_DEPTH + 4;

export const segmentRuleSchema: z.ZodType<SegmentRule> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(z.union([condition, segmentRuleSchema])).min(1).max(MAX_CONDITIONS) }),
    z.strictObject({ any: z.array(z.union([condition, segmentRuleSchema])).min(1).max(MAX_CONDITIONS) }),
  ]),
);

/** The rule schema behind a depth check: what the API parses untrusted rules with. */
export const untrustedSegmentRule = z.unknown().superRefine((value, ctx) => {
  if (nestingDepth(value) > RULE_MAX_JSON_DEPTH) ctx.addIssue({ code: 'custom', message: `groups nest at most ${MAX_DEPTH} deep` });
}).pipe(segmentRuleSchema);

export class SegmentRuleError extends Error {}

/**
 * The rule as a SQL condition over `c` (customers) and `f` (CUSTOMER_FACTS); its values are pushed
 * onto `params` and referenced as $n. Throws SegmentRuleError naming the offending condition.
 */
export function compileSegmentRule(rule: SegmentRule, params: unknown[]): string {
  let count = 0;
  const group = (node: SegmentRule, path: string, depth: number): string => {
    if (depth > MAX_DEPTH) throw new SegmentRuleError(`${path}: groups nest at most ${MAX_DEPTH} deep`);
    const [joiner, items] = 'all' in node ? [' AND ', node.all] : [' OR ', node.any];
    const key = 'all' in node ? 'all' : 'any';
    const parts = items.map((item, i) => {
      const at = `${path}.${key}[${i}]`;
      if ('all' in item || 'any' in item) return group(item, at, depth + 1);
      if (++count > MAX_CONDITIONS) throw new SegmentRuleError(`a rule has at most ${MAX_CONDITIONS} conditions`);
      return compileCondition(item, at, params);
    });
    return `(${parts.join(joiner)})`;
  };
  return group(rule, 'rule', 1);
}

function compileCondition(cond: SegmentCondition, at: string, params: unknown[]): string {
  const param = (value: unknown) => `$${params.push(value)}`;
  const attribute = ATTRIBUTE.exec(cond.field);
  const field = attribute ? { sql: `(c.attributes ->> ${param(attribute[1])})`, type: 'text' as const } : SEGMENT_FIELDS[cond.field];
  if (!field) throw new SegmentRuleError(`${at}: unknown field "${cond.field}"; fields: ${Object.keys(SEGMENT_FIELDS).join(', ')}, attributes.<key>`);
  if (!OPS[field.type].includes(cond.op)) throw new SegmentRuleError(`${at}: "${cond.op}" does not apply to ${cond.field}; use ${OPS[field.type].join(', ')}`);
  const { sql } = field;
  const needs = (kind: 'text' | 'number' | 'list' | 'days' | 'date' | 'none'): unknown => {
    const v = cond.value;
    const fail = (what: string) => new SegmentRuleError(`${at}: ${cond.field} ${cond.op} takes ${what}`);
    switch (kind) {
      case 'none':
        if (v !== undefined) throw fail('no value');
        return undefined;
      case 'text':
        if (typeof v !== 'string') throw fail('a text value');
        return v;
      case 'number':
        if (typeof v !== 'number' || Math.abs(v) > 1e12) throw fail('a number');
        if ('integer' in field && field.integer && !Number.isInteger(v)) throw fail('a whole number');
        return v;
      case 'days':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 36_500) throw fail('a whole number of days');
        return v;
      case 'date':
        if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw fail('a date (ISO 8601)');
        return new Date(v).toISOString();
      case 'list':
        if (!Array.isArray(v) || v.length === 0 || v.some((x) => typeof x !== 'string')) throw fail('a non-empty list of texts');
        return v;
    }
  };
  switch (field.type === 'number' ? `n:${cond.op}` : cond.op) {
    case 'eq': return `${sql} = ${param(needs('text'))}`;
    case 'neq': return `${sql} IS DISTINCT FROM ${param(needs('text'))}`;
    case 'in': return field.type === 'tags' ? `${sql} && ${param(needs('list'))}::text[]` : `${sql} = ANY(${param(needs('list'))}::text[])`;
    case 'exists': needs('none'); return `${sql} IS NOT NULL`;
    case 'not_exists': needs('none'); return `${sql} IS NULL`;
    case 'contains':
      return field.type === 'tags'
        ? `${param(needs('text'))} = ANY(${sql})`
        : `${sql} ILIKE ${param(containsPattern(needs('text') as string))} ESCAPE '\\'`;
    case 'not_contains': return `NOT (${param(needs('text'))} = ANY(${sql}))`;
    case 'n:eq': return `${sql} = ${param(needs('number'))}`;
    case 'n:neq': return `${sql} <> ${param(needs('number'))}`;
    case 'n:gt': return `${sql} > ${param(needs('number'))}`;
    case 'n:gte': return `${sql} >= ${param(needs('number'))}`;
    case 'n:lt': return `${sql} < ${param(needs('number'))}`;
    case 'n:lte': return `${sql} <= ${param(needs('number'))}`;
    case 'before': return `${sql} < ${param(needs('date'))}::timestamptz`;
    case 'after': return `${sql} > ${param(needs('date'))}::timestamptz`;
    case 'within_days': return `${sql} >= now() - make_interval(days => ${param(needs('days'))}::int)`;
    case 'older_than_days': return `${sql} < now() - make_interval(days => ${param(needs('days'))}::int)`;
  }
  throw new SegmentRuleError(`${at}: unknown operator "${cond.op}"`);
}


/**
 * The customers a rule runs over (`c`), with their behaviour facts (`f`); erased customers are never in
 * a segment. Append `AND <condition>`.
 */
export const CUSTOMER_FACTS = `
  FROM customers c
  CROSS JOIN LATERAL (
    SELECT
      (SELECT count(*)::int FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid') AS orders_count,
      (SELECT COALESCE(sum(o.total_amount), 0)::float8 FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid') AS total_spent,
      (SELECT max(o.created_at) FROM orders o WHERE o.customer_id = c.id AND o.status = 'paid') AS last_order_at,
      (SELECT count(*)::int FROM appointments a WHERE a.customer_id = c.id AND a.status <> 'cancelled') AS appointments_count,
      (SELECT count(*)::int FROM appointments a WHERE a.customer_id = c.id AND a.status = 'completed') AS appointments_completed,
      (SELECT max(a.starts_at) FROM appointments a WHERE a.customer_id = c.id AND a.status <> 'cancelled') AS last_appointment_at
  ) f
  WHERE c.erased_at IS NULL`;
