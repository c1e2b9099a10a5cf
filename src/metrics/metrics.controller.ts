import { Controller, Get, Header, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsGuard } from './metrics.guard';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint: this process's counters and the database gauges, in the text exposition format. */
@Controller('metrics')
@UseGuards(MetricsGuard)
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() res: Response): Promise<void> {
    const text = await this.metrics.scrape();
    res.type(this.metrics.contentType).send(text);
  }
}
