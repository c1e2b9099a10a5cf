import { Controller, Get, HttpCode, NotFoundException, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { type AlertKind, AlertsService, type ListedAlert } from './alerts.service';

/** Alerts raised for administrators, newest first. */
@Controller('api/alerts')
@UseGuards(ApiKeyGuard)
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  /** `?kind=handoff_requested` narrows to one kind. */
  @Get()
  list(@Query('kind') kind?: unknown) {
    return this.alerts.list(100, kind === undefined ? {} : { kind: parseOrThrow(z.string().regex(/^[a-z_]{1,50}$/, 'must be an alert kind such as handoff_requested'), kind, 'kind') as AlertKind });
  }

  /** Marks the alert seen; acknowledging it again keeps the first acknowledgement. */
  @Post(':id/ack')
  @HttpCode(200)
  async acknowledge(@Param('id', ParseUUIDPipe) id: string, @CurrentCaller() caller: Caller): Promise<ListedAlert> {
    const alert = await this.alerts.acknowledge(id, caller.name);
    if (!alert) throw new NotFoundException({ error: 'not_found', message: `No alert ${id}` });
    return alert;
  }
}
