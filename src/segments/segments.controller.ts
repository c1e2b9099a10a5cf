import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { Roles } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { CustomersService } from '../customers/customers.service';
import { untrustedSegmentRule } from './segment-rule';
import { SegmentsService } from './segments.service';

const createSchema = z.strictObject({ name: z.string().trim().min(1).max(120), rule: untrustedSegmentRule });
const sampleSchema = z.coerce.number().int().min(0).max(200).default(20);

/**
 * Segments of customers by profile and behaviour: created, previewed (count and a sample), listed,
 * deleted. Agents may look; creating and deleting are for administrators (segments feed campaigns).
 */
@Controller('api/segments')
@UseGuards(ApiKeyGuard)
export class SegmentsController {
  constructor(
    private readonly segments: SegmentsService,
    private readonly customers: CustomersService,
  ) {}

  @Post()
  async create(@Body() body: unknown) {
    const { name, rule } = parseOrThrow(createSchema, body);
    const segment = await this.segments.create(name, rule);
    return { ...segment, count: (await this.customers.list({ rule, limit: 0, offset: 0 })).total };
  }

  /** A rule's count and sample without storing it. */
  @Post('preview')
  @Roles(['agent'])
  @HttpCode(200)
  async preview(@Body() body: unknown, @Query('limit') limit?: unknown) {
    const rule = parseOrThrow(untrustedSegmentRule, (body as { rule?: unknown } | null)?.rule, 'rule');
    this.segments.check(rule);
    const { total, customers } = await this.customers.list({ rule, limit: parseOrThrow(sampleSchema, limit, 'limit'), offset: 0 });
    return { count: total, customers };
  }

  @Get()
  @Roles(['agent'])
  list() {
    return this.segments.list();
  }

  @Get(':id')
  @Roles(['agent'])
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.segments.get(id);
  }

  /** How many customers the segment holds now, and a sample of them. */
  @Get(':id/customers')
  @Roles(['agent'])
  async members(@Param('id', ParseUUIDPipe) id: string, @Query('limit') limit?: unknown) {
    const segment = await this.segments.get(id);
    const { total, customers } = await this.customers.list({ rule: segment.rule, limit: parseOrThrow(sampleSchema, limit, 'limit'), offset: 0 });
    return { segmentId: id, count: total, customers };
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id', ParseUUIDPipe) id: string) {
    await this.segments.delete(id);
  }
}
