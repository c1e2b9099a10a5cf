/**
 * The named metrics and verified examples a new installation starts with. Both live in the
 * database afterwards (`analytics_metrics`, `analytics_examples`) and are edited through the API.
 *
 * A metric is one aggregate over one view in a period: `SELECT <expression> FROM analytics.<view>
 * WHERE <time_column> >= $from AND <time_column> < $to AND (<filter>)`. Reports ("report today")
 * are computed from metrics alone, without the language model writing SQL.
 */
export interface MetricDefinition {
  name: string;
  label: string;
  description: string;
  view: string;
  expression: string;
  timeColumn: string;
  filter: string | null;
  /** How the value is shown: a count, money in the business currency, seconds, or a ratio shown as %. */
  unit: 'count' | 'money' | 'seconds' | 'ratio';
}

export const DEFAULT_METRICS: MetricDefinition[] = [
  {
    name: 'revenue', label: 'Revenue', unit: 'money', view: 'orders', expression: 'coalesce(sum(total), 0)', timeColumn: 'paid_at', filter: "status = 'paid'",
    description: 'Sum of paid order totals, counted when the order was paid.',
  },
  {
    name: 'orders', label: 'Orders', unit: 'count', view: 'orders', expression: 'count(*)', timeColumn: 'created_at', filter: null,
    description: 'Orders placed (any status), counted when placed.',
  },
  {
    name: 'paid_orders', label: 'Paid orders', unit: 'count', view: 'orders', expression: 'count(*)', timeColumn: 'paid_at', filter: "status = 'paid'",
    description: 'Orders paid, counted when paid.',
  },
  {
    name: 'average_reply_time', label: 'Average reply time', unit: 'seconds', view: 'messages', expression: 'avg(reply_seconds)', timeColumn: 'at',
    filter: "direction = 'outbound' AND sender = 'bot' AND reply_seconds IS NOT NULL",
    description: "Average seconds from a customer's message to the agent's reply.",
  },
  {
    name: 'handoff_rate', label: 'Hand-off rate', unit: 'ratio', view: 'conversations', expression: 'avg(CASE WHEN handed_off THEN 1.0 ELSE 0.0 END)', timeColumn: 'created_at', filter: null,
    description: 'Share of conversations started in the period that were handed to a person.',
  },
  {
    name: 'delivery_rate', label: 'Delivery rate', unit: 'ratio', view: 'messages',
    expression: "avg(CASE WHEN delivery_status IN ('delivered', 'read') THEN 1.0 ELSE 0.0 END)", timeColumn: 'at',
    filter: "direction = 'outbound' AND delivery_status IS NOT NULL",
    description: 'Share of outbound messages that were delivered (or read).',
  },
  {
    name: 'new_customers', label: 'New customers', unit: 'count', view: 'customers', expression: 'count(*)', timeColumn: 'created_at', filter: null,
    description: 'Customers who wrote for the first time.',
  },
  {
    name: 'conversations', label: 'Conversations', unit: 'count', view: 'conversations', expression: 'count(*)', timeColumn: 'created_at', filter: null,
    description: 'Conversations started.',
  },
];

export interface ExampleDefinition {
  question: string;
  sql: string;
}

/** Verified question → SQL pairs: shown to the model as examples of the house style. */
export const DEFAULT_EXAMPLES: ExampleDefinition[] = [
  {
    question: 'How many orders did we get last week by city?',
    sql: `SELECT coalesce(c.city, 'unknown') AS city, count(*) AS orders
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.created_at >= date_trunc('week', now()) - interval '7 days' AND o.created_at < date_trunc('week', now())
GROUP BY 1 ORDER BY orders DESC, city`,
  },
  {
    question: 'Revenue per day this month',
    sql: `SELECT date_trunc('day', paid_at)::date AS day, sum(total) AS revenue
FROM orders WHERE status = 'paid' AND paid_at >= date_trunc('month', now())
GROUP BY 1 ORDER BY 1`,
  },
  {
    question: 'What are our 5 best-selling products by units?',
    sql: `SELECT i.name, sum(i.quantity) AS units
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE o.status = 'paid' GROUP BY i.name ORDER BY units DESC, i.name LIMIT 5`,
  },
  {
    question: 'What share of conversations were handed to a person in the last 30 days?',
    sql: `SELECT round(100.0 * avg(CASE WHEN handed_off THEN 1 ELSE 0 END), 1) AS handoff_percent
FROM conversations WHERE created_at >= now() - interval '30 days'`,
  },
  {
    question: 'How many returns are waiting for approval?',
    sql: `SELECT count(*) AS returns FROM returns WHERE status = 'requested'`,
  },
];
