import { randomUUID } from 'node:crypto';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { dailyDigestScheduleId } from '../workflows/daily-digest.workflow';

const DAY = '2026-03-10';
// 2026-03-10 in Berlin (UTC+1) runs from 2026-03-09T23:00Z to 2026-03-10T23:00Z.
const IN = (hhmm: string) => `2026-03-10T${hhmm}:00Z`;
const BEFORE = '2026-03-09T22:30:00Z';
const AFTER = '2026-03-10T23:00:00Z'; // the next day's first instant

/**
 * The daily digest: one day's figures counted between the business's midnights (DAILY_DIGEST_TIME_ZONE),
 * computed on demand and by the schedule the worker creates, which publishes `report.daily`.
 */
describe('daily digest', () => {
  let t: TestApp;
  const q = (sql: string, params: unknown[]) => t.db.query(sql, params);

  beforeAll(async () => {
    t = await startTestApp({ env: { DAILY_DIGEST_TIME: '07:30', DAILY_DIGEST_TIME_ZONE: 'Europe/Berlin' } });
  });
  afterAll(() => t?.close());

  async function customer(createdAt: string): Promise<{ id: string; conversationId: string; sid: string }> {
    const id = randomUUID();
    const conversationId = randomUUID();
    const sid = newConversationSid();
    await q(`INSERT INTO customers (id, integration_id, phone, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $4)`, [id, t.integrationId, `whatsapp:+49151${Math.floor(Math.random() * 1e8)}`, createdAt]);
    await q(`INSERT INTO conversations (id, integration_id, conversation_sid, customer_id, status, last_message_at) VALUES ($1, $2, $3, $4, 'bot', $5)`, [conversationId, t.integrationId, sid, id, createdAt]);
    return { id, conversationId, sid };
  }
  const message = (c: { conversationId: string }, direction: 'inbound' | 'outbound', at: string, status: string | null = null) =>
    q(`INSERT INTO messages (id, integration_id, conversation_id, direction, author, body, dedupe_key, at, delivery_status) VALUES ($1, $2, $3, $4, 'x', 'hello', $5, $6, $7)`,
      [randomUUID(), t.integrationId, c.conversationId, direction, randomUUID(), at, status]);
  const statusChange = (c: { sid: string }, to: string, at: string) =>
    q(`INSERT INTO handoff_events (id, event_key, integration_id, conversation_sid, from_status, to_status, cause, at) VALUES ($1, $2, $3, $4, 'bot', $5, 'customer_request', $6)`,
      [randomUUID(), randomUUID(), t.integrationId, c.sid, to, at]);
  async function order(c: { id: string; sid: string }, currency: string, total: string, createdAt: string, paidAt: string | null): Promise<string> {
    const id = randomUUID();
    await q(`INSERT INTO orders (id, number, integration_id, customer_id, conversation_sid, status, currency, total_amount, action_key, created_at, paid_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [id, `D${Math.floor(Math.random() * 1e9)}`, t.integrationId, c.id, c.sid, paidAt ? 'paid' : 'awaiting_payment', currency, total, randomUUID(), createdAt, paidAt]);
    return id;
  }

  test('a day’s figures, counted between the business’s midnights, computed on demand and served', async () => {
    const lena = await customer('2026-03-09T23:30:00Z'); // 00:30 in Berlin: that day
    const omar = await customer(BEFORE); // the day before
    await customer(IN('22:59'));
    await message(lena, 'inbound', '2026-03-09T23:30:00Z');
    await message(lena, 'inbound', IN('12:00'));
    await message(omar, 'inbound', AFTER);
    await message(lena, 'outbound', IN('12:01'), 'accepted');
    await message(lena, 'outbound', IN('12:02'), 'held'); // never went out
    await message(omar, 'outbound', IN('13:00'), 'delivered');
    await statusChange(lena, 'waiting_for_human', IN('12:05'));
    await statusChange(lena, 'waiting_for_human', IN('14:00')); // the same conversation again
    await statusChange(omar, 'waiting_for_human', IN('15:00'));
    await statusChange(lena, 'closed', IN('16:00'));
    await statusChange(omar, 'closed', '2026-03-10T23:10:00Z');
    const paid = await order(lena, 'EUR', '119.80', IN('10:00'), IN('10:30'));
    await order(lena, 'USD', '20.00', IN('11:00'), null);
    await order(omar, 'EUR', '10.05', '2026-03-09T20:00:00Z', IN('08:00')); // placed the day before, paid that day
    await order(omar, 'EUR', '5.00', IN('22:00'), '2026-03-10T23:30:00Z'); // paid the next day
    await q(`INSERT INTO appointment_services (id, name, duration_minutes, time_zone, hours) VALUES ('digest-cut', 'Haircut', 30, 'Europe/Berlin', '{}')`, []);
    for (const [startsAt, createdAt] of [[IN('15:00'), IN('09:00')], [IN('16:00'), BEFORE]]) {
      await q(`INSERT INTO appointments (id, service_id, integration_id, customer_id, conversation_sid, starts_at, ends_at, seat, status, action_key, created_at)
               VALUES ($1, 'digest-cut', $2, $3, $4, $5, $5::timestamptz + interval '30 minutes', 1, 'booked', $6, $7)`,
        [randomUUID(), t.integrationId, lena.id, lena.sid, startsAt, randomUUID(), createdAt]);
    }
    await q(`INSERT INTO returns (id, order_id, integration_id, customer_id, conversation_sid, kind, reason, items, amount, status, action_key, created_at)
             VALUES ($1, $2, $3, $4, $5, 'refund', 'damaged', '[]', 119.80, 'requested', $6, $7)`, [randomUUID(), paid, t.integrationId, lena.id, lena.sid, randomUUID(), IN('17:00')]);
    const segment = randomUUID();
    const campaign = randomUUID();
    await q(`INSERT INTO segments (id, name, rule) VALUES ($1, 'All', '{}')`, [segment]);
    await q(`INSERT INTO campaigns (id, name, segment_id, content_sid, status) VALUES ($1, 'Spring', $2, 'HX123', 'completed')`, [campaign, segment]);
    for (const [who, status, sentAt] of [[lena, 'sent', IN('09:00')], [omar, 'failed', null]] as const) {
      await q(`INSERT INTO campaign_recipients (campaign_id, customer_id, integration_id, conversation_sid, status, sent_at) VALUES ($1, $2, $3, $4, $5, $6)`,
        [campaign, who.id, t.integrationId, who.sid, status, sentAt]);
    }
    for (const [question, at] of [['Do you ship to Mars?', IN('09:00')], ['do you ship to mars?', IN('10:00')], ['Gift wrapping', IN('11:00')], ['Old question', BEFORE]]) {
      await q(`INSERT INTO knowledge_gaps (id, integration_id, question, created_at) VALUES ($1, $2, $3, $4)`, [randomUUID(), t.integrationId, question, at]);
    }

    expect((await t.api('GET', `/api/reports/daily?date=${DAY}`)).status).toBe(404);
    const computed = await t.api('POST', '/api/reports/daily', { date: DAY, integrationId: t.integrationId });
    expect(computed.status).toBe(200);
    const body = (await computed.json()) as { date: string; timeZone: string; digests: { integrationId: string; figures: unknown; text: string }[] };
    expect(body).toMatchObject({ date: DAY, timeZone: 'Europe/Berlin' });
    expect(body.digests).toHaveLength(1);
    expect(body.digests[0]!.figures).toEqual({
      messagesIn: 2,
      messagesOut: 2,
      newCustomers: 2,
      handedOff: 2,
      closed: 1,
      ordersPlaced: 3,
      ordersPaid: 2,
      revenue: [{ currency: 'EUR', amount: 12985 }],
      appointmentsBooked: 1,
      returnsRequested: 1,
      campaignSends: 1,
      knowledgeGaps: 3,
      topKnowledgeGaps: ['do you ship to mars?', 'gift wrapping'],
    });
    expect(body.digests[0]!.text).toContain(`daily report for ${DAY}`);
    expect(body.digests[0]!.text).toContain('Orders: 3 placed, 2 paid (revenue 129.85 EUR)');

    const served = await t.api('GET', `/api/reports/daily?date=${DAY}&integrationId=${t.integrationId}`);
    expect(served.status).toBe(200);
    expect(((await served.json()) as typeof body).digests[0]!.figures).toEqual(body.digests[0]!.figures);
    expect((await t.api('GET', '/api/reports/daily?date=2026-02-30')).status).toBe(400);
    expect((await t.api('POST', '/api/reports/daily', { date: 'yesterday' })).status).toBe(400);
    const agent = ((await (await t.api('POST', '/api/keys', { name: 'Dana', role: 'agent' })).json()) as { key: string }).key;
    expect((await t.api('GET', `/api/reports/daily?date=${DAY}`, undefined, agent)).status).toBe(403);
  });

  test('the worker creates the schedule; a run stores yesterday’s digest, publishes report.daily and sends it to owners', async () => {
    const staff = async (phone: string, role: string) => expect((await t.api('POST', '/api/staff', { phone, name: `${role} ${phone}`, role })).status).toBe(201);
    await staff('+34600111222', 'owner');
    await staff('+34600333444', 'agent');
    const handle = t.temporal.schedule.getHandle(dailyDigestScheduleId(t.config.temporal.taskQueue));
    const schedule = await eventually(() => handle.describe().catch(() => undefined), Boolean);
    expect(schedule!.spec.timezone).toBe('Europe/Berlin');
    expect(schedule!.spec.calendars).toEqual([expect.objectContaining({ hour: [{ start: 7, end: 7, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] })]);
    expect(schedule!.action).toMatchObject({ type: 'startWorkflow', workflowType: 'dailyDigest', taskQueue: t.config.temporal.taskQueue });

    await handle.trigger();
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date());
    const yesterday = new Date(Date.parse(`${today}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const events = await eventually(
      async () => (await q(`SELECT data FROM events WHERE type = 'report.daily' AND integration_id = $1`, [t.integrationId])) as { data: { date: string } }[],
      (rows) => rows.length > 0,
      30_000,
    );
    expect(events.map((e) => e.data.date)).toEqual([yesterday]);
    expect((await t.api('GET', `/api/reports/daily?date=${yesterday}`)).status).toBe(200);

    // On WhatsApp to the owner only, in the conversation the business number opened with them.
    const digests = () => t.twilio.messages.filter((m) => String(m.body).includes(`daily report for ${yesterday}`));
    const sent = await eventually(async () => digests(), (m) => m.length > 0, 30_000);
    expect(sent).toHaveLength(1);
    const owner = t.twilio.conversationWith('whatsapp:+34600111222') ?? t.twilio.conversationWith('+34600111222');
    expect(sent[0]!.conversationSid).toBe(owner?.sid);
    expect(sent[0]!.body).toMatch(/^.+: daily report for \d{4}-\d{2}-\d{2}\nMessages: \d+ in, \d+ out\n/);

    const [run] = (await handle.describe()).info.recentActions;
    const workflow = t.temporal.workflow.getHandle(run!.action.workflow.workflowId);
    expect(await workflow.result()).toEqual({ date: yesterday, integrations: 1 });
    await recordHistory(workflow, 'daily-digest.json');
  });
});
