import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { newConversationSid } from './test-app';

export interface SeededCustomer {
  id: string;
  phone: string;
  conversationSid: string;
}

/**
 * Customers as if they had written in (a customer row and a conversation), with a profile, for
 * tests of segments and campaigns that need many of them without a turn each.
 */
export async function seedCustomers(
  db: DataSource,
  integrationId: string,
  customers: { name?: string | null; tags?: string[]; consent?: 'opted_in' | 'opted_out' | null; language?: string; attributes?: Record<string, unknown>; lastSeenDaysAgo?: number }[],
): Promise<SeededCustomer[]> {
  const seeded: SeededCustomer[] = [];
  for (const c of customers) {
    const id = randomUUID();
    const phone = `whatsapp:+3460${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const conversationSid = newConversationSid();
    const lastSeen = new Date(Date.now() - (c.lastSeenDaysAgo ?? 0) * 86_400_000);
    await db.query(
      `INSERT INTO customers (id, integration_id, phone, name, tags, marketing_consent, consent_changed_at, consent_source, language, attributes, last_seen_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $6::text IS NULL THEN NULL ELSE now() END, CASE WHEN $6::text IS NULL THEN NULL ELSE 'test' END, $7, $8::jsonb, $9)`,
      [id, integrationId, phone, c.name ?? null, c.tags ?? [], c.consent ?? null, c.language ?? null, JSON.stringify(c.attributes ?? {}), lastSeen],
    );
    await db.query(`INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at) VALUES ($1, $2, $3, $4, 'bot', $5)`,
      [randomUUID(), integrationId, conversationSid, id, lastSeen]);
    seeded.push({ id, phone, conversationSid });
  }
  return seeded;
}

/** A paid (or other) order for a seeded customer, for behaviour segments. */
export async function seedOrder(db: DataSource, integrationId: string, customer: SeededCustomer, total: number, status: 'paid' | 'cancelled' | 'awaiting_payment' = 'paid', daysAgo = 0): Promise<void> {
  const at = new Date(Date.now() - daysAgo * 86_400_000);
  await db.query(
    `INSERT INTO orders (id, number, integration_id, customer_id, conversation_sid, status, currency, total_amount, action_key, created_at, paid_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'EUR', $7, $8, $9, CASE WHEN $6 = 'paid' THEN $9::timestamptz END)`,
    [randomUUID(), `T${Math.floor(Math.random() * 1e9)}`, integrationId, customer.id, customer.conversationSid, status, total, randomUUID(), at],
  );
}
