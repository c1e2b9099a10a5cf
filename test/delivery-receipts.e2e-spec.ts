import { randomBytes } from 'node:crypto';
import { seedCustomers } from './support/crm-seed';
import { eventually } from './support/eventually';
import { ACCOUNT_SID, messageEvent, newConversationSid, startTestApp, type TestApp } from './support/test-app';
import { reconcileScheduleId } from '../workflows/reconcile.workflow';
import { taskQueues } from '../workflows/definitions';

const receiptSid = () => `DY${randomBytes(16).toString('hex')}`;

/**
 * Delivery tracking over real HTTP, Temporal and the database: `onDeliveryUpdated` receipts arrive
 * signed, out of order and repeated, and the message keeps the furthest status (sent → delivered →
 * read; failed with its error code); the reconciliation fills in a status whose receipt never came;
 * campaign figures count delivered and read from the same receipts.
 */
describe('delivery receipts', () => {
  let t: TestApp;
  let token = 0;
  const receipt = (conversationSid: string, messageSid: string, status: string, extra: Record<string, string> = {}) => ({
    EventType: 'onDeliveryUpdated', AccountSid: ACCOUNT_SID, ConversationSid: conversationSid, ChatServiceSid: `IS${'c3'.repeat(16)}`, MessageSid: messageSid,
    ParticipantSid: `MB${'d4'.repeat(16)}`, ChannelMessageSid: `WA${randomBytes(16).toString('hex')}`, Status: status,
    DateCreated: new Date().toISOString(), DateUpdated: new Date().toISOString(), ...extra,
  });
  const statusOf = async (messageSid: string) =>
    ((await t.db.query(`SELECT delivery_status AS status, error_code AS "errorCode" FROM messages WHERE twilio_message_sid = $1`, [messageSid])) as { status: string; errorCode: string | null }[])[0];

  /** A conversation with one answered message; returns the reply's MessageSid once it is recorded. */
  async function answered(): Promise<{ sid: string; messageSid: string }> {
    const sid = newConversationSid();
    await t.webhook(messageEvent({ ConversationSid: sid, Body: 'Hello' }), { idempotencyToken: `dr-${++token}` });
    const [reply] = await t.twilio.waitForMessages(1, { conversationSid: sid, timeoutMs: 20_000 });
    await eventually(() => statusOf(reply!.sid), (s) => s?.status === 'accepted');
    return { sid, messageSid: reply!.sid };
  }

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  test('out of order and repeated receipts leave the furthest status; a failure keeps its error code', async () => {
    const { sid, messageSid } = await answered();
    const dy = receiptSid();
    const post = async (status: string, extra: Record<string, string> = {}) => (await t.webhook(receipt(sid, messageSid, status, { DeliveryReceiptSid: dy, ...extra }))).status;
    expect(await post('read')).toBe(200);
    expect(await post('delivered')).toBe(200); // late: read stays
    expect(await post('sent')).toBe(200);
    expect(await post('read')).toBe(200); // repeated
    expect(await statusOf(messageSid)).toEqual({ status: 'read', errorCode: null });
    expect(await t.db.query(`SELECT status FROM delivery_receipts WHERE receipt_sid = $1`, [dy])).toEqual([{ status: 'read' }]);

    const other = await answered();
    const dy2 = receiptSid();
    await t.webhook(receipt(other.sid, other.messageSid, 'sent', { DeliveryReceiptSid: dy2 }));
    await t.webhook(receipt(other.sid, other.messageSid, 'undelivered', { DeliveryReceiptSid: dy2, ErrorCode: '63024' }));
    await t.webhook(receipt(other.sid, other.messageSid, 'sent', { DeliveryReceiptSid: dy2 }));
    expect(await statusOf(other.messageSid)).toEqual({ status: 'undelivered', errorCode: '63024' });
    // The conversation's transcript (what the console shows) carries it.
    const transcript = (await (await t.api('GET', `/api/conversations/${other.sid}`)).json()) as { messages: { deliveryStatus: string; errorCode: string | null }[] };
    expect(transcript.messages.find((m) => m.deliveryStatus === 'undelivered')).toMatchObject({ errorCode: '63024' });
  });

  test('a receipt that is not signed, or malformed, changes nothing', async () => {
    const { sid, messageSid } = await answered();
    const forged = await t.webhook(receipt(sid, messageSid, 'read', { DeliveryReceiptSid: receiptSid() }), { signature: 'forged' });
    expect(forged.status).toBe(403);
    expect((await t.webhook(receipt(sid, messageSid, 'exploded', { DeliveryReceiptSid: receiptSid() }))).status).toBe(200);
    expect((await t.webhook(receipt(sid, "IM'; DROP TABLE messages; --", 'read', { DeliveryReceiptSid: receiptSid() }))).status).toBe(200);
    expect(await statusOf(messageSid)).toEqual({ status: 'accepted', errorCode: null });
  });

  test('the reconciliation fills in a status whose receipt never arrived', async () => {
    const { messageSid } = await answered();
    // Twilio knows it was read; the webhook never came.
    t.twilio.messages.find((m) => m.sid === messageSid)!.delivery = { total: 1, sent: 'all', delivered: 'all', read: 'all', failed: 'none', undelivered: 'none' };
    const handle = t.temporal.schedule.getHandle(reconcileScheduleId(taskQueues(t.config.temporal.taskQueue).conversations));
    await handle.trigger();
    const status = await eventually(() => statusOf(messageSid), (s) => s?.status === 'read', 20_000);
    expect(status).toEqual({ status: 'read', errorCode: null });
    expect(await t.db.query(`SELECT source FROM delivery_receipts WHERE message_sid = $1`, [messageSid])).toEqual([{ source: 'reconciliation' }]);
  });

  test('campaign figures count delivered and read from the receipts', async () => {
    const tag = `dr-${Date.now()}`;
    const members = await seedCustomers(t.db, t.integrationId, Array.from({ length: 3 }, (_, i) => ({ name: `R${i}`, tags: [tag], consent: 'opted_in' as const })));
    const segment = (await (await t.api('POST', '/api/segments', { name: tag, rule: { all: [{ field: 'tag', op: 'contains', value: tag }] } })).json()) as { id: string };
    const contentSid = `HX${'f'.repeat(32)}`;
    const campaign = (await (await t.api('POST', '/api/campaigns', { name: tag, segmentId: segment.id, contentSid })).json()) as { id: string };
    await t.api('POST', `/api/campaigns/${campaign.id}/start`);
    const figures = async () => ((await (await t.api('GET', `/api/campaigns/${campaign.id}`)).json()) as { status: string; figures: Record<string, number> });
    await eventually(figures, (c) => c.status === 'completed');
    const sent = members.map((m) => t.twilio.messages.find((x) => x.conversationSid === m.conversationSid && x.contentSid === contentSid)!);
    await t.webhook(receipt(members[0]!.conversationSid, sent[0]!.sid, 'delivered', { DeliveryReceiptSid: receiptSid() }));
    await t.webhook(receipt(members[1]!.conversationSid, sent[1]!.sid, 'read', { DeliveryReceiptSid: receiptSid() }));
    await t.webhook(receipt(members[2]!.conversationSid, sent[2]!.sid, 'failed', { DeliveryReceiptSid: receiptSid(), ErrorCode: '63016' }));
    expect((await figures()).figures).toMatchObject({ sent: 3, delivered: 2, read: 1, failed: 1 });
  });
});
