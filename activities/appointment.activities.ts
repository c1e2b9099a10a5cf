import { appointmentMessages } from '../src/appointments/appointment-messages';
import type { ActivityDeps } from './deps';

/** The appointment workflow's steps: each reminder's text (from the booking as it is now), and completion. */
export function createAppointmentActivities({ appointments }: ActivityDeps) {
  return {
    /** The reminder for the booking as stored; none when it is no longer booked. */
    async appointmentReminder(input: { appointmentId: string; language: string }): Promise<{ message: string | null }> {
      const booking = await appointments.byId(input.appointmentId);
      return { message: booking?.status === 'booked' ? appointmentMessages.reminder(input.language, booking) : null };
    },

    async completeAppointment(input: { appointmentId: string }): Promise<void> {
      await appointments.markCompleted(input.appointmentId);
    },
  };
}
