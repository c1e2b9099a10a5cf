/**
 * The semantic layer's views: curated, read-only views in the `analytics` schema over the product's
 * own tables. They are the only relations a data question may read (the SQL guard's allow-list),
 * the select-only role is granted nothing else, and each view keeps to the integration named by
 * `whatsapp_agent.integration_id`, which the query runner sets before the question's SQL runs (the
 * SQL itself may not call `set_config`). Columns are chosen for questions: no phone numbers, no
 * e-mail addresses, no message text.
 *
 * The migration creates these views and stores their descriptions in `analytics_views`; the
 * descriptions are editable through the API, the view definitions change only by migration.
 */
export const ANALYTICS_SCHEMA = 'analytics';
/** The role every data question runs as: SELECT on the views above, nothing else. */
export const ANALYTICS_ROLE = 'whatsapp_agent_analytics';
/** The setting that scopes every view to one integration. */
export const INTEGRATION_SETTING = 'whatsapp_agent.integration_id';

const scope = (column: string) => `${column} = nullif(current_setting('${INTEGRATION_SETTING}', true), '')::uuid`;
/** Staff writing to the business number (an owner asking questions) are not customers in the figures. */
const notStaff = (phone: string) => `NOT EXISTS (SELECT 1 FROM public.staff s WHERE s.phone = ${phone})`;

export interface ViewColumn {
  name: string;
  type: string;
  description: string;
}

export interface ViewDefinition {
  name: string;
  description: string;
  sql: string;
  columns: ViewColumn[];
}

const col = (name: string, type: string, description: string): ViewColumn => ({ name, type, description });

