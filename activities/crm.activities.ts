import type { CustomerContext, OutboundRecord } from '../src/conversations/conversations.service';
import type { TurnInput } from '../workflows/definitions';
import type { ActivityDeps } from './deps';

/** The customer record side of a turn: what came in, who it is, what was answered; and the integration's state. */
export function createCrmActivities({ conversations, integrations, waitingTurns }: ActivityDeps) {
  return {
    /** Records the turn's inbound messages (customer and conversation upserted) and returns the customer's context. */
    async recordInboundMessages(turn: TurnInput): Promise<CustomerContext> {
      return conversations.recordInbound(turn);
    },

    /** Records a reply Twilio accepted (or one held back), with its latency. */
    async recordReply(reply: OutboundRecord): Promise<void> {
      await conversations.recordReply(reply);
    },

    /** Puts a turn on the list the resume API wakes. */
    async waitForIntegration(input: { integrationId: string; workflowId: string }): Promise<void> {
      await waitingTurns.register(input.integrationId, input.workflowId);
    },

    async stopWaitingForIntegration(input: { workflowId: string }): Promise<void> {
      await waitingTurns.remove(input.workflowId);
    },

    async isIntegrationActive(integrationId: string): Promise<boolean> {
      return (await integrations.resolveById(integrationId)).integration.status === 'active';
    },
  };
}
