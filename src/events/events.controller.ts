import { Body, Controller, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { type Caller, CurrentCaller } from '../auth/roles';
import { parseOrThrow } from '../common/validation';
import { profilePatchSchema } from '../customers/profile';
import { eventTypeSchema } from './event-types';
import { InboundEventsService } from './inbound-events.service';

const phone = z.string().regex(/^(whatsapp:)?\+[1-9]\d{6,14}$/, 'an E.164 number such as +34600111222 (or whatsapp:+34600111222)');

const inboundSchema = z.strictObject({
  /** Optional idempotency key: the same id again is the same event (letters, digits, _ and - only). */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, '1–100 letters, digits, _ or -').optional(),
  type: eventTypeSchema,
  customer: z.union([z.strictObject({ id: z.uuid() }), z.strictObject({ phone, integrationId: z.uuid().optional() })], {
    message: 'customer is { "id": "<uuid>" } or { "phone": "+34600111222" }',
  }),
  data: z.record(z.string(), z.unknown()).optional(),
  /** Only these fields: attributes merge (null removes one), tags are added. */
  profile: z
    .strictObject({
      name: profilePatchSchema.shape.name,
      email: profilePatchSchema.shape.email,
      attributes: profilePatchSchema.shape.attributes,
      tags: profilePatchSchema.shape.addTags,
    })
    .optional(),
});

/**
 * Events from external systems (administrators' API keys): published like the product's own, so
 * webhooks and automation receive them, optionally updating the customer's profile first.
 */
@Controller('api/events')
@UseGuards(ApiKeyGuard)
export class EventsController {
  constructor(private readonly inbound: InboundEventsService) {}

  @Post()
  receive(@Body() body: unknown, @CurrentCaller() caller: Caller) {
    return this.inbound.receive(parseOrThrow(inboundSchema, body), `${caller.role}:${caller.name}`);
  }
}
