import type { CustomerContext, OutboundRecord } from '../src/conversations/conversations.service';
import type { TurnInput } from '../workflows/definitions';
import type { ActivityDeps } from './deps';

/** The customer record side of a turn: what came in, who it is, what was answered. */
export function createCrmActivities({ conversations }: ActivityDeps) {
  return {
    /** Records the turn's inbound messages (customer and conversation upserted) and returns the customer's context. */
    async recordInboundMessages(turn: TurnInput): Promise<CustomerContext> {
      return conversations.recordInbound(turn);
    },

    /** Records a reply Twilio accepted, with its latency. */
    async recordReply(reply: OutboundRecord): Promise<void> {
      await conversations.recordReply(reply);
    },
  };
}
