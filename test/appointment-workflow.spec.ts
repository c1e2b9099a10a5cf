import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import type { ActivityDeps } from '../activities';
import { createAppointmentActivities } from '../activities/appointment.activities';
import { AppointmentsService } from '../src/appointments/appointments.service';
import { slotStarts, toLocal } from '../src/appointments/slots';
import { Refusal } from '../src/common/refusal';
import { openDataSource } from '../src/database/data-source';
import { appointmentCancelledSignal, appointmentRescheduledSignal, appointmentWorkflowId } from '../workflows/skill-definitions';
import { eventually } from './support/eventually';
import { recordHistory } from './support/record-history';
import { fakeActivities } from './support/fake-activities';
import { createTestDatabase, type TestDatabase } from './support/test-database';
import { startTimeSkippingWorkers } from './support/time-skipping';

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const MADRID = 'Europe/Madrid';
const EVERY_DAY = Object.fromEntries(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d) => [d, ['09:00-12:00']]));

/**
 * Appointments with the real service on a real database: slots from hours, time zone and duration;
 * double booking refused under concurrency (the unique index decides); and the appointment workflow's
 * reminders on the time-skipping server, moved by a reschedule and stopped by a cancellation.
 */
describe('appointments', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let db: DataSource;
  let appointments: AppointmentsService;
  let stopWorkers: (() => Promise<void>) | undefined;
  const queue = `appointments-${randomBytes(4).toString('hex')}`;
  const { activities, record } = fakeActivities();
  const integrationId = randomUUID();
  const customers = [randomUUID(), randomUUID(), randomUUID()];
  const scope = (i: number) => ({ integrationId, customerId: customers[i]!, conversationSid: `CH-appointments-${i}` });
  const sentFor = (id: string) => record.sent.filter((s) => s.idempotencyKey.startsWith(`${appointmentWorkflowId(id)}:`)).map((s) => s.body);
  /** A slot start of the service, `days` from now, as local time. */
  const slotIn = (days: number, index = 0) => {
    const day = toLocal(Date.now() + days * DAY, MADRID).slice(0, 10);
    return toLocal(slotStarts({ durationMinutes: 30, timeZone: MADRID, hours: EVERY_DAY }, day, 1)[index]!, MADRID);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    db = await openDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir });
    await db.query(
      `INSERT INTO integrations (id, name, kind, account_sid, auth_token_encrypted, phone_number, agent_identity, status, answered_event)
       VALUES ($1, 'Salon', 'sandbox', 'AC-appointments', 'x', '+1', 'agent', 'active', 'onMessageAdd')`,
      [integrationId],
    );
    for (const [i, id] of customers.entries()) {
      await db.query(`INSERT INTO customers (id, integration_id, phone, last_seen_at) VALUES ($1, $2, $3, now())`, [id, integrationId, `whatsapp:+3460011122${i}`]);
    }
    appointments = new AppointmentsService(db);
    await appointments.upsertServices([
      { id: 'haircut', name: 'Haircut', durationMinutes: 30, timeZone: MADRID, hours: EVERY_DAY, capacity: 1 },
      { id: 'class', name: 'Yoga class', durationMinutes: 60, timeZone: MADRID, hours: EVERY_DAY, capacity: 2 },
    ]);
    const appointmentActivities = createAppointmentActivities({ appointments } as unknown as ActivityDeps);
    ({ env, stop: stopWorkers } = await startTimeSkippingWorkers(queue, { ...activities, ...appointmentActivities }, { sendReply: activities.sendReply }));
  });
  afterAll(async () => {
    await stopWorkers?.();
    await db?.destroy();
    await database?.drop();
  });

  test('slots follow the hours in the service time zone, across a DST change, and a booked slot is no longer offered', async () => {
    // 2027-03-28: Madrid moves from UTC+1 to UTC+2 overnight; 09:00 local is 08:00 UTC the day before and 07:00 UTC that day.
    const schedule = { durationMinutes: 45, timeZone: MADRID, hours: { sat: ['09:00-10:30'], sun: ['09:00-10:30'] } };
    expect(slotStarts(schedule, '2027-03-27', 2).map((s) => new Date(s).toISOString())).toEqual([
      '2027-03-27T08:00:00.000Z', '2027-03-27T08:45:00.000Z', '2027-03-28T07:00:00.000Z', '2027-03-28T07:45:00.000Z',
    ]);
    const haircut = await appointments.service('haircut');
    const local = slotIn(5, 2);
    const before = await appointments.freeSlots(haircut, local.slice(0, 10), 1);
    expect(before.map((s) => toLocal(s, MADRID))).toContain(local);
    await appointments.book(scope(0), 'haircut', local, `key-${randomUUID()}`);
    const after = await appointments.freeSlots(haircut, local.slice(0, 10), 1);
    expect(after.map((s) => toLocal(s, MADRID))).not.toContain(local);
    expect(after).toHaveLength(before.length - 1);
    await expect(appointments.book(scope(0), 'haircut', `${local.slice(0, 10)}T09:10`, `key-${randomUUID()}`)).rejects.toMatchObject({ code: 'not_a_slot' });
    await expect(appointments.book(scope(0), 'haircut', 'next tuesday', `key-${randomUUID()}`)).rejects.toMatchObject({ code: 'invalid_time' });
  });

  test('two customers booking the last seat at once: one gets it, the other is refused', async () => {
    const local = slotIn(6, 1);
    const race = await Promise.allSettled([0, 1].map((i) => appointments.book(scope(i), 'haircut', local, `key-${randomUUID()}`)));
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = race.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(refused.reason).toBeInstanceOf(Refusal);
    expect(refused.reason).toMatchObject({ code: 'slot_taken' });

    const classTime = slotIn(6, 0);
    const classes = await Promise.allSettled([0, 1, 2].map((i) => appointments.book(scope(i), 'class', classTime, `key-${randomUUID()}`)));
    expect(classes.filter((r) => r.status === 'fulfilled')).toHaveLength(2); // capacity 2
    expect(await db.query(`SELECT count(*)::int AS n FROM appointments WHERE service_id = 'class' AND status = 'booked'`)).toEqual([{ n: 2 }]);
  });

  test('reminders 24 h and 1 h before, moved by a reschedule; then the appointment is completed', async () => {
    const booked = await appointments.book(scope(2), 'haircut', slotIn(3, 0), `key-${randomUUID()}`);
    const handle = await env.client.workflow.start('appointmentWorkflow', {
      workflowId: appointmentWorkflowId(booked.id),
      taskQueue: queue,
      args: [{ appointmentId: booked.id, integrationId, conversationSid: 'CH-appointments-2', language: 'en', startsAt: booked.startsAt, endsAt: booked.endsAt }],
    });
    await env.sleep(booked.startsAt - DAY - Date.now() + 60_000);
    const first = await eventually(async () => sentFor(booked.id), (s) => s.length >= 1);
    expect(first).toEqual([expect.stringMatching(/^Reminder: Haircut on .*09:00 \(Europe\/Madrid\)\. Reply here if you need to change it\.$/)]);

    const moved = await appointments.reschedule(scope(2), booked.id, slotIn(4, 3));
    await handle.signal(appointmentRescheduledSignal, { startsAt: moved.startsAt, endsAt: moved.endsAt });
    expect(await handle.result()).toBe('completed');
    const sent = sentFor(booked.id);
    expect(sent).toHaveLength(3); // 24 h before the old time, then 24 h and 1 h before the new one
    expect(sent[1]).toMatch(/10:30 \(Europe\/Madrid\)/);
    expect(sent[2]).toBe(sent[1]);
    expect((await appointments.byId(booked.id))!.status).toBe('completed');
    await recordHistory(handle, 'appointment-rescheduled.json');
  });

  test('a cancelled appointment sends no reminder', async () => {
    const booked = await appointments.book(scope(1), 'haircut', slotIn(3, 4), `key-${randomUUID()}`);
    const handle = await env.client.workflow.start('appointmentWorkflow', {
      workflowId: appointmentWorkflowId(booked.id),
      taskQueue: queue,
      args: [{ appointmentId: booked.id, integrationId, conversationSid: 'CH-appointments-1', language: 'en', startsAt: booked.startsAt, endsAt: booked.endsAt }],
    });
    await appointments.cancel(scope(1), booked.id);
    await handle.signal(appointmentCancelledSignal);
    expect(await handle.result()).toBe('cancelled');
    expect(sentFor(booked.id)).toEqual([]);
  });
});
