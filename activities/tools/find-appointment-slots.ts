import { z } from 'zod';
import { MAX_SLOT_DAYS } from '../../src/appointments/appointments.service';
import { describeTime, toLocal } from '../../src/appointments/slots';
import { defineTool } from './tool';

/** Free slots of a service, in its time zone; without a service, the services there are. */
export const findAppointmentSlots = defineTool({
  name: 'find_appointment_slots',
  description:
    "Free appointment slots of a service, from a date on (the service's time zone), and the customer's upcoming appointments. " +
    'Without serviceId it lists the services. Offer only slots from its result; book with book_appointment using a slot\'s startsAt.',
  args: z.strictObject({
    serviceId: z.string().trim().max(64).optional().describe('The service id; omit to list the services'),
    date: z.iso.date().optional().describe('First day to search, YYYY-MM-DD (default: today)'),
    days: z.number().int().min(1).max(MAX_SLOT_DAYS).optional().describe('How many days to search (default 3)'),
  }),
  risk: 'read',
  activity: { timeoutSeconds: 10, maximumAttempts: 3 },
  async run({ serviceId, date, days }, { scope, services, language }) {
    const upcoming = (await services.appointments.upcomingFor(scope)).map((a) => ({ appointmentId: a.id, serviceId: a.serviceId, service: a.serviceName, startsAt: toLocal(a.startsAt, a.timeZone), when: describeTime(a.startsAt, a.timeZone, language) }));
    if (!serviceId) {
      const all = await services.appointments.services();
      return { result: { services: all.map((s) => ({ serviceId: s.id, name: s.name, durationMinutes: s.durationMinutes, timeZone: s.timeZone })), yourAppointments: upcoming } };
    }
    const service = await services.appointments.service(serviceId);
    const slots = await services.appointments.freeSlots(service, date, days ?? 3);
    return {
      result: {
        service: { serviceId: service.id, name: service.name, durationMinutes: service.durationMinutes, timeZone: service.timeZone },
        slots: slots.map((s) => ({ startsAt: toLocal(s, service.timeZone), when: describeTime(s, service.timeZone, language) })),
        ...(slots.length === 0 ? { note: 'No free slot in these days: try later dates.' } : {}),
        yourAppointments: upcoming,
      },
    };
  },
});
