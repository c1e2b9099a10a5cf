import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { crm } from './activity-options';
import { deliverAlert } from './alert.workflow';
import { type Alert, alertWorkflowId, integrationResumedSignal, taskQueues } from './definitions';

/**
 * The send policy, shared by the bot's replies, the agents' messages and the hand-off notices: one
 * way a message reaches the customer. Also the durable alert to administrators.
 */

/** How often a workflow waiting for a paused integration checks it again, besides being woken by the resume. */
const PAUSED_RECHECK = '5 minutes';

export interface Delivery {
  integrationId: string;
  conversationSid: string;
  body: string;
  /** Stable for this message across retries and replays. */
  idempotencyKey: string;
  /** A chart sent with the text; outside the 24-hour window, the media template (REPORT_TEMPLATE_CONTENT_SID) or the text template. */
  chartId?: string;
}

export interface Delivered {
  messageSid?: string;
  author?: string;
  acceptedAt: string;
  /** Set when the message was held instead of sent (a Twilio error code, e.g. 63016). */
  heldReason?: string;
  /** True when it was no longer wanted (`stillWanted` said no) before it went out. */
  dropped?: boolean;
}

/**
 * Sends under the failure policies: a paused integration (rejected credentials) makes the workflow
 * wait durably until an administrator resumes it; outside WhatsApp's 24-hour window the approved
 * template goes out instead, or, with none configured, the message is held for a person. Every other
 * failure is retried by the activity's policy (429 after Twilio's Retry-After). `stillWanted` is asked
 * before each attempt; when it says no, nothing is sent.
 */
export async function deliver(message: Delivery, stillWanted: () => boolean = () => true): Promise<Delivered> {
  const twilio = proxyActivities<Activities>({
    taskQueue: taskQueues(workflowInfo().taskQueue).sends,
    startToCloseTimeout: '20s',
    scheduleToCloseTimeout: '24h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['IntegrationPaused', 'TwilioAuthError', 'OutsideWhatsAppWindow', 'TwilioRejected'] },
  });
  let asTemplate = false;
  for (;;) {
    // Asked before every attempt: a person may have taken over while this waited (e.g. for a resume).
    if (!stillWanted()) return { acceptedAt: new Date().toISOString(), dropped: true };
    try {
      if (message.chartId) return await twilio.sendChart({ ...message, chartId: message.chartId, ...(asTemplate ? { asTemplate } : {}) });
      return await twilio.sendReply({ ...message, asTemplate });
    } catch (err) {
      const type = failureType(err);
      if (type === 'IntegrationPaused' || type === 'TwilioAuthError') {
        await alertAdministrators(err);
        await waitForResume(message.integrationId);
      } else if (type === 'OutsideWhatsAppWindow' && !asTemplate) {
        asTemplate = true;
      } else if (type === 'OutsideWhatsAppWindow' || (type === 'TwilioRejected' && asTemplate)) {
        log.warn('Message held: outside the 24-hour window and no template could be sent', { conversationSid: message.conversationSid });
        return { acceptedAt: new Date().toISOString(), heldReason: '63016' };
      } else {
        throw err;
      }
    }
  }
}

/**
 * A business process's message in its conversation (a payment link, a reminder, a return's new
 * status), through the send policy and recorded like the bot's replies. Telling is a courtesy: a
 * message that cannot go out is logged, and the process goes on (its state is in the database).
 * Returns what happened: undefined when it could not go out, `heldReason` when it was held.
 */
export async function tellCustomer(conversation: { integrationId: string; conversationSid: string }, body: string, what: string): Promise<Delivered | undefined> {
  const idempotencyKey = `${workflowInfo().workflowId}:${what}`;
  try {
    const sent = await deliver({ ...conversation, body, idempotencyKey });
    await crm.recordReply({
      ...conversation, author: sent.author, body, idempotencyKey, messageSid: sent.messageSid,
      acceptedAt: sent.acceptedAt, sentBy: 'bot', heldReason: sent.heldReason,
    });
    return sent;
  } catch (err) {
    log.error('A message to the customer could not be sent; the process goes on', { what, error: (err as Error).message });
    return undefined; // for a process that records whether its message went out (a follow-up)
  }
}

/** Waits, durably, until an administrator resumes a paused integration. */
export async function waitForResume(integrationId: string): Promise<void> {
  let resumed = false;
  setHandler(integrationResumedSignal, () => void (resumed = true));
  const { workflowId } = workflowInfo();
  await crm.waitForIntegration({ integrationId, workflowId });
  log.warn('Integration paused; the message waits for an administrator to resume it', { integrationId });
  // Checked once after registering: a resume that read the waiting list just before we joined it
  // has already set the integration active, so nothing is left waiting for a signal that came early.
  let active = await crm.isIntegrationActive(integrationId);
  while (!active && !resumed) {
    if (await condition(() => resumed, PAUSED_RECHECK)) break;
    active = await crm.isIntegrationActive(integrationId);
  }
  await crm.stopWaitingForIntegration({ workflowId });
}

/** Starts the durable delivery of an alert a failed activity raised (once per incident). */
export async function alertAdministrators(err: unknown): Promise<void> {
  const alert = (activityFailure(err)?.details?.[0] as { alert?: Alert } | undefined)?.alert;
  if (alert) await postAlert(alert);
}

/** Records an alert (idempotently, under an id fixed by the workflow) and posts it durably. */
export async function raiseAlert(kind: Alert['kind'], message: string, integrationId: string): Promise<void> {
  const alert = await crm.raiseAlert({ id: uuid4(), kind, message, integrationId });
  await postAlert(alert);
}

/**
 * Posts alerts an activity recorded for an incident (e.g. a budget spent today). The same alert may
 * reach several workflows (an activity retried, conversations at the same moment): the alert
 * workflow's id lets one of them post it, and the others' attempts are dropped here.
 */
export async function postIncidentAlerts(alerts: Alert[]): Promise<void> {
  for (const alert of alerts) {
    try {
      await startChild(deliverAlert, {
        workflowId: alertWorkflowId(alert.id),
        args: [alert],
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      log.info('Alert already posted by another workflow', { alertId: alert.id, error: (err as Error).message });
    }
  }
}

async function postAlert(alert: Alert): Promise<void> {
  await startChild(deliverAlert, { workflowId: alertWorkflowId(alert.id), args: [alert], parentClosePolicy: ParentClosePolicy.ABANDON });
}

/**
 * The application failure an activity ended with: wrapped in an ActivityFailure for a regular
 * activity, as it is for a local one. Undefined for anything else (a bug, a cancellation).
 */
export function activityFailure(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ActivityFailure) return err.cause instanceof ApplicationFailure ? err.cause : undefined;
  return err instanceof ApplicationFailure ? err : undefined;
}

export function failureType(err: unknown): string | undefined {
  return activityFailure(err)?.type ?? undefined;
}
