import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { errorsQuery, healthQuery, summaryQuery, volumeQuery } from './dashboard-query';
import { DashboardService } from './dashboard.service';
import { OperationsService } from './operations.service';

/**
 * The operations dashboard's data (the console's Dashboard view). Administrators only: it shows
 * costs, every integration's health and failures across all conversations.
 */
@Controller('api/dashboard')
@UseGuards(ApiKeyGuard)
export class DashboardController {
  constructor(
    private readonly dashboard: DashboardService,
    private readonly operations: OperationsService,
  ) {}

  @Get('summary')
  summary(@Query() query: unknown) {
    return this.dashboard.summary(parseOrThrow(summaryQuery, query, 'query'));
  }

  @Get('volume')
  volume(@Query() query: unknown) {
    return this.dashboard.volume(parseOrThrow(volumeQuery, query, 'query'));
  }

  @Get('errors')
  errors(@Query() query: unknown) {
    return this.operations.errors(parseOrThrow(errorsQuery, query, 'query'));
  }

  @Get('health')
  health(@Query() query: unknown) {
    return this.operations.health(parseOrThrow(healthQuery, query, 'query').integrationId);
  }
}
