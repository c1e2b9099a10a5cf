import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, ForbiddenException, Get, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller, Roles } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { EventsService } from '../events/events.service';
import { SegmentsService } from '../segments/segments.service';
import { CustomersService } from './customers.service';
import { ErasureService } from './erasure.service';
import { profilePatchSchema } from './profile';
import { TimelineService } from './timeline.service';

const listSchema = z.strictObject({
  segment: z.uuid().optional(),
  tag: z.string().max(40).optional(),
  query: z.string().trim().min(1).max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const timelineSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.iso.datetime({ offset: true }).optional(),
});
const noteSchema = z.strictObject({ body: z.string().trim().min(1).max(4000) });

/**
 * Customers for staff: profiles (listed by segment, tag or text; changed with provenance), timelines
 * and notes. Export and erasure answer data-protection requests and are for administrators only.
 */
@Controller('api/customers')
@UseGuards(ApiKeyGuard)
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly timelines: TimelineService,
    private readonly segments: SegmentsService,
    private readonly erasure: ErasureService,
    private readonly events: EventsService,
  ) {}

  @Get()
  @Roles(['agent'])
  async list(@Query() query: unknown) {
    const { segment, tag, query: text, limit, offset } = parseOrThrow(listSchema, query);
    const rule = segment ? (await this.segments.get(segment)).rule : undefined;
    return this.customers.list({ rule, tag, query: text, limit, offset });
  }

  @Get(':id')
  @Roles(['agent'])
  get(@Param('id', ParseUUIDPipe) id: string) {
    return this.customers.get(id);
  }

  @Patch(':id')
  @Roles(['agent'])
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown, @CurrentCaller() caller: Caller) {
    const patch = parseOrThrow(profilePatchSchema, body);
    // Consent is the customer's word (their keyword) or an administrator's record of it, not an agent's call.
    if (patch.consent !== undefined && caller.role !== 'admin') {
      throw new ForbiddenException({ error: 'forbidden', message: 'Only administrators change marketing consent' });
    }
    const before = await this.customers.get(id);
    const { profile, changed } = await this.customers.update(id, patch, { source: 'staff', actor: `${caller.role}:${caller.name}` });
    const added = profile.tags.filter((tag) => !before.tags.includes(tag));
    if (changed.includes('tags') && added.length > 0) {
      // A retried request changes nothing, so it publishes nothing again.
      await this.events.publish({ id: randomUUID(), type: 'customer.tagged', customerId: id, integrationId: profile.integrationId, data: { added, tags: profile.tags } });
    }
    return profile;
  }

  @Get(':id/timeline')
  @Roles(['agent'])
  timeline(@Param('id', ParseUUIDPipe) id: string, @Query() query: unknown) {
    const { limit, before } = parseOrThrow(timelineSchema, query);
    return this.timelines.timeline(id, { limit, before });
  }

  @Post(':id/notes')
  @Roles(['agent'])
  note(@Param('id', ParseUUIDPipe) id: string, @Body() body: unknown, @CurrentCaller() caller: Caller) {
    return this.customers.addNote(id, parseOrThrow(noteSchema, body).body, `${caller.role}:${caller.name}`);
  }

  @Get(':id/export')
  export(@Param('id', ParseUUIDPipe) id: string) {
    return this.timelines.export(id);
  }

  /** Erasure (see ErasureService); `complete: false` asks for the request to be repeated. */
  @Delete(':id')
  erase(@Param('id', ParseUUIDPipe) id: string) {
    return this.erasure.erase(id);
  }
}
