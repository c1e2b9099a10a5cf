import { Inject, Injectable, Logger } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import { InboxService } from '../inbox/inbox.service';
import { IntegrationsService } from '../integrations/integrations.service';
import { MessageScreenService } from '../policies/message-screen.service';
import { TemporalClientService } from '../temporal/temporal-client.service';
import { webhookEventLabel, webhooksTotal } from '../metrics/metrics';
import { DeliveryReceiptsService, deliveryReceiptSchema } from '../deliveries/delivery-receipts.service';
import { isSignedByTwilio } from './webhook-signature';
import { field, MESSAGE_EVENTS, type MessageEvent, readMessageEvent, type WebhookParams } from './webhook-event';

export const WEBHOOK_PATH = '/api/twilio/webhook';

/** What the webhook answers. `body`, when set, is the redacted text Twilio stores instead of the original (pre-action only). */
export type WebhookOutcome =
  | { kind: 'forbidden'; reason: string }
  | { kind: 'blocked' }
  | { kind: 'ignored'; reason: string }
  | { kind: 'duplicate'; body?: string }
  | { kind: 'accepted'; delivered: boolean; body?: string };

/**
 * The path of one Twilio webhook request: authenticate it, keep only customer messages, refuse
 * blocked senders, redact sensitive data, record it in the inbox, hand it to the conversation
 * workflow. Only a failed signature and a blocked sender are refused (an error status blocks the
 * message at the pre-action hook); every other genuine request is answered 200.
 */
@Injectable()
export class TwilioWebhookService {
  private readonly logger = new Logger(TwilioWebhookService.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly integrations: IntegrationsService,
    private readonly inbox: InboxService,
    private readonly temporal: TemporalClientService,
    private readonly screen: MessageScreenService,
    private readonly deliveries: DeliveryReceiptsService,
  ) {}

  /**
   * A delivery receipt (post-event `onDeliveryUpdated`): recorded once per receipt sid, its status
   * merged into the message only forward. A repeat is answered as a duplicate; nothing is retried.
   */
  private async deliveryUpdated(integrationId: string, params: WebhookParams): Promise<WebhookOutcome> {
    const checked = deliveryReceiptSchema.safeParse(params);
    if (!checked.success) return { kind: 'ignored', reason: `malformed delivery receipt: ${checked.error.issues.map((i) => i.path.join('.')).join(', ')}` };
    const r = checked.data;
    const moved = await this.deliveries.record(integrationId, {
      receiptSid: r.DeliveryReceiptSid, conversationSid: r.ConversationSid, messageSid: r.MessageSid, status: r.Status, errorCode: r.ErrorCode, updatedAt: r.DateUpdated,
    }, 'webhook');
    return moved ? { kind: 'accepted', delivered: true } : { kind: 'duplicate' };
  }

  /** Decides the request's outcome and counts it by event type and outcome kind. */
  async handle(request: { params: WebhookParams; signature?: string; idempotencyToken?: string; originalUrl: string }): Promise<WebhookOutcome> {
    const outcome = await this.decide(request);
    webhooksTotal.inc({ event: webhookEventLabel(field(request.params, 'EventType')), outcome: outcome.kind });
    return outcome;
  }

  private async decide(request: { params: WebhookParams; signature?: string; idempotencyToken?: string; originalUrl: string }): Promise<WebhookOutcome> {
    const receivedAt = new Date();
    const accountSid = field(request.params, 'AccountSid');
    const resolved = accountSid ? await this.integrations.resolveByAccountSid(accountSid) : null;
    if (!resolved) return { kind: 'forbidden', reason: 'unknown AccountSid' };
    const signed = isSignedByTwilio({ publicBaseUrl: this.config.publicBaseUrl, originalUrl: request.originalUrl, signature: request.signature, params: request.params, signingTokens: resolved.signingTokens });
    if (!signed) return { kind: 'forbidden', reason: 'signature does not match' };

    const { integration } = resolved;
    const eventType = field(request.params, 'EventType');
    if (eventType === 'onDeliveryUpdated') return this.deliveryUpdated(integration.id, request.params);
    if (!MESSAGE_EVENTS.includes(eventType as MessageEvent)) return { kind: 'ignored', reason: `event ${eventType ?? '(none)'}` };
    if (eventType !== integration.answeredEvent) return { kind: 'ignored', reason: `${eventType}: this integration answers ${integration.answeredEvent}` };
    if (field(request.params, 'Author') === integration.agentIdentity) return { kind: 'ignored', reason: "the agent's own message" };

    // Blocked senders and redaction first: from here on the redacted text is the only one (the dedupe
    // hash of an event without token or MessageSid included).
    const screened = await this.screen.screen(integration, field(request.params, 'Author') ?? '', field(request.params, 'Body') ?? '');
    if (screened.blocked) {
      // Too late to block a post-action event (Twilio stored it already): it is only kept from the agent.
      return eventType === 'onMessageAdd' ? { kind: 'blocked' } : { kind: 'ignored', reason: 'blocked sender' };
    }
    const read = readMessageEvent({ ...request.params, Body: screened.body }, request.idempotencyToken, receivedAt);
    if ('ignored' in read) {
      this.logger.warn(`Signed ${eventType} for integration ${integration.id} ignored: ${read.ignored}`);
      return { kind: 'ignored', reason: read.ignored };
    }
    const { conversationSid, message } = read.accepted;
    if (screened.redactions) message.redactions = screened.redactions;
    // At the pre-action hook Twilio stores this text instead of the original.
    const body = screened.redactions && eventType === 'onMessageAdd' ? screened.body : undefined;
    const target = { integrationId: integration.id, conversationSid };
    const recorded = await this.inbox.record({ integrationId: integration.id, eventType: eventType!, conversationSid, message }).catch((err: Error) => {
      this.logger.error(`${eventType} ${conversationSid}: the inbox is unavailable (${err.message}); handing the message straight to Temporal`);
      return undefined;
    });
    if (recorded && !recorded.isNew && recorded.row.status === 'delivered') return { kind: 'duplicate', body };

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
      return { kind: 'accepted', delivered: false, body };
    }
    if (recorded) await this.inbox.markDelivered(recorded.row.id).catch(() => undefined); // redelivery would be dropped as a duplicate
    const redactedNote = message.redactions ? ` (redacted: ${message.redactions.join(', ')})` : '';
    this.logger.log(`${eventType} ${conversationSid} accepted${redactedNote}${this.config.logMessageBodies ? `: ${JSON.stringify(message.body)}` : ''}`);
    return { kind: 'accepted', delivered: true, body };
  }
}