export const ANALYTICS_VIEWS: ViewDefinition[] = [
  {
    name: 'customers',
    description: 'People who have written to the business on WhatsApp (erased customers and staff numbers excluded).',
    sql: `SELECT id, name, attributes->>'city' AS city, attributes->>'country' AS country, language,
            tags || behaviour_tags AS tags, marketing_consent, created_at, last_seen_at
          FROM public.customers WHERE erased_at IS NULL AND ${scope('integration_id')} AND ${notStaff('customers.phone')}`,
    columns: [
      col('id', 'uuid', 'Customer id'),
      col('name', 'text', 'Name, when known'),
      col('city', 'text', 'City from the customer profile (attribute "city"), when known'),
      col('country', 'text', 'Country from the customer profile (attribute "country"), when known'),
      col('language', 'text', 'Preferred language code, e.g. es, en'),
      col('tags', 'text[]', 'Staff and behaviour tags (new, buyer, repeat-buyer, inactive-60d, …)'),
      col('marketing_consent', 'text', 'opted_in, opted_out or unknown'),
      col('created_at', 'timestamptz', 'When the customer first wrote'),
      col('last_seen_at', 'timestamptz', 'When the customer last wrote'),
    ],
  },
  {
    name: 'conversations',
    description: 'WhatsApp conversations with customers (not staff), with whether a person was asked to take over.',
    sql: `SELECT c.id, c.customer_id, c.status, c.created_at, c.last_message_at,
            EXISTS (SELECT 1 FROM public.handoff_events h WHERE h.conversation_sid = c.conversation_sid AND h.integration_id = c.integration_id
                    AND h.to_status IN ('waiting_for_human', 'human')) AS handed_off
          FROM public.conversations c JOIN public.customers cu ON cu.id = c.customer_id WHERE ${scope('c.integration_id')} AND ${notStaff('cu.phone')}`,
    columns: [
      col('id', 'uuid', 'Conversation id'),
      col('customer_id', 'uuid', 'The customer (customers.id)'),
      col('status', 'text', 'bot, waiting_for_human, human or closed'),
      col('created_at', 'timestamptz', 'When the conversation started'),
      col('last_message_at', 'timestamptz', 'When its last message was'),
      col('handed_off', 'boolean', 'True when the conversation was ever handed to a person'),
    ],
  },
  {
    name: 'messages',
    description: 'Messages in and out of customer conversations (no text): who sent them, when, reply latency and delivery.',
    sql: `SELECT m.id, m.conversation_id, m.direction,
            CASE WHEN m.direction = 'inbound' THEN 'customer' WHEN m.sent_by = 'bot' THEN 'bot' ELSE 'staff' END AS sender,
            m.at, m.reply_latency_ms / 1000.0 AS reply_seconds, m.delivery_status, m.error_code
          FROM public.messages m JOIN public.conversations c ON c.id = m.conversation_id JOIN public.customers cu ON cu.id = c.customer_id
          WHERE ${scope('m.integration_id')} AND ${notStaff('cu.phone')}`,
    columns: [
      col('id', 'uuid', 'Message id'),
      col('conversation_id', 'uuid', 'The conversation (conversations.id)'),
      col('direction', 'text', 'inbound (from the customer) or outbound (to the customer)'),
      col('sender', 'text', 'customer, bot or staff'),
      col('at', 'timestamptz', 'When it was received or sent'),
      col('reply_seconds', 'numeric', "For the bot's replies: seconds from the customer's message to the reply"),
      col('delivery_status', 'text', 'Outbound only: accepted, sent, delivered, read, failed, undelivered or held'),
      col('error_code', 'text', 'Twilio error code of a failed or held message'),
    ],
  },
  {
    name: 'orders',
    description: 'Orders placed through the agent, with their total and payment status.',
    sql: `SELECT id, number, customer_id, status, currency, total_amount AS total, created_at, paid_at, cancelled_at, payment_provider
          FROM public.orders WHERE ${scope('integration_id')}`,
    columns: [
      col('id', 'uuid', 'Order id'),
      col('number', 'text', 'Order number shown to the customer'),
      col('customer_id', 'uuid', 'The customer (customers.id)'),
      col('status', 'text', 'awaiting_payment, paid or cancelled'),
      col('currency', 'text', 'ISO currency code, e.g. EUR'),
      col('total', 'numeric', 'Order total in currency units (e.g. 24.50)'),
      col('created_at', 'timestamptz', 'When the order was placed'),
      col('paid_at', 'timestamptz', 'When it was paid (null if not paid); revenue counts from here'),
      col('cancelled_at', 'timestamptz', 'When it was cancelled'),
      col('payment_provider', 'text', 'stripe or sandbox'),
    ],
  },
  {
    name: 'order_items',
    description: 'The lines of each order: product, quantity and price.',
    sql: `SELECT i.order_id, i.sku, i.name, i.quantity, i.unit_amount AS unit_price, i.quantity * i.unit_amount AS line_total
          FROM public.order_items i JOIN public.orders o ON o.id = i.order_id WHERE ${scope('o.integration_id')}`,
    columns: [
      col('order_id', 'uuid', 'The order (orders.id)'),
      col('sku', 'text', 'Product SKU (products.sku)'),
      col('name', 'text', 'Product name at the time of the order'),
      col('quantity', 'integer', 'Units ordered'),
      col('unit_price', 'numeric', 'Price per unit in currency units'),
      col('line_total', 'numeric', 'quantity × unit_price'),
    ],
  },
  {
    name: 'products',
    description: 'The product catalogue with current price and stock.',
    sql: `SELECT sku, name, attributes->>'category' AS category, price_amount AS price, currency, stock, updated_at FROM public.products`,
    columns: [
      col('sku', 'text', 'Product SKU'),
      col('name', 'text', 'Product name'),
      col('category', 'text', 'Category from the catalogue (attribute "category"), when set'),
      col('price', 'numeric', 'Current price in currency units'),
      col('currency', 'text', 'ISO currency code'),
      col('stock', 'integer', 'Units in stock'),
      col('updated_at', 'timestamptz', 'When the product was last updated'),
    ],
  },
  {
    name: 'returns',
    description: 'Returns and exchanges requested by customers.',
    sql: `SELECT id, order_id, customer_id, kind, reason, amount, status, created_at, updated_at
          FROM public.returns WHERE ${scope('integration_id')}`,
    columns: [
      col('id', 'uuid', 'Return id'),
      col('order_id', 'uuid', 'The order returned (orders.id)'),
      col('customer_id', 'uuid', 'The customer (customers.id)'),
      col('kind', 'text', 'refund or exchange'),
      col('reason', 'text', "The customer's reason"),
      col('amount', 'numeric', 'Amount concerned in currency units'),
      col('status', 'text', 'requested, approved, rejected, received, refunded or exchanged'),
      col('created_at', 'timestamptz', 'When the return was requested'),
      col('updated_at', 'timestamptz', 'When its status last changed'),
    ],
  },
  {
    name: 'appointments',
    description: 'Appointments booked through the agent.',
    sql: `SELECT a.id, a.service_id, s.name AS service_name, a.customer_id, a.starts_at, a.ends_at, a.status, a.created_at, a.cancelled_at
          FROM public.appointments a LEFT JOIN public.appointment_services s ON s.id = a.service_id WHERE ${scope('a.integration_id')}`,
    columns: [
      col('id', 'uuid', 'Appointment id'),
      col('service_id', 'text', 'Service id'),
      col('service_name', 'text', 'Service name, e.g. Haircut'),
      col('customer_id', 'uuid', 'The customer (customers.id)'),
      col('starts_at', 'timestamptz', 'Start time'),
      col('ends_at', 'timestamptz', 'End time'),
      col('status', 'text', 'booked, cancelled or completed'),
      col('created_at', 'timestamptz', 'When it was booked'),
      col('cancelled_at', 'timestamptz', 'When it was cancelled'),
    ],
  },
  {
    name: 'campaigns',
    description: "Marketing campaigns with this integration's recipients counted by outcome.",
    sql: `SELECT c.id, c.name, c.status, c.send_at, c.started_at, c.finished_at,
            count(r.customer_id) AS recipients,
            count(r.customer_id) FILTER (WHERE r.status = 'sent') AS sent,
            count(r.customer_id) FILTER (WHERE r.delivery_status IN ('delivered', 'read')) AS delivered,
            count(r.customer_id) FILTER (WHERE r.delivery_status = 'read') AS read,
            count(r.customer_id) FILTER (WHERE r.status = 'failed' OR r.delivery_status IN ('failed', 'undelivered')) AS failed
          FROM public.campaigns c JOIN public.campaign_recipients r ON r.campaign_id = c.id
          WHERE ${scope('r.integration_id')} GROUP BY c.id`,
    columns: [
      col('id', 'uuid', 'Campaign id'),
      col('name', 'text', 'Campaign name'),
      col('status', 'text', 'draft, scheduled, running, paused, completed or cancelled'),
      col('send_at', 'timestamptz', 'When it was scheduled to send'),
      col('started_at', 'timestamptz', 'When sending started'),
      col('finished_at', 'timestamptz', 'When it finished'),
      col('recipients', 'bigint', 'Recipients in this integration'),
      col('sent', 'bigint', 'Recipients the template was sent to'),
      col('delivered', 'bigint', 'Recipients whose message was delivered (or read)'),
      col('read', 'bigint', 'Recipients who read it'),
      col('failed', 'bigint', 'Recipients whose send or delivery failed'),
    ],
  },
  {
    name: 'deliveries',
    description: "Twilio's delivery receipts for outbound messages: each status a message reached.",
    sql: `SELECT d.message_sid, d.status, d.error_code, d.source, coalesce(d.twilio_updated_at, d.received_at) AS at
          FROM public.delivery_receipts d WHERE ${scope('d.integration_id')}`,
    columns: [
      col('message_sid', 'text', 'Twilio message SID'),
      col('status', 'text', 'sent, delivered, read, failed or undelivered'),
      col('error_code', 'text', 'Twilio error code for failed and undelivered'),
      col('source', 'text', 'webhook (a receipt) or reconciliation (read back from Twilio)'),
      col('at', 'timestamptz', 'When the message reached this status'),
    ],
  },
];

/** The allow-list of relations a data question may read: `analytics.<view>`. */
export const ANALYTICS_VIEW_NAMES = ANALYTICS_VIEWS.map((v) => v.name);
