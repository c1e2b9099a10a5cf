import { Controller, Get, Header, NotFoundException, Param, ParseUUIDPipe, Query, StreamableFile, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { type Chart, type ChartWithSpec, ChartsService } from './charts.service';

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(20),
  integrationId: z.uuid({ message: 'must be an integration id (UUID)' }).optional(),
});

/**
 * Charts drawn for staff's data questions, and their pictures. Administrators only: a chart shows
 * business figures from any integration.
 */
@Controller('api/charts')
@UseGuards(ApiKeyGuard)
export class ChartsController {
  constructor(private readonly charts: ChartsService) {}

  /** Newest first; `?limit=` (1–200, default 20) and `?integrationId=`. */
  @Get()
  list(@Query() query: unknown): Promise<Chart[]> {
    return this.charts.list(parseOrThrow(listQuery, query, 'query'));
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string): Promise<ChartWithSpec> {
    const chart = await this.charts.get(id);
    if (!chart) throw notFound(id);
    return chart;
  }

  /** The picture. A chart never changes once drawn, so the browser may keep it. */
  @Get(':id/png')
  @Header('Cache-Control', 'private, max-age=86400, immutable')
  async png(@Param('id', ParseUUIDPipe) id: string): Promise<StreamableFile> {
    const png = await this.charts.png(id);
    if (!png) throw notFound(id);
    return new StreamableFile(png, { type: 'image/png', length: png.length, disposition: `inline; filename="chart-${id}.png"` });
  }
}

const notFound = (id: string) => new NotFoundException({ error: 'not_found', message: `No chart ${id}` });
