import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { isPermanentTwilioError, isTwilioAuthError, twilioErrorInfo } from '../src/twilio/twilio-errors';
import { notifyKindOf } from '../src/staff/staff-roles';
import { readSentiment } from '../src/alerts/sentiment';
import { formatMoney } from '../src/orders/money';
import { startAlertDelivery } from '../src/alerts/start-alert-delivery';
import { taskQueues } from '../workflows/definitions';
import { type MessageStaffInput, staffMessageWorkflowId } from '../workflows/staff-definitions';
import type { Alert } from '../workflows/definitions';
import type { ActivityDeps } from './deps';

/** A staff member a message is for. */
export interface StaffRecipient {
  staffId: string;
  name: string;
}

/** Who gets a staff message, and the integration whose number writes to them (null: none can). */
export interface StaffAudience {
  integrationId: string | null;
  recipients: StaffRecipient[];
}

/** Twilio codes of a participant create: already in this conversation / its binding is in another one. */
const PARTICIPANT_EXISTS = 50433;
const BINDING_IN_OTHER_CONVERSATION = 50416;
const UNIQUE_NAME_TAKEN = 50353;

/** Staff messages and alerts on WhatsApp: who receives them, and the conversation to write in. */
export function createStaffActivities({ staff, integrations, twilio, config }: ActivityDeps) {
  /** The integration that writes: the given one, or the oldest; a paused one carries no news of its own pause. */
  async function sender(integrationId: string | null, alertKind?: Alert['kind']): Promise<string | null> {
    const all = await integrations.list();
    const chosen = all.find((i) => i.id === integrationId) ?? all.find((i) => i.status === 'active') ?? all[0];
    if (!chosen || chosen.status === 'active' || !alertKind || notifyKindOf(alertKind) !== 'integration_paused') return chosen?.id ?? null;
    return all.find((i) => i.status === 'active' && i.kind === chosen.kind)?.id ?? null;
  }

  return {
    /** The staff a message is for: by ids, roles and (for an alert) who subscribed to its kind. */
    async staffAudience(input: Pick<MessageStaffInput, 'integrationId' | 'roles' | 'staffIds' | 'alertKind'>): Promise<StaffAudience> {
      const notify = input.alertKind ? notifyKindOf(input.alertKind) : undefined;
      if (input.alertKind && !notify) return { integrationId: input.integrationId, recipients: [] };
      const integrationId = await sender(input.integrationId, input.alertKind);
      if (!integrationId) return { integrationId: null, recipients: [] };
      const members = await staff.list({ integrationId, roles: input.roles, ids: input.staffIds, notify });
      return { integrationId, recipients: members.map((m) => ({ staffId: m.id, name: m.name })) };
    },

    /**
     * The conversation to write to a staff member in: their latest one with the business number, or
     * a new one (Twilio Conversations: the conversation under a unique name, so a retry finds it,
     * then the staff phone as a participant through the business number). Null on the sandbox when
     * they never wrote (it has no Twilio to open one with).
     */
    async staffConversation(input: { staffId: string; integrationId: string }): Promise<{ conversationSid: string | null }> {
      const known = await staff.conversationWith(input.staffId, input.integrationId);
      if (known) return { conversationSid: known };
      const member = await staff.byId(input.staffId);
      if (!member) return { conversationSid: null };
      const { integration, authToken } = await integrations.resolveById(input.integrationId);
      if (integration.kind === 'sandbox') return { conversationSid: null };
      const conversations = twilio.get(integration.accountSid, authToken).conversations.v1.conversations;
      const uniqueName = `staff:${member.id}`;
      try {
        const existing = await conversations(uniqueName).fetch().then((c) => c.sid, (err: unknown) => (twilioErrorInfo(err).status === 404 ? null : Promise.reject(err)));
        let sid: string = existing ?? (await conversations.create({ uniqueName, friendlyName: `Staff: ${member.name}` }).then(
          (c) => c.sid,
          // Created by an attempt whose answer was lost, between our look and our create.
          async (err: unknown) => (twilioErrorInfo(err).code === UNIQUE_NAME_TAKEN ? (await conversations(uniqueName).fetch()).sid : Promise.reject(err)),
        ));
        try {
          await conversations(sid).participants.create({ 'messagingBinding.address': member.phone, 'messagingBinding.proxyAddress': integration.phoneNumber });
        } catch (err) {
          const { code, message } = twilioErrorInfo(err);
          // WhatsApp allows one conversation per pair of numbers: Twilio names the one that has it.
          const other = code === BINDING_IN_OTHER_CONVERSATION ? /CH[0-9a-f]{32}/i.exec(message)?.[0] : undefined;
          if (other) sid = other;
          else if (code !== PARTICIPANT_EXISTS) throw err;
        }
        log.info('Opened a conversation with a staff member', { staffId: member.id, conversationSid: sid });
        return { conversationSid: await staff.rememberConversation(member.id, integration.id, sid) };
      } catch (err) {
        if (isTwilioAuthError(err) || isPermanentTwilioError(err)) {
          const { status, code, message } = twilioErrorInfo(err);
          throw ApplicationFailure.create({ message: `Twilio refused to open a conversation with staff ${member.id}: ${message}`, type: 'TwilioRejected', nonRetryable: true, details: [{ status, code }] });
        }
        throw err;
      }
    },

    /**
     * Sends a text to staff once per `key`, for code outside a workflow: starts the durable
     * `staff-message:<key>` workflow (a second start with the same key is the same message).
     */
    async messageStaff(input: MessageStaffInput): Promise<{ workflowId: string }> {
      const workflowId = staffMessageWorkflowId(input.key);
      try {
        await Context.current().client.workflow.start('staffMessage', {
          workflowId, taskQueue: taskQueues(config.temporal.taskQueue).conversations, args: [input], workflowIdReusePolicy: 'REJECT_DUPLICATE',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      }
      return { workflowId };
    },
  };
}

/**
 * `negative_sentiment`: a customer's message that reads clearly angry raises one alert per
 * conversation per day (staff's own messages never do). Called where inbound messages are recorded;
 * a retried activity finds the same alert and starts the same delivery.
 */
export async function alertOnNegativeSentiment(
  { alerts, staff, config }: Pick<ActivityDeps, 'alerts' | 'staff' | 'config'>,
  turn: { integrationId: string; conversationSid: string; customerPhone: string; messages: { body: string; receivedAt: string }[] },
): Promise<void> {
  const angry = turn.messages.map((m) => ({ m, reading: readSentiment(m.body) })).find((x) => x.reading.negative);
  if (!angry || (await staff.byPhone(turn.integrationId, turn.customerPhone))) return;
  const day = angry.m.receivedAt.slice(0, 10);
  // The customer's words stay out of it (alerts are logged); the signals say why.
  const message = `Conversation ${turn.conversationSid} with ${turn.customerPhone}: the customer sounds upset (${angry.reading.signals.join(', ')})`;
  const alert = await alerts.raiseOnce('negative_sentiment', message, turn.integrationId, `${turn.integrationId}:${turn.conversationSid}:${day}`);
  if (alert) await startAlertDelivery(Context.current().client, config, alert);
}

/** `high_value_order`: an order paid with a total (in cents) of at least HIGH_VALUE_ORDER_AMOUNT, once per order. */
export async function alertOnHighValueOrder(
  { alerts, config }: Pick<ActivityDeps, 'alerts' | 'config'>,
  order: { id: string; number: string; integrationId: string; status: string; total: number; currency: string },
): Promise<void> {
  // Off unless configured (a workflow test may build order activities with no configuration at all).
  const threshold = config?.highValueOrderAmount ?? null;
  // Totals are kept in cents; the threshold is in the currency's unit, as people say it.
  if (threshold === null || order.status !== 'paid' || order.total < Math.round(threshold * 100)) return;
  const message = `Order #${order.number} was paid: ${formatMoney(order.total, order.currency)} (high-value orders start at ${threshold} ${order.currency})`;
  const alert = await alerts.raiseOnce('high_value_order', message, order.integrationId, order.id);
  if (alert) await startAlertDelivery(Context.current().client, config, alert);
}
