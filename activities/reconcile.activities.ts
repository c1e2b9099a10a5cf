import { Context, log } from '@temporalio/activity';
import { type AggregatedDelivery, aggregatedStatus } from '../src/deliveries/delivery-receipts.service';
import { signalInbound } from '../src/temporal/signal-inbound';
import type { ActivityDeps } from './deps';

/** How far back the reconciliation looks, and how old a message must be before it counts as missed. */
const LOOK_BACK_MS = 24 * 60 * 60_000;
const GRACE_MS = 2 * 60_000;

/**
 * Also merges the delivery status Twilio shows for the agent's messages still without a final one,
 * for receipts whose `onDeliveryUpdated` never arrived.
 *
 * Finds customer messages Twilio holds but whose webhook the agent never saw (the api was down, a
 * proxy dropped it) by listing the recent messages of active conversations, and hands each to its
 * conversation workflow once (dedupe key `message:<MessageSid>`).
 */
export function createReconcileActivities({ conversations, integrations, twilio, config, screen, deliveries }: ActivityDeps) {
  return {
    async reconcileInbound(): Promise<{ checkedConversations: number; recovered: number; receiptsRecovered?: number }> {
      let checkedConversations = 0;
      let recovered = 0;
      let receiptsRecovered = 0;
      const now = Date.now();
      for (const integration of await integrations.list()) {
        if (integration.kind !== 'twilio' || integration.status !== 'active') continue;
        const { authToken } = await integrations.resolveById(integration.id);
        const client = twilio.get(integration.accountSid, authToken);
        for (const conversationSid of await conversations.recentConversations(integration.id, new Date(now - LOOK_BACK_MS))) {
          checkedConversations++;
          Context.current().heartbeat(checkedConversations);
          const recent = await client.conversations.v1.conversations(conversationSid).messages.list({ order: 'desc', limit: 20 });
          const awaitingReceipts = await deliveries.awaitingReceipts(integration.id, conversationSid);
          for (const m of recent.reverse()) {
            const at = m.dateCreated ?? new Date(now);
            // The agent's own messages: a delivery status Twilio has but never pushed (onDeliveryUpdated lost).
            const status = awaitingReceipts.has(m.sid) ? aggregatedStatus(m.delivery as AggregatedDelivery) : undefined;
            if (status && (await deliveries.record(integration.id, { receiptSid: `reconciled:${m.sid}`, conversationSid, messageSid: m.sid, status }, 'reconciliation'))) receiptsRecovered++;
            if (!m.author || m.author === integration.agentIdentity || now - at.getTime() < GRACE_MS) continue;
            // The webhook's checks apply: a blocked sender's message stays out, the rest is redacted
            // (and compared with what the webhook recorded in its redacted form).
            const screened = await screen.screen(integration, m.author, m.body ?? '');
            if (screened.blocked) continue;
            const body = screened.body;
            if (await conversations.knowsInbound(integration.id, { messageSid: m.sid, author: m.author, body, at })) continue;
            await signalInbound(Context.current().client, config, { integrationId: integration.id, conversationSid }, {
              dedupeKey: `message:${m.sid}`,
              body,
              author: m.author,
              messageSid: m.sid,
              receivedAt: at.toISOString(),
              ...(screened.redactions ? { redactions: screened.redactions } : {}),
            });
            recovered++;
            log.warn('Recovered a customer message whose webhook never arrived', { integrationId: integration.id, conversationSid, messageSid: m.sid });
          }
        }
      }
      return { checkedConversations, recovered, receiptsRecovered };
    },
  };
}
