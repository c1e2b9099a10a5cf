import { z } from 'zod';
import { appointmentMessages } from '../../src/appointments/appointment-messages';
import { Refusal } from '../../src/common/refusal';
import { toLocal } from '../../src/appointments/slots';
import { defineTool } from './tool';

/** A booking for the customer, after they confirm; then its reminders run in `appointment:<id>`. */
export const bookAppointment = defineTool({
  name: 'book_appointment',
  description:
    'Book a slot for the customer (a startsAt from find_appointment_slots). The system asks the customer to confirm; nothing is booked until they do. Never say it is booked yourself.',
  args: z.strictObject({
    serviceId: z.string().trim().min(1).max(64),
    startsAt: z.string().trim().describe("Local time in the service's time zone, e.g. 2026-12-08T10:00"),
  }),
  risk: 'write',
  activity: { timeoutSeconds: 20, maximumAttempts: 5 },
  async preview({ serviceId, startsAt }, { services, language }) {
    const service = await services.appointments.service(serviceId);
    const at = await services.appointments.checkSlot(service, startsAt);
    if (!(await services.appointments.freeSlots(service, startsAt.slice(0, 10), 1, 1000)).includes(at)) {
      throw new Refusal(`${startsAt} is fully booked: offer another slot`, 'slot_taken');
    }
    return appointmentMessages.confirmBook(language, { serviceName: service.name, startsAt: at, timeZone: service.timeZone });
  },
  async run({ serviceId, startsAt }, { scope, services, language, actionKey }) {
    if (!actionKey) throw new Error('book_appointment runs only after the customer confirms');
    const booked = await services.appointments.book(scope, serviceId, startsAt, actionKey);
    return {
      result: { appointmentId: booked.id, service: booked.serviceName, startsAt: toLocal(booked.startsAt, booked.timeZone) },
      message: appointmentMessages.booked(language, booked),
      start: { kind: 'appointment', appointmentId: booked.id, startsAt: booked.startsAt, endsAt: booked.endsAt, language },
    };
  },
});
