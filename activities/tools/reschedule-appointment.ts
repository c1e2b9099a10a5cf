import { z } from 'zod';
import { appointmentMessages } from '../../src/appointments/appointment-messages';
import { toLocal } from '../../src/appointments/slots';
import { defineTool } from './tool';

/** Moves one of the customer's own upcoming appointments to another free slot, after they confirm. */
export const rescheduleAppointment = defineTool({
  name: 'reschedule_appointment',
  description:
    "Move one of the customer's upcoming appointments to another free slot of the same service (a startsAt from find_appointment_slots). " +
    'appointmentId may be omitted when they have only one. The system asks the customer to confirm.',
  args: z.strictObject({
    appointmentId: z.uuid().optional(),
    startsAt: z.string().trim().describe("New local time in the service's time zone, e.g. 2026-12-09T16:30"),
  }),
  risk: 'write',
  activity: { timeoutSeconds: 20, maximumAttempts: 5 },
  async preview({ appointmentId, startsAt }, { scope, services, language }) {
    const booking = await services.appointments.customersBooking(scope, appointmentId);
    const service = await services.appointments.service(booking.serviceId);
    const to = await services.appointments.checkSlot(service, startsAt);
    return appointmentMessages.confirmMove(language, booking, to);
  },
  async run({ appointmentId, startsAt }, { scope, services, language }) {
    const booking = await services.appointments.customersBooking(scope, appointmentId);
    const moved = await services.appointments.reschedule(scope, booking.id, startsAt);
    return {
      result: { appointmentId: moved.id, startsAt: toLocal(moved.startsAt, moved.timeZone) },
      message: appointmentMessages.moved(language, moved),
      start: { kind: 'appointment_change', appointmentId: moved.id, change: 'rescheduled', startsAt: moved.startsAt, endsAt: moved.endsAt },
    };
  },
});
