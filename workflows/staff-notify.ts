import { ActivityFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { type Alert, alertWorkflowId } from './definitions';
import { deliver } from './delivery';
import { publish } from './events';
import { type MessageStaffInput, type StaffMessageResult, staffIdempotencyKey } from './staff-definitions';

export type { MessageStaffInput, StaffMessageResult } from './staff-definitions';

const { staffAudience } = proxyActivities<Activities>(DATABASE_ACTIVITY);
/** Opening a conversation is a Twilio call: retried like a send, but a refusal is final. */
const { staffConversation } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['TwilioRejected'] },
});

/**
 * Sends a text to staff members on WhatsApp, each once per `key`, through the send policy every
 * message follows (their latest conversation with the business number, a template outside the
 * 24-hour window, waiting while the integration is paused). Staff are reached in parallel: one
 * unreachable number delays nobody else, and its failure is logged, never thrown.
 */
export async function messageStaff(input: MessageStaffInput): Promise<StaffMessageResult> {
  const { integrationId, recipients } = await staffAudience({ integrationId: input.integrationId, roles: input.roles, staffIds: input.staffIds, alertKind: input.alertKind });
  const result: StaffMessageResult = { recipients: recipients.length, sent: 0, held: 0, failed: 0 };
  if (!integrationId) return result;
  const outcomes = await Promise.all(recipients.map((r) => toStaffMember(integrationId, r.staffId, input)));
  for (const outcome of outcomes) result[outcome] += 1;
  return result;
}

async function toStaffMember(integrationId: string, staffId: string, input: MessageStaffInput): Promise<'sent' | 'held' | 'failed'> {
  try {
    const { conversationSid } = await staffConversation({ staffId, integrationId });
    if (!conversationSid) {
      log.warn('A staff member has no conversation with the business number yet', { staffId, key: input.key });
      return 'failed';
    }
    const sent = await deliver({ integrationId, conversationSid, body: input.body, idempotencyKey: staffIdempotencyKey(input.key, staffId), ...(input.chartId ? { chartId: input.chartId } : {}) });
    return sent.heldReason ? 'held' : 'sent';
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.error('A message to a staff member could not be sent', { staffId, key: input.key, error: err.cause?.message ?? err.message });
    return 'failed';
  }
}

/** `staff-message:<key>`: a staff message started from outside a workflow (the `messageStaff` activity). */
export async function staffMessage(input: MessageStaffInput): Promise<StaffMessageResult> {
  return messageStaff(input);
}

/**
 * An alert reaches staff: published as `alert.raised` (signed webhooks), and sent on WhatsApp to
 * the staff subscribed to its kind, once per staff member (`alert:<id>:staff:<staffId>`).
 */
export async function notifyStaffOfAlert(alert: Alert): Promise<void> {
  await publish('alert.raised', { ...alert }, 'alert.raised', alert.integrationId ? { integrationId: alert.integrationId } : {});
  try {
    await messageStaff({ integrationId: alert.integrationId, alertKind: alert.kind, body: staffAlertText(alert), key: alertWorkflowId(alert.id) });
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    log.error('Staff could not be told of an alert', { alertId: alert.id, error: err.cause?.message ?? err.message });
  }
}

const ALERT_TITLES: Partial<Record<Alert['kind'], string>> = {
  handoff_requested: 'Hand-off waiting',
  handoff_sla_missed: 'Hand-off SLA missed',
  handoff_reminder: 'Hand-off still waiting',
  high_value_order: 'High-value order',
  negative_sentiment: 'Unhappy customer',
  twilio_auth_failed: 'Integration paused',
  llm_auth_failed: 'Integration paused',
  llm_budget_warning: 'Token budget',
  llm_budget_exhausted: 'Token budget spent',
  follow_up_due: 'Follow-up due',
  automation: 'Automation',
};

/** The WhatsApp text of an alert for staff. */
export function staffAlertText(alert: Alert): string {
  return `🔔 ${ALERT_TITLES[alert.kind] ?? 'Alert'}: ${alert.message}`;
}
