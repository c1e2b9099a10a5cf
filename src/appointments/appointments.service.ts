import { randomUUID } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { Refusal } from '../common/refusal';
import { queryRows } from '../database/sql';
import type { CustomerScope } from '../orders/orders.service';
import { isTimeZone } from '../../workflows/business-hours';
import { weeklyHoursSchema } from '../policies/message-policy';
import { fromLocal, localToday, type Schedule, slotStarts, toLocal } from './slots';

export const serviceSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be 1–64 lower-case letters, digits or dashes'),
  name: z.string().trim().min(1).max(200),
  durationMinutes: z.number().int().min(5).max(720),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/Madrid'),
  hours: weeklyHoursSchema,
  capacity: z.number().int().min(1).max(100).default(1),
});
export const servicesSchema = z.array(serviceSchema).min(1).max(500);
export type AppointmentService = z.output<typeof serviceSchema>;

export interface Appointment {
  id: string;
  serviceId: string;
  serviceName: string;
  timeZone: string;
  integrationId: string;
  customerId: string;
  conversationSid: string;
  /** Epoch ms. */
  startsAt: number;
  endsAt: number;
  status: 'booked' | 'cancelled' | 'completed';
}

/** Slots are offered from this long ahead. */
const LEAD_MS = 60 * 60_000;
/** Slots searched at most per request. */
export const MAX_SLOT_DAYS = 14;

/**
 * Appointment services and bookings. Slots come from the service's hours, time zone and duration
 * minus what is booked; a slot's seats (its capacity) are taken once each, enforced by a unique
 * index, so two customers can never book the same last seat.
 */
