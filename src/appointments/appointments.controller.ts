import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { AppointmentsService, servicesSchema } from './appointments.service';
import { toLocal } from './slots';

/** Appointment services (what can be booked, when) and the bookings. Admins only. */
@Controller('api')
@UseGuards(ApiKeyGuard)
export class AppointmentsController {
  constructor(private readonly appointments: AppointmentsService) {}

  /** Upserts by id; every row is validated first and nothing is written when one is wrong. */
  @Put('services')
  upsert(@Body() body: unknown) {
    return this.appointments.upsertServices(parseOrThrow(servicesSchema, body));
  }

  @Get('services')
  services() {
    return this.appointments.services();
  }

  /** Bookings from 30 days ago on, with times in UTC and in the service's time zone. */
  @Get('appointments')
  async list() {
    return (await this.appointments.list()).map((a) => ({
      ...a, startsAt: new Date(a.startsAt).toISOString(), endsAt: new Date(a.endsAt).toISOString(), localStart: toLocal(a.startsAt, a.timeZone),
    }));
  }
}
