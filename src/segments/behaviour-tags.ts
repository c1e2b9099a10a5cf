import { compileSegmentRule, CUSTOMER_FACTS, type SegmentRule } from './segment-rule';

/**
 * Automatic behaviour tags, as segment rules: refreshed by the `behaviour-tags` schedule and kept
 * apart from staff's tags (`customers.behaviour_tags`), so a refresh never removes a tag a person set.
 * Segments see both through the `tag` field.
 */
export const BEHAVIOUR_TAGS: { tag: string; rule: SegmentRule }[] = [
  { tag: 'new', rule: { all: [{ field: 'first_seen', op: 'within_days', value: 7 }] } },
  { tag: 'inactive-60d', rule: { all: [{ field: 'last_message', op: 'older_than_days', value: 60 }] } },
  { tag: 'buyer', rule: { all: [{ field: 'orders_count', op: 'gte', value: 1 }] } },
  { tag: 'repeat-buyer', rule: { all: [{ field: 'orders_count', op: 'gte', value: 2 }] } },
  { tag: 'lapsed-buyer', rule: { all: [{ field: 'orders_count', op: 'gte', value: 1 }, { field: 'last_order_date', op: 'older_than_days', value: 90 }] } },
  { tag: 'appointment-client', rule: { all: [{ field: 'appointments_completed', op: 'gte', value: 1 }] } },
];

/** One UPDATE that sets every customer's behaviour tags; only rows whose tags change are written. */
export function behaviourTagsUpdate(): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const cases = BEHAVIOUR_TAGS.map(({ tag, rule }) => `CASE WHEN ${compileSegmentRule(rule, params)} THEN $${params.push(tag)}::text END`);
  return {
    sql: `UPDATE customers SET behaviour_tags = t.tags
          FROM (SELECT c.id, array_remove(ARRAY[${cases.join(', ')}], NULL) AS tags ${CUSTOMER_FACTS}) t
          WHERE customers.id = t.id AND customers.behaviour_tags IS DISTINCT FROM t.tags
          RETURNING customers.id`,
    params,
  };
}