@Injectable()
export class AppointmentsService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async upsertServices(services: AppointmentService[]): Promise<{ upserted: number }> {
    const ids = services.map((s) => s.id);
    const duplicates = ids.flatMap((id, i) => (ids.indexOf(id) !== i ? [{ field: `${i}.id`, message: `duplicate of row ${ids.indexOf(id)}` }] : []));
    if (duplicates.length > 0) throw new BadRequestException({ error: 'invalid_request', problems: duplicates });
    await this.db.transaction(async (m) => {
      for (const s of services) {
        await m.query(
          `INSERT INTO appointment_services (id, name, duration_minutes, time_zone, hours, capacity) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, duration_minutes = EXCLUDED.duration_minutes, time_zone = EXCLUDED.time_zone,
             hours = EXCLUDED.hours, capacity = EXCLUDED.capacity, updated_at = now()`,
          [s.id, s.name, s.durationMinutes, s.timeZone, JSON.stringify(s.hours), s.capacity],
        );
      }
    });
    return { upserted: services.length };
  }

  async services(): Promise<AppointmentService[]> {
    const rows = await queryRows<{ id: string; name: string; duration_minutes: number; time_zone: string; hours: Schedule['hours']; capacity: number }>(
      this.db, `SELECT * FROM appointment_services ORDER BY name`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, durationMinutes: r.duration_minutes, timeZone: r.time_zone, hours: r.hours, capacity: r.capacity }));
  }

  async service(id: string): Promise<AppointmentService> {
    const found = (await this.services()).find((s) => s.id === id);
    if (!found) throw new Refusal(`There is no service "${id}". Services: ${(await this.services()).map((s) => `${s.id} (${s.name})`).join(', ') || 'none'}`, 'unknown_service');
    return found;
  }

  /** Free slot starts (epoch ms) from a local date on, for `days` days, at most `limit`. */
  async freeSlots(service: AppointmentService, from: string | undefined, days: number, limit = 20, now = Date.now()): Promise<number[]> {
    const starts = slotStarts(service, from ?? localToday(service.timeZone, now), Math.min(days, MAX_SLOT_DAYS)).filter((s) => s >= now + LEAD_MS);
    if (starts.length === 0) return [];
    const taken = await queryRows<{ starts_at: Date; n: number }>(
      this.db,
      `SELECT starts_at, count(*)::int AS n FROM appointments WHERE service_id = $1 AND status = 'booked' AND starts_at = ANY($2::timestamptz[]) GROUP BY starts_at`,
      [service.id, starts.map((s) => new Date(s).toISOString())],
    );
    const full = new Set(taken.filter((t) => t.n >= service.capacity).map((t) => new Date(t.starts_at).getTime()));
    return starts.filter((s) => !full.has(s)).slice(0, limit);
  }

  /** A local time the customer asked for, checked to be one of the service's slots and in the future. */
  async checkSlot(service: AppointmentService, local: string, now = Date.now()): Promise<number> {
    const at = fromLocal(local, service.timeZone);
    if (at === undefined) throw new Refusal(`${local} is not a time like 2026-12-08T10:00`, 'invalid_time');
    const day = toLocal(at, service.timeZone).slice(0, 10);
    if (!slotStarts(service, day, 1).includes(at)) throw new Refusal(`${local} is not a slot of ${service.name}: look the slots up with find_appointment_slots`, 'not_a_slot');
    if (at < now + LEAD_MS) throw new Refusal(`${local} is too soon or in the past`, 'too_soon');
    return at;
  }

  /** Books a seat of the slot, once per action key; refuses a full slot. */
  async book(scope: CustomerScope, serviceId: string, local: string, actionKey: string): Promise<Appointment> {
    const existing = await this.find(`a.action_key = $1`, [actionKey]);
    if (existing[0]) return existing[0];
    const service = await this.service(serviceId);
    const at = await this.checkSlot(service, local);
    const id = randomUUID();
    await this.takeSeat(service, at, async (seat, m) => {
      await m.query(
        `INSERT INTO appointments (id, service_id, integration_id, customer_id, conversation_sid, starts_at, ends_at, seat, status, action_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'booked', $9)`,
        [id, service.id, scope.integrationId, scope.customerId, scope.conversationSid, new Date(at).toISOString(), new Date(at + service.durationMinutes * 60_000).toISOString(), seat, actionKey],
      );
    }).catch(async (err) => {
      const raced = await this.find(`a.action_key = $1`, [actionKey]);
      if (raced[0]) return;
      throw err;
    });
    return (await this.find(`a.action_key = $1`, [actionKey]))[0]!;
  }

  /** The customer's booking by id, or their only upcoming one; refuses anything else. */
  async customersBooking(scope: CustomerScope, appointmentId: string | undefined): Promise<Appointment> {
    const upcoming = await this.upcomingFor(scope);
    if (appointmentId) {
      const found = upcoming.find((a) => a.id === appointmentId);
      if (!found) throw new Refusal(`This customer has no upcoming appointment ${appointmentId}`, 'not_found');
      return found;
    }
    if (upcoming.length === 1) return upcoming[0]!;
    if (upcoming.length === 0) throw new Refusal('This customer has no upcoming appointment', 'not_found');
    throw new Refusal(`This customer has ${upcoming.length} upcoming appointments; say which: ${upcoming.map((a) => `${a.id} (${a.serviceName}, ${toLocal(a.startsAt, a.timeZone)})`).join('; ')}`, 'ambiguous');
  }

  /** Cancels a booking of the customer; a repeat changes nothing. */
  async cancel(scope: CustomerScope, appointmentId: string): Promise<Appointment> {
    await this.db.query(
      `UPDATE appointments SET status = 'cancelled', cancelled_at = now() WHERE id = $1 AND customer_id = $2 AND integration_id = $3 AND status = 'booked'`,
      [appointmentId, scope.customerId, scope.integrationId],
    );
    const [found] = await this.find(`a.id = $1 AND a.customer_id = $2`, [appointmentId, scope.customerId]);
    if (!found) throw new Refusal(`This customer has no appointment ${appointmentId}`, 'not_found');
    return found;
  }

  /** Moves a booking of the customer to another slot of its service (a seat there, atomically); a repeat changes nothing. */
  async reschedule(scope: CustomerScope, appointmentId: string, local: string): Promise<Appointment> {
    const booking = await this.customersBooking(scope, appointmentId);
    const service = await this.service(booking.serviceId);
    const at = fromLocal(local, service.timeZone);
    if (at === booking.startsAt) return booking;
    const target = await this.checkSlot(service, local);
    await this.takeSeat(service, target, async (seat, m) => {
      await m.query(`UPDATE appointments SET starts_at = $2, ends_at = $3, seat = $4 WHERE id = $1 AND status = 'booked'`, [
        booking.id, new Date(target).toISOString(), new Date(target + service.durationMinutes * 60_000).toISOString(), seat,
      ]);
    });
    return (await this.find(`a.id = $1`, [booking.id]))[0]!;
  }

  async markCompleted(appointmentId: string): Promise<void> {
    await this.db.query(`UPDATE appointments SET status = 'completed' WHERE id = $1 AND status = 'booked'`, [appointmentId]);
  }

  async byId(id: string): Promise<Appointment | null> {
    return (await this.find(`a.id = $1`, [id]))[0] ?? null;
  }

  async upcomingFor(scope: CustomerScope): Promise<Appointment[]> {
    return this.find(`a.customer_id = $1 AND a.integration_id = $2 AND a.status = 'booked' AND a.starts_at > now()`, [scope.customerId, scope.integrationId]);
  }

  async list(limit = 200): Promise<Appointment[]> {
    return this.find(`a.starts_at > now() - interval '30 days'`, [], limit);
  }

  /**
   * Runs `write` with the lowest free seat of the slot, in a transaction. The unique index decides
   * between concurrent bookings: the loser tries the next seat, and a full slot is refused.
   */
  private async takeSeat(service: AppointmentService, at: number, write: (seat: number, m: Pick<DataSource, 'query'>) => Promise<void>): Promise<void> {
    for (let attempt = 0; attempt < service.capacity + 2; attempt++) {
      const taken = await queryRows<{ seat: number }>(this.db, `SELECT seat FROM appointments WHERE service_id = $1 AND starts_at = $2 AND status = 'booked'`, [service.id, new Date(at).toISOString()]);
      const seats = new Set(taken.map((t) => t.seat));
      const seat = Array.from({ length: service.capacity }, (_, i) => i + 1).find((s) => !seats.has(s));
      if (seat === undefined) throw new Refusal(`${toLocal(at, service.timeZone)} is fully booked: offer another slot`, 'slot_taken');
      try {
        await this.db.transaction((m) => write(seat, m));
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '23505') throw err; // a concurrent booking took this seat: look again
      }
    }
    throw new Refusal(`${toLocal(at, service.timeZone)} is fully booked: offer another slot`, 'slot_taken');
  }

  private async find(where: string, params: unknown[], limit = 100): Promise<Appointment[]> {
    const rows = await queryRows<{ id: string; service_id: string; name: string; time_zone: string; integration_id: string; customer_id: string; conversation_sid: string; starts_at: Date; ends_at: Date; status: Appointment['status'] }>(
      this.db,
      `SELECT a.*, s.name, s.time_zone FROM appointments a JOIN appointment_services s ON s.id = a.service_id WHERE ${where} ORDER BY a.starts_at LIMIT ${Number(limit)}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id, serviceId: r.service_id, serviceName: r.name, timeZone: r.time_zone, integrationId: r.integration_id, customerId: r.customer_id,
      conversationSid: r.conversation_sid, startsAt: new Date(r.starts_at).getTime(), endsAt: new Date(r.ends_at).getTime(), status: r.status,
    }));
  }
}
