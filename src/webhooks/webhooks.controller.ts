import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { parseOrThrow } from '../common/validation';
import { eventPatternSchema } from '../events/event-types';
import { EventsService } from '../events/events.service';
import { WebhookDeliveriesService } from './webhook-deliveries.service';
import { WebhooksService } from './webhooks.service';

const createSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2000),
  events: z.array(eventPatternSchema).min(1).max(50),
  /** Signs every delivery (see README, "Webhooks and events"); stored encrypted, never shown again. */
  secret: z.string().min(16, 'must be at least 16 characters').max(256),
});

/** Outbound event webhooks (administrators): subscribe a URL to event types, see and replay its deliveries. */
@Controller('api/webhooks')
@UseGuards(ApiKeyGuard)
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly deliveries: WebhookDeliveriesService,
    private readonly events: EventsService,
  ) {}

  @Post()
  create(@Body() body: unknown) {
    return this.webhooks.create(parseOrThrow(createSchema, body));
  }

  @Get()
  list() {
    return this.webhooks.list();
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.webhooks.remove(id);
  }

  @Get(':id/deliveries')
  async listDeliveries(@Param('id', ParseUUIDPipe) id: string) {
    await this.webhooks.assertExists(id);
    return this.deliveries.list(id);
  }

  /** Sends the delivery's event again, as a new delivery (same event id, so receivers can tell it is the same event). */
  @Post(':id/deliveries/:deliveryId/replay')
  async replay(@Param('id', ParseUUIDPipe) id: string, @Param('deliveryId', ParseUUIDPipe) deliveryId: string) {
    const replay = await this.deliveries.replay(id, deliveryId);
    await this.events.startDeliveries([replay.id]);
    return replay;
  }
}
