import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The agent's skills: the business's settings, knowledge (chunks searchable by language-aware full
 * text), catalogue, orders with their items, returns, appointment services and bookings, the questions
 * knowledge could not answer, and every tool call the agent made with its result.
 */
export class BusinessSkills1764460800000 implements MigrationInterface {
  name = 'BusinessSkills1764460800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE customers ADD COLUMN language text`);
    await q.query(`CREATE TABLE business_settings (id smallint PRIMARY KEY CHECK (id = 1), document jsonb NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`);
    await q.query(`
      CREATE TABLE knowledge_documents (
        id uuid PRIMARY KEY,
        title text NOT NULL,
        content text NOT NULL,
        url text,
        locale text,
        content_hash text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE knowledge_chunks (
        id uuid PRIMARY KEY,
        document_id uuid NOT NULL REFERENCES knowledge_documents(id) ON DELETE CASCADE,
        position integer NOT NULL,
        heading text,
        text text NOT NULL,
        ts_config text NOT NULL,
        tsv tsvector NOT NULL,
        embedding float8[],
        embedding_model text
      )`);
    await q.query(`CREATE INDEX knowledge_chunks_tsv ON knowledge_chunks USING gin (tsv)`);
    await q.query(`
      CREATE TABLE knowledge_gaps (
        id uuid PRIMARY KEY,
        integration_id uuid REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid REFERENCES customers(id) ON DELETE SET NULL,
        question text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        description text NOT NULL DEFAULT '',
        price_amount numeric(14, 2) NOT NULL CHECK (price_amount >= 0),
        currency char(3) NOT NULL,
        stock integer NOT NULL CHECK (stock >= 0),
        attributes jsonb NOT NULL DEFAULT '{}',
        search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, sku || ' ' || name || ' ' || description)) STORED,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX products_search ON products USING gin (search)`);
    await q.query(`CREATE SEQUENCE order_numbers START 1001`);
    await q.query(`
      CREATE TABLE orders (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        status text NOT NULL CHECK (status IN ('awaiting_payment', 'paid', 'cancelled')),
        currency char(3) NOT NULL,
        total_amount numeric(14, 2) NOT NULL,
        action_key text NOT NULL UNIQUE,
        payment_provider text,
        payment_reference text UNIQUE,
        payment_url text,
        created_at timestamptz NOT NULL DEFAULT now(),
        paid_at timestamptz,
        cancelled_at timestamptz,
        cancel_reason text
      )`);
    await q.query(`CREATE INDEX orders_customer ON orders (customer_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE order_items (
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        sku text NOT NULL,
        name text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_amount numeric(14, 2) NOT NULL,
        PRIMARY KEY (order_id, sku)
      )`);
    await q.query(`
      CREATE TABLE tool_calls (
        id uuid PRIMARY KEY,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        call_key text NOT NULL UNIQUE,
        tool text NOT NULL,
        arguments jsonb NOT NULL,
        outcome text NOT NULL,
        result jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX tool_calls_conversation ON tool_calls (integration_id, conversation_sid, created_at)`);
    await q.query(`
      CREATE TABLE appointment_services (
        id text PRIMARY KEY,
        name text NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 720),
        time_zone text NOT NULL,
        hours jsonb NOT NULL,
        capacity integer NOT NULL DEFAULT 1 CHECK (capacity BETWEEN 1 AND 100),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE appointments (
        id uuid PRIMARY KEY,
        service_id text NOT NULL REFERENCES appointment_services(id),
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        seat integer NOT NULL CHECK (seat >= 1),
        status text NOT NULL CHECK (status IN ('booked', 'cancelled', 'completed')),
        action_key text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        cancelled_at timestamptz
      )`);
    // Double booking is impossible: a booked slot's seat is taken once (capacity = seats per slot).
    await q.query(`CREATE UNIQUE INDEX appointments_one_per_seat ON appointments (service_id, starts_at, seat) WHERE status = 'booked'`);
    await q.query(`CREATE INDEX appointments_customer ON appointments (customer_id, starts_at)`);
    await q.query(`
      CREATE TABLE returns (
        id uuid PRIMARY KEY,
        order_id uuid NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
        integration_id uuid NOT NULL REFERENCES integrations(id) ON DELETE CASCADE,
        customer_id uuid NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
        conversation_sid text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('refund', 'exchange')),
        reason text NOT NULL,
        items jsonb NOT NULL,
        amount numeric(14, 2) NOT NULL,
        status text NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'received', 'refunded', 'exchanged')),
        history jsonb NOT NULL DEFAULT '[]',
        action_key text NOT NULL UNIQUE,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX returns_order ON returns (order_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['returns', 'appointments', 'appointment_services', 'tool_calls', 'order_items', 'orders', 'products', 'knowledge_gaps', 'knowledge_chunks', 'knowledge_documents', 'business_settings']) await q.query(`DROP TABLE ${table}`);
    await q.query(`DROP SEQUENCE order_numbers`);
    await q.query(`ALTER TABLE customers DROP COLUMN language`);
  }
}
