import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { DailyDigestService } from './daily-digest.service';

/** A calendar day that exists (2025-02-30 does not). */
const day = z.iso.date({ message: 'must be a date YYYY-MM-DD' });

const getSchema = z.strictObject({ date: day, integrationId: z.uuid().optional() });
const computeSchema = z.strictObject({ date: day.optional(), integrationId: z.uuid().optional() });

/**
 * The daily digest (figures of one day per integration, in DAILY_DIGEST_TIME_ZONE). The schedule
 * computes yesterday's every morning; POST computes a day on demand without sending it. Admins only.
 */
@Controller('api/reports')
@UseGuards(ApiKeyGuard)
export class ReportsController {
  constructor(private readonly digests: DailyDigestService) {}

  /** 404 while the day has no digest yet. */
  @Get('daily')
  async daily(@Query() query: unknown) {
    const { date, integrationId } = parseOrThrow(getSchema, query, 'query');
    const digests = await this.digests.stored(date, integrationId);
    if (digests.length === 0) throw new NotFoundException({ error: 'not_found', message: `No daily digest for ${date} yet; POST /api/reports/daily computes one` });
    return { date, timeZone: this.digests.timeZone, digests };
  }

  /** Computes (again) the digest of `date` (yesterday by default) and stores it; nothing is sent. */
  @Post('daily')
  @HttpCode(HttpStatus.OK)
  async compute(@Body() body: unknown) {
    const input = parseOrThrow(computeSchema, body ?? {});
    const date = input.date ?? this.digests.yesterday(new Date());
    const digests = await this.digests.compute(date, input.integrationId);
    if (digests.length === 0) throw new NotFoundException({ error: 'integration_not_found', message: `No integration ${input.integrationId}` });
    return { date, timeZone: this.digests.timeZone, digests };
  }
}
