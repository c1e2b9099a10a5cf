import { Controller, ForbiddenException, Headers, HttpCode, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { TwilioWebhookService } from './twilio-webhook.service';
import type { WebhookParams } from './webhook-event';

/**
 * Twilio Conversations webhooks (pre-action `onMessageAdd`, post-action `onMessageAdded`). At the
 * pre-action hook the answer decides the message's fate: `{}` lets it through, `{ "body": … }`
 * replaces its text (redaction), 403 blocks it.
 */
@Controller('api/twilio')
export class TwilioWebhookController {
  constructor(private readonly webhook: TwilioWebhookService) {}

  @Post('webhook')
  @HttpCode(200)
  async receive(
    @Req() req: Request,
    @Headers('x-twilio-signature') signature: string | undefined,
    @Headers('i-twilio-idempotency-token') idempotencyToken: string | undefined,
  ): Promise<{ body?: string }> {
    const params = (req.body && typeof req.body === 'object' ? req.body : {}) as WebhookParams;
    const outcome = await this.webhook.handle({ params, signature, idempotencyToken, originalUrl: req.originalUrl });
    if (outcome.kind === 'forbidden') throw new ForbiddenException({ error: 'invalid_signature', message: 'Request not signed by Twilio for a known integration' });
    if (outcome.kind === 'blocked') throw new ForbiddenException({ error: 'sender_blocked', message: 'This sender is blocked; the message is not accepted' });
    // A 200 with `body` makes Twilio store the redacted text instead of the customer's original.
    return 'body' in outcome && outcome.body !== undefined ? { body: outcome.body } : {};
  }
}
