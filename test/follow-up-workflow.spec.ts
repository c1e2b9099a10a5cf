import { randomBytes, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../activities';
import { createFollowUpActivities } from '../activities/follow-up.activities';
import { AlertsService } from '../src/alerts/alerts.service';
import { toLocal } from '../src/appointments/slots';
import { openDataSource } from '../src/database/data-source';
import { FollowUpsService } from '../src/follow-ups/follow-ups.service';
import { toInstant, wallClock } from '../workflows/business-hours';
import { quietUntil } from '../workflows/quiet-hours';
import { followUpCancelledSignal, followUpWorkflowId, type FollowUpWorkflowInput } from '../workflows/skill-definitions';
import { eventually } from './support/eventually';
import { fakeActivities } from './support/fake-activities';
import { recordHistory } from './support/record-history';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTimeSkippingWorkers } from './support/time-skipping';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const NEW_YORK = 'America/New_York';
const TOKYO = 'Asia/Tokyo';

/** The instant of `hour`:00 in a time zone, `days` local days after the day of `now`. */
const localAt = (timeZone: string, now: number, days: number, hour: number) => {
  const w = wallClock(timeZone, new Date(now));
  return toInstant(timeZone, new Date(Date.UTC(w.year, w.month - 1, w.day + days)), hour, 0);
};

/**
 * The follow-up workflow on the time-skipping server, with the real follow-ups table: it fires at its
 * time; a message due in the customer's quiet hours waits for their morning (their own time zone, or
 * the business's); a cancelled one is never sent; a staff one raises an administrator alert; outside
 * the 24-hour window the send policy's template goes out, and a message that cannot go out is `failed`.
 */
