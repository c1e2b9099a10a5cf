import { condition, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { tellCustomer } from './delivery';
import { publish } from './events';
import { appointmentCancelledSignal, appointmentRescheduledSignal, type AppointmentWorkflowInput } from './skill-definitions';

const acts = proxyActivities<Activities>(DATABASE_ACTIVITY);

const HOUR = 60 * 60_000;
/** Reminders before the start: the day before and an hour before. One already past when booked is skipped. */
const REMINDERS = [{ name: '24h', before: 24 * HOUR }, { name: '1h', before: HOUR }];

/**
 * A booked appointment (`appointment:<id>`): reminders 24 h and 1 h before on durable timers (the
 * send policy uses the approved template outside WhatsApp's 24-hour window), completed once it has
 * ended. Cancelling ends it; rescheduling moves its timers. Both arrive as signals after the
 * customer confirmed them.
 */
export async function appointmentWorkflow(input: AppointmentWorkflowInput): Promise<'completed' | 'cancelled'> {
  let { startsAt, endsAt } = input;
  let cancelled = false;
  let changed = false;
  setHandler(appointmentCancelledSignal, () => void ((cancelled = true), (changed = true)));
  setHandler(appointmentRescheduledSignal, (moved) => void (({ startsAt, endsAt } = moved), (changed = true)));

  // Reminders whose time had passed when the appointment was booked (or moved) are skipped.
  const due = () => REMINDERS.filter((r) => startsAt - r.before > Date.now()).map((r) => ({ ...r, startsAt }));
  let pending = due();
  for (;;) {
    if (cancelled) return 'cancelled';
    if (changed) {
      changed = false;
      pending = due();
    }
    const next = pending[0];
    const until = next ? next.startsAt - next.before : endsAt;
    if (await condition(() => changed, Math.max(0, until - Date.now()))) continue;
    if (!next) break;
    pending.shift();
    const { message } = await acts.appointmentReminder({ appointmentId: input.appointmentId, language: input.language });
    if (message) await tellCustomer(input, message, `reminder-${next.name}-${next.startsAt}`);
  }
  await acts.completeAppointment({ appointmentId: input.appointmentId });
  // Appointments booked before events existed carry no `events` marker and replay without publishing.
  if (patched('events')) await publish('appointment.completed', {}, 'completed', { subject: { kind: 'appointment', id: input.appointmentId } });
  return 'completed';
}
