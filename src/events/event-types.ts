import { z } from 'zod';

/** The events the product publishes itself; external systems add their own through POST /api/events. */
export const PRODUCT_EVENT_TYPES = ['order.paid', 'order.cancelled', 'appointment.completed', 'conversation.closed', 'customer.tagged', 'campaign.completed', 'campaign.cancelled', 'report.daily', 'alert.raised'] as const;

/** `noun.verb`, lower case, dot-separated: `order.paid`, `loyalty.points_added`. */
export const eventTypeSchema = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'an event type is lower-case words joined by dots, e.g. order.paid');

/** What a webhook subscribes to: one type, every type of a prefix (`order.*`), or everything (`*`). */
export const eventPatternSchema = z.union([z.literal('*'), eventTypeSchema, z.string().max(100).regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*\.\*$/)], {
  message: 'an event type (order.paid), a prefix (order.*) or *',
});

/** SQL: the pattern `p` matches the event type `t` (the same rule as eventPatternSchema describes). */
export const PATTERN_MATCHES_SQL = (p: string, t: string) => `(${p} = '*' OR ${p} = ${t} OR (right(${p}, 2) = '.*' AND starts_with(${t}, left(${p}, -1))))`;