describe('follow-up workflow', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let db: DataSource;
  let followUps: FollowUpsService;
  let alerts: AlertsService;
  let stopWorkers: (() => Promise<void>) | undefined;
  const queue = `follow-ups-${randomBytes(4).toString('hex')}`;
  const { activities } = fakeActivities();
  const sends: { conversationSid: string; body: string; idempotencyKey: string; asTemplate: boolean }[] = [];
  let dueReads = 0;
  const integrationId = randomUUID();
  const newYorker = randomUUID();
  const unzoned = randomUUID();

  /** Twilio as the send policy meets it: CH-outside is outside the 24-hour window (a template goes), CH-held has no template either. */
  const sendReply: typeof activities.sendReply = async (input) => {
    if (input.conversationSid === 'CH-held' || (input.conversationSid === 'CH-outside' && !input.asTemplate)) {
      throw ApplicationFailure.nonRetryable('63016: outside the 24-hour window', 'OutsideWhatsAppWindow');
    }
    sends.push({ conversationSid: input.conversationSid, body: input.body, idempotencyKey: input.idempotencyKey, asTemplate: !!input.asTemplate });
    return { messageSid: `IM-${input.idempotencyKey}`, author: 'agent', acceptedAt: new Date().toISOString() };
  };
  const sentFor = (id: string) => sends.filter((s) => s.idempotencyKey.startsWith(`${followUpWorkflowId(id)}:`));

  async function start(customerId: string, conversationSid: string, dueAt: number, audience: 'customer' | 'staff' = 'customer', message = 'How did the new shoes fit?') {
    const followUp = await followUps.schedule({ integrationId, customerId, conversationSid, audience, dueAt, message, createdBy: 'test' });
    const input: FollowUpWorkflowInput = { followUpId: followUp.id, integrationId, conversationSid, audience, dueAt };
    const handle = await env.client.workflow.start('followUpWorkflow', { workflowId: followUpWorkflowId(followUp.id), taskQueue: queue, args: [input] });
    return { id: followUp.id, handle };
  }
  const closedAt = async (handle: { describe(): Promise<{ closeTime?: Date }> }) => (await handle.describe()).closeTime!.getTime();

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    await db.query(
      `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
       VALUES ($1, 'Shoes', 'sandbox', 'AC-follow-ups', 'x', '+1', 'agent', 'active', 'onMessageAdd')`,
      [integrationId],
    );
    await db.query(`INSERT INTO customers (id, integration_id, phone, name, time_zone, last_seen_at) VALUES ($1, $2, 'whatsapp:+12125550100', 'Ana', $3, now())`, [newYorker, integrationId, NEW_YORK]);
    await db.query(`INSERT INTO customers (id, integration_id, phone, last_seen_at) VALUES ($1, $2, 'whatsapp:+819012345678', now())`, [unzoned, integrationId]);
    followUps = new FollowUpsService(db);
    alerts = new AlertsService(db);
    const followUpActivities = createFollowUpActivities({
      followUps,
      // The business's time zone (its business hours), for a customer whose own is unknown.
      policies: { forTurn: async () => ({ messagesPerMinute: 20, throttledReplyIntervalMs: 1000, holdingMessageMs: 0, businessHours: { timeZone: TOKYO, hours: {} } }) },
      config: { quietHours: '21:00-09:00' },
    } as unknown as ActivityDeps);
    const followUpDue: typeof followUpActivities.followUpDue = async (input) => {
      dueReads++;
      return followUpActivities.followUpDue(input);
    };
    const raiseAlert: typeof activities.raiseAlert = async (input) => alerts.raise(input.kind, input.message, input.integrationId, input.id);
    ({ env, stop: stopWorkers } = await startTimeSkippingWorkers(queue, { ...activities, ...followUpActivities, followUpDue, raiseAlert, sendReply }, { sendReply }));
  });
  afterAll(async () => {
    await stopWorkers?.();
    await db?.destroy();
    await database?.drop();
  });

  test('quiet hours: a range across midnight, in the time zone, ends the next morning', () => {
    const evening = Date.parse('2027-01-15T23:30:00-05:00');
    expect(new Date(quietUntil('21:00-09:00', NEW_YORK, evening)!).toISOString()).toBe('2027-01-16T14:00:00.000Z');
    expect(new Date(quietUntil('21:00-09:00', NEW_YORK, Date.parse('2027-01-16T06:00:00-05:00'))!).toISOString()).toBe('2027-01-16T14:00:00.000Z');
    expect(quietUntil('21:00-09:00', NEW_YORK, Date.parse('2027-01-16T12:00:00-05:00'))).toBeNull();
    expect(quietUntil('12:00-14:00', NEW_YORK, Date.parse('2027-01-16T13:00:00-05:00'))).toBe(Date.parse('2027-01-16T14:00:00-05:00'));
    expect(quietUntil(null, NEW_YORK, evening)).toBeNull();
  });

  test('fires at its time: the message goes to the conversation and the follow-up is sent', async () => {
    const now = await env.currentTimeMs();
    const dueAt = localAt(TOKYO, now, 2, 12); // noon in the business's time zone (the customer has none)
    const { id, handle } = await start(unzoned, 'CH-unzoned', dueAt);
    expect(await handle.result()).toBe('sent');
    expect(Math.abs((await closedAt(handle)) - dueAt)).toBeLessThan(60_000);
    expect(sentFor(id)).toEqual([{ conversationSid: 'CH-unzoned', body: 'How did the new shoes fit?', idempotencyKey: `${followUpWorkflowId(id)}:message`, asTemplate: false }]);
    expect(await followUps.byId(id)).toMatchObject({ status: 'sent', failure: null, doneAt: expect.any(String) });
  });

  test("due in the customer's quiet hours: waits until the morning in their time zone", async () => {
    const now = await env.currentTimeMs();
    const dueAt = localAt(NEW_YORK, now, 2, 23); // 23:00 in New York (midday in Tokyo, the business's zone)
    const { id, handle } = await start(newYorker, 'CH-new-york', dueAt);
    const readsBefore = dueReads;
    await env.sleep(dueAt + HOUR - (await env.currentTimeMs()));
    expect(await eventually(async () => dueReads, (n) => n > readsBefore)).toBe(readsBefore + 1); // it was due, and found it quiet
    await env.sleep(localAt(NEW_YORK, dueAt, 1, 8) - (await env.currentTimeMs())); // 08:00 the next morning
    expect(sentFor(id)).toEqual([]);
    expect((await followUps.byId(id))!.status).toBe('scheduled');

    expect(await handle.result()).toBe('sent');
    expect(toLocal(await closedAt(handle), NEW_YORK)).toBe(toLocal(localAt(NEW_YORK, dueAt, 1, 9), NEW_YORK)); // 09:00 New York
    expect(sentFor(id).map((s) => s.body)).toEqual(['How did the new shoes fit?']);
    expect((await followUps.byId(id))!.status).toBe('sent');
    await recordHistory(handle, 'follow-up-quiet-hours.json');
  });

  test('cancelled: by the signal at once, or in the database before it is due; never sent', async () => {
    const now = await env.currentTimeMs();
    const signalled = await start(newYorker, 'CH-new-york', now + 3 * DAY);
    await followUps.finish(signalled.id, 'cancelled');
    await signalled.handle.signal(followUpCancelledSignal);
    expect(await signalled.handle.result()).toBe('cancelled');
    expect(await closedAt(signalled.handle)).toBeLessThan(now + DAY);

    const unreached = await start(newYorker, 'CH-new-york', now + 2 * DAY);
    await followUps.finish(unreached.id, 'cancelled'); // the signal never came (e.g. Temporal was down for the API)
    expect(await unreached.handle.result()).toBe('cancelled');
    expect([...sentFor(signalled.id), ...sentFor(unreached.id)]).toEqual([]);
    expect((await followUps.byId(unreached.id))!.status).toBe('cancelled');
  });

  test('outside the 24-hour window the template goes out; with none possible the follow-up is failed', async () => {
    const now = await env.currentTimeMs();
    const outside = await start(unzoned, 'CH-outside', localAt(TOKYO, now, 1, 15));
    expect(await outside.handle.result()).toBe('sent');
    expect(sentFor(outside.id)).toEqual([expect.objectContaining({ conversationSid: 'CH-outside', asTemplate: true })]);

    const held = await start(unzoned, 'CH-held', localAt(TOKYO, now, 1, 16));
    expect(await held.handle.result()).toBe('failed');
    expect(await followUps.byId(held.id)).toMatchObject({ status: 'failed', failure: expect.stringContaining('63016') });
  });

  // Last: the alert is posted by a child workflow the follow-up abandons, and after one the
  // time-skipping server sometimes stops skipping time for later `result()` calls.
  test('for staff: an administrator alert when due (at night too), nothing to the customer', async () => {
    const now = await env.currentTimeMs();
    const dueAt = localAt(NEW_YORK, now, 1, 23);
    const { id, handle } = await start(newYorker, 'CH-new-york', dueAt, 'staff', 'Call her about the refund');
    expect(await handle.result()).toBe('sent');
    expect(Math.abs((await closedAt(handle)) - dueAt)).toBeLessThan(60_000);
    expect(sentFor(id)).toEqual([]);
    const alert = (await alerts.list()).find((a) => a.kind === 'follow_up_due' && a.message.includes(id));
    expect(alert).toMatchObject({ integrationId, message: expect.stringMatching(/^Follow-up due for Ana \(whatsapp:\+12125550100\): Call her about the refund/) });
    expect((await followUps.byId(id))!.status).toBe('sent');
  });
});
