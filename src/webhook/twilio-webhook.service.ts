import { Inject, Injectable, Logger } from '@nestjs/common';
import twilio from 'twilio';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { InboxService } from '../inbox/inbox.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { field, MESSAGE_EVENTS, type MessageEvent, readMessageEvent, type WebhookParams } from './webhook-event';

export const WEBHOOK_PATH = '/api/twilio/webhook';

export type WebhookOutcome =
  | { kind: 'forbidden'; reason: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'duplicate' }
  | { kind: 'accepted'; delivered: boolean };

/**
 * The path of one Twilio webhook request: authenticate it, keep only customer messages, record it
 * in the inbox, hand it to the conversation workflow. Only a failed signature is refused; every
 * genuine request is answered 200, since any error status would block the customer's message.
 */
@Injectable()
export class TwilioWebhookService {
  private readonly logger = new Logger(TwilioWebhookService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly integrations: IntegrationsService,
    private readonly inbox: InboxService,
    private readonly temporal: TemporalClientService,
  ) {}

  async handle(request: { params: WebhookParams; signature?: string; idempotencyToken?: string; originalUrl: string }): Promise<WebhookOutcome> {
    const receivedAt = new Date();
    const accountSid = field(request.params, 'AccountSid');
    const resolved = accountSid ? await this.integrations.resolveByAccountSid(accountSid) : null;
    if (!resolved) return { kind: 'forbidden', reason: 'unknown AccountSid' };
    const url = this.config.publicBaseUrl + request.originalUrl;
    const signed = request.signature !== undefined && resolved.signingTokens.some((token) => twilio.validateRequest(token, request.signature!, url, request.params));
    if (!signed) return { kind: 'forbidden', reason: 'signature does not match' };

    const { integration } = resolved;
    const eventType = field(request.params, 'EventType');
    if (!MESSAGE_EVENTS.includes(eventType as MessageEvent)) return { kind: 'ignored', reason: `event ${eventType ?? '(none)'}` };
    if (eventType !== integration.answeredEvent) return { kind: 'ignored', reason: `${eventType}: this integration answers ${integration.answeredEvent}` };
    if (field(request.params, 'Author') === integration.agentIdentity) return { kind: 'ignored', reason: "the agent's own message" };

    const read = readMessageEvent(request.params, request.idempotencyToken, receivedAt);
    if ('ignored' in read) {
      this.logger.warn(`Signed ${eventType} for integration ${integration.id} ignored: ${read.ignored}`);
      return { kind: 'ignored', reason: read.ignored };
    }
    const { conversationSid, message } = read.accepted;
    const target = { integrationId: integration.id, conversationSid };
    const recorded = await this.inbox.record({ integrationId: integration.id, eventType: eventType!, conversationSid, message }).catch((err: Error) => {
      this.logger.error(`${eventType} ${conversationSid}: the inbox is unavailable (${err.message}); handing the message straight to Temporal`);
      return undefined;
    });
    if (recorded && !recorded.isNew && recorded.row.status === 'delivered') return { kind: 'duplicate' };

    try {
      await this.temporal.deliverInbound(target, recorded?.row.message ?? message, { fast: Boolean(recorded) });
    } catch (err) {
      if (recorded) {
        await this.inbox.markFailed(recorded.row.id, (err as Error).message).catch(() => undefined);
        this.logger.warn(`${eventType} ${conversationSid} recorded; Temporal unreachable, will redeliver: ${(err as Error).message}`);
      } else {
        // Neither the database nor Temporal took it. Answer 200 all the same: an error status would
        // make Twilio block the customer's message; it stays in the Twilio conversation for a person.
        this.logger.error(`${eventType} ${conversationSid} could not be recorded nor delivered; the agent will not answer it: ${(err as Error).message}`);
      }
      return { kind: 'accepted', delivered: false };
    }
    if (recorded) await this.inbox.markDelivered(recorded.row.id).catch(() => undefined); // redelivery would be dropped as a duplicate
    this.logger.log(`${eventType} ${conversationSid} accepted${this.config.logMessageBodies ? `: ${JSON.stringify(message.body)}` : ''}`);
    return { kind: 'accepted', delivered: true };
  }
}
