import { z } from 'zod';
import { appointmentMessages } from '../../src/appointments/appointment-messages';
import { defineTool } from './tool';

/** Cancels one of the customer's own upcoming appointments, after they confirm. */
export const cancelAppointment = defineTool({
  name: 'cancel_appointment',
  description:
    "Cancel one of the customer's upcoming appointments (appointmentId from find_appointment_slots' yourAppointments; may be omitted when they have only one). " +
    'The system asks the customer to confirm.',
  args: z.strictObject({ appointmentId: z.uuid().optional() }),
  risk: 'write',
  activity: { timeoutSeconds: 20, maximumAttempts: 5 },
  async preview({ appointmentId }, { scope, services, language }) {
    return appointmentMessages.confirmCancel(language, await services.appointments.customersBooking(scope, appointmentId));
  },
  async run({ appointmentId }, { scope, services, language }) {
    const booking = await services.appointments.customersBooking(scope, appointmentId).catch(async (err) => {
      // A retry after the cancellation went through finds it no longer upcoming.
      if (appointmentId) return services.appointments.cancel(scope, appointmentId);
      throw err;
    });
    const cancelled = await services.appointments.cancel(scope, booking.id);
    return {
      result: { appointmentId: cancelled.id, status: cancelled.status },
      message: appointmentMessages.cancelled(language, cancelled),
      start: { kind: 'appointment_change', appointmentId: cancelled.id, change: 'cancelled' },
    };
  },
});
