import { Controller, Get, Inject, NotFoundException, Param, ParseUUIDPipe, Res } from '@nestjs/common';
import type { Response } from 'express';
import { APP_CONFIG } from '../common/tokens';
import type { AppConfig } from '../config/config';
import { verifyChartLink } from './chart-links';
import { ChartsService } from './charts.service';

/**
 * A chart's PNG for Twilio to fetch when a scheduled report goes out as an approved media template
 * (outside the 24-hour window, where a MediaSid cannot be sent). Public, but only through a link
 * signed with CREDENTIALS_KEY that expires; anything else is a plain 404.
 */
@Controller('media')
export class ChartMediaController {
  constructor(
    private readonly charts: ChartsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('charts/:id/:expires/:file')
  async png(@Param('id', ParseUUIDPipe) id: string, @Param('expires') expires: string, @Param('file') file: string, @Res() res: Response): Promise<void> {
    const sig = file.replace(/\.png$/, '');
    const key = this.config.credentialsKey;
    const png = key && verifyChartLink(id, expires, sig, key) ? await this.charts.png(id) : null;
    if (!png) throw new NotFoundException({ error: 'not_found', message: 'No such picture' });
    res.setHeader('content-type', 'image/png');
    res.setHeader('cache-control', 'private, max-age=3600');
    res.end(png);
  }
}
