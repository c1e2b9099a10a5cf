import type { CustomerContext, OutboundRecord, StatusChange } from '../src/conversations/conversations.service';
import { consentKeyword, consentReply } from '../src/customers/consent-keywords';
import type { Alert, TurnInput, TurnPolicy } from '../workflows/definitions';
import type { ActivityDeps } from './deps';
import { alertOnNegativeSentiment } from './staff.activities';
import { DATA_ROLES, type StaffSender } from '../workflows/data-definitions';

/** A consent keyword the turn carried: applied at once; the reply confirms it instead of the agent's answer. */
export interface ConsentChange {
  to: 'opted_in' | 'opted_out';
  reply: string;
}

/** The customer record side of a turn: what came in, who it is, what was answered; and the integration's state. */
export function createCrmActivities({ conversations, integrations, waitingTurns, alerts, policies, customers, staff, config }: ActivityDeps) {
  return {
    /**
     * Records the turn's inbound messages (customer and conversation upserted) and returns the
     * customer's context, with the message policies the conversation applies from this turn on.
     */
    async recordInboundMessages(turn: TurnInput): Promise<CustomerContext & { policy: TurnPolicy; consentChange?: ConsentChange; staff?: StaffSender }> {
      const context = await conversations.recordInbound(turn);
      // The sender's role, from the staff registry, for this turn: owners and analysts reach the data side.
      const member = await staff.byPhone(turn.integrationId, turn.customerPhone);
      if (member && DATA_ROLES.includes(member.role)) {
        return { ...context, policy: await policies.forTurn(turn.integrationId), staff: { id: member.id, name: member.name, role: member.role } };
      }
      await alertOnNegativeSentiment({ alerts, staff, config }, turn);
      const consentChange = await applyConsentKeyword(turn, context);
      return { ...context, policy: await policies.forTurn(turn.integrationId), ...(consentChange ? { consentChange } : {}) };
    },

    /** Records a reply Twilio accepted (or one held back), with its latency and who sent it. */
    async recordReply(reply: OutboundRecord): Promise<void> {
      await conversations.recordReply(reply);
    },

    /** Records a hand-off status change with its cause; an older change never overwrites a newer one. */
    async recordStatusChange(change: StatusChange): Promise<void> {
      await conversations.recordStatusChange(change);
    },

    /** Records an administrator alert under the id the workflow chose, once. */
    async raiseAlert(input: { id: string; kind: Alert['kind']; message: string; integrationId: string }): Promise<Alert> {
      return alerts.raise(input.kind, input.message, input.integrationId, input.id);
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

  /** A message that is only STOP / BAJA / START… changes the customer's marketing consent, recorded with that message. */
  async function applyConsentKeyword(turn: TurnInput, context: CustomerContext): Promise<ConsentChange | undefined> {
    const message = [...turn.messages].reverse().find((m) => consentKeyword(m.body));
    const keyword = message && consentKeyword(message.body);
    if (!message || !keyword) return undefined;
    await customers.setConsentByKeyword(context.customerId, keyword.to, keyword.keyword, { integrationId: turn.integrationId, dedupeKey: message.dedupeKey });
    return { to: keyword.to, reply: consentReply(keyword.language ?? context.language, keyword.to) };
  }
}
