import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { newConversationSid } from './test-app';

const HOUR_MS = 3_600_000;

/**
 * A known day of operations written straight into the tables, so the dashboard's figures can be
 * checked exactly. Six hours ending an hour before now (`from`..`to`); three conversations:
 * - s1: two questions answered by the bot (2 s delivered, 4 s read), closed 20 min after the first.
 * - s2: a reply that failed with 63016 (3 s), a failed create_order, an escalation, Dana takes over
 *   and writes (delivered), closed 25 min after the first message; an SLA alert names it.
 * - s3: two messages answered once (13 s, delivered); its next webhook event keeps failing.
 * Besides: 2000 + 500 tokens in 4 calls, 3 knowledge gaps (two the same question), a Twilio alert, a
 * second integration paused, and 3 sends in the last minute (outside the range) for the health table.
 */
export async function seedDashboard(db: DataSource, integrationId: string) {
  const base = new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 7 * HOUR_MS);
  const at = (minutes: number, seconds = 0) => new Date(base.getTime() + minutes * 60_000 + seconds * 1000).toISOString();
  const [s1, s2, s3] = [newConversationSid(), newConversationSid(), newConversationSid()];
  const backupIntegrationId = randomUUID();
  const customers: Record<string, string> = {};
  const conversations: Record<string, string> = {};

  for (const [n, sid, status] of [[1, s1, 'closed'], [2, s2, 'closed'], [3, s3, 'bot']] as const) {
    customers[sid] = randomUUID();
    conversations[sid] = randomUUID();
    await db.query(`INSERT INTO customers (id, integration_id, phone, name, last_seen_at) VALUES ($1, $2, $3, $4, $5)`,
      [customers[sid], integrationId, `whatsapp:+4915100000${n}`, `Customer ${n}`, at(0)]);
    await db.query(`INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [conversations[sid], integrationId, sid, customers[sid], status, at(0)]);
  }

  let k = 0;
  const message = (sid: string, direction: 'inbound' | 'outbound', when: string, body: string, extra: { latency?: number; status?: string; code?: string; by?: string; messageSid?: string } = {}) =>
    db.query(
      `INSERT INTO messages (id, integration_id, conversation_id, direction, author, body, dedupe_key, twilio_message_sid, at, reply_latency_ms, delivery_status, error_code, sent_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [randomUUID(), integrationId, conversations[sid], direction, direction === 'inbound' ? 'whatsapp:+491510000' : 'agent', body, `seed:${++k}`,
        extra.messageSid ?? (direction === 'outbound' && extra.status !== 'held' ? `IM${randomUUID().replace(/-/g, '')}` : null),
        when, extra.latency ?? null, extra.status ?? null, extra.code ?? null, direction === 'outbound' ? (extra.by ?? 'bot') : null],
    );
  const handoff = (sid: string, from: string, to: string, when: string, cause: string, actor: string | null = null) =>
    db.query(`INSERT INTO handoff_events (id, event_key, integration_id, conversation_sid, from_status, to_status, cause, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [randomUUID(), `seed:${++k}`, integrationId, sid, from, to, cause, actor, when]);

  await message(s1, 'inbound', at(10), 'Do you have trail shoes in 42?');
  await message(s1, 'outbound', at(10, 2), 'Yes, the Ridge Runner in 42.', { latency: 2000, status: 'delivered' });
  await message(s1, 'inbound', at(20), 'Great, thanks');
  await message(s1, 'outbound', at(20, 4), 'You are welcome!', { latency: 4000, status: 'read' });
  await handoff(s1, 'bot', 'closed', at(30), 'agent', 'Dana');

  await message(s2, 'inbound', at(65), 'Where is my order?');
  await message(s2, 'outbound', at(65, 3), 'Let me check that for you.', { latency: 3000, status: 'failed', code: '63016' });
  await handoff(s2, 'bot', 'waiting_for_human', at(66), 'customer_request');
  await handoff(s2, 'waiting_for_human', 'human', at(70), 'agent', 'Dana');
  await message(s2, 'outbound', at(72), 'Hi, this is Dana: your order left today.', { status: 'delivered', by: 'agent:Dana' });
  await handoff(s2, 'human', 'closed', at(90), 'agent', 'Dana');

  await message(s3, 'inbound', at(180), 'Hello');
  await message(s3, 'inbound', at(181), 'Are you open on Sunday?');
  await message(s3, 'outbound', at(180, 13), 'We are open on Sunday from 10 to 16.', { latency: 13_000, status: 'delivered' });
  // Health: three sends Twilio accepted seconds ago (after the range).
  for (let i = 0; i < 3; i++) await message(s3, 'outbound', new Date(Date.now() - 5000 - i * 1000).toISOString(), `Reminder ${i}`, { status: 'accepted' });

  const inbox = (sid: string, when: string, status: 'pending' | 'delivered', lastError: string | null = null) =>
    db.query(
      `INSERT INTO inbox_events (id, integration_id, dedupe_key, event_type, conversation_sid, payload, status, attempts, next_attempt_at, last_error, received_at, delivered_at)
       VALUES ($1, $2, $3, 'onMessageAdd', $4, '{}', $5, $6, now() + interval '1 day', $7, $8, $9)`,
      [randomUUID(), integrationId, `seed:${++k}`, sid, status, lastError ? 4 : 0, lastError, when, status === 'delivered' ? when : null],
    );
  for (const [sid, when] of [[s1, at(10)], [s1, at(20)], [s2, at(65)], [s3, at(180)]] as const) await inbox(sid, when, 'delivered');
  await inbox(s3, at(181), 'pending', 'Temporal is unavailable');
  await inbox(s3, at(210), 'pending'); // in flight: not a failure yet

  const day = base.toISOString().slice(0, 10);
  const usage = (sid: string, d: string, calls: number, prompt: number, completion: number) =>
    db.query(`INSERT INTO llm_usage (integration_id, customer_id, day, calls, prompt_tokens, completion_tokens) VALUES ($1, $2, $3, $4, $5, $6)`,
      [integrationId, customers[sid], d, calls, prompt, completion]);
  await usage(s1, day, 3, 1200, 300);
  await usage(s2, day, 1, 800, 200);
  await usage(s3, new Date(base.getTime() - 10 * 24 * HOUR_MS).toISOString().slice(0, 10), 9, 9000, 9000); // ten days earlier

  const tool = (sid: string, name: string, outcome: string, when: string) =>
    db.query(`INSERT INTO tool_calls (id, integration_id, conversation_sid, call_key, tool, arguments, outcome, created_at) VALUES ($1, $2, $3, $4, $5, '{}', $6, $7)`,
      [randomUUID(), integrationId, sid, `seed:${++k}`, name, outcome, when]);
  await tool(s1, 'search_knowledge', 'ok', at(10, 1));
  await tool(s1, 'search_knowledge', 'ok', at(20, 1));
  await tool(s2, 'search_knowledge', 'ok', at(65, 1));
  await tool(s2, 'create_order', 'failed', at(65, 30));

  for (const [q, when] of [['Do you ship to Norway?', at(15)], ['Do you ship to Norway?  ', at(100)], ['Is there a student discount?', at(120)]] as const) {
    await db.query(`INSERT INTO knowledge_gaps (id, integration_id, question, created_at) VALUES ($1, $2, $3, $4)`, [randomUUID(), integrationId, q, when]);
  }

  await db.query(
    `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, paused_reason, answered_event, created_at, updated_at)
     VALUES ($1, 'Backup line', 'twilio', $2, 'not-a-token', '+14155550100', 'agent-backup', 'paused', 'Twilio refused the credentials (20003)', 'onMessageAdd', $3, $4)`,
    [backupIntegrationId, `AC${'b2'.repeat(16)}`, new Date(Date.now() + 1000).toISOString(), at(120)],
  );
  const alert = (kind: string, text: string, when: string, integration: string | null = integrationId) =>
    db.query(`INSERT INTO alerts (id, integration_id, kind, message, created_at) VALUES ($1, $2, $3, $4, $5)`, [randomUUID(), integration, kind, text, when]);
  await alert('handoff_requested', `Conversation ${s2} with whatsapp:+4915100002 waits for a person (customer_request)`, at(66)); // not an error
  await alert('handoff_sla_missed', `Conversation ${s2} with whatsapp:+4915100002 has waited 2 min for a person; nobody has taken over`, at(68));
  await alert('twilio_auth_failed', 'Twilio refused the credentials of Backup line (20003)', at(125), backupIntegrationId);

  return { base, from: at(0), to: at(360), at, s1, s2, s3, backupIntegrationId };
}
