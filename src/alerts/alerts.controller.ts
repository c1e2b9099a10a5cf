import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AlertsService } from './alerts.service';

/** Alerts raised for administrators, newest first. */
@Controller('api/alerts')
@UseGuards(ApiKeyGuard)
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  list() {
    return this.alerts.list();
  }
}
