import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  log,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { deliverAlert } from './alert.workflow';
import {
  type Alert,
  alertWorkflowId,
  type ConversationStatus,
  integrationResumedSignal,
  taskQueues,
  type TurnInput,
  type TurnResult,
} from './definitions';
import { asksForHuman, HUMAN_REQUESTED_REPLY, LLM_DOWN_REPLY, NO_MODEL_REPLY } from './replies';

const crm = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

const llm = proxyActivities<Activities>({
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '3m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4, nonRetryableErrorTypes: ['LlmAuthError', 'LlmRequestRejected'] },
});

/** How often a turn waiting for a paused integration checks it again, besides being woken by the resume. */
const PAUSED_RECHECK = '5 minutes';

/**
 * One turn of a conversation: the customer's message (or a coalesced burst) in, one reply out.
 * record inbound + load context → LLM → send through Twilio → record the reply.
 */
export async function replyToMessages(turn: TurnInput): Promise<TurnResult> {
  const context = await crm.recordInboundMessages(turn);
  const texts = turn.messages.map((m) => m.body).filter((b) => b.trim() !== '');

  let reply: string;
  let status: ConversationStatus = 'bot';
  if (texts.some(asksForHuman)) {
    reply = HUMAN_REQUESTED_REPLY;
    status = 'waiting_for_human';
  } else {
    try {
      const generated = await generate({ integrationId: turn.integrationId, context, messages: texts.length ? texts : ['(the customer sent media without text)'] });
      reply = generated.kind === 'llm' ? generated.text : NO_MODEL_REPLY;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await alertAdministrators(err);
      log.error('Language model unavailable after retries; answering with the fallback', { error: err.cause?.message });
      reply = LLM_DOWN_REPLY;
      status = 'waiting_for_human';
    }
  }

  const idempotencyKey = `${workflowInfo().workflowId}:reply`;
  const sent = await deliver(turn, reply, idempotencyKey);
  if (!sent.messageSid) status = 'waiting_for_human';
  await crm.recordReply({
    integrationId: turn.integrationId,
    conversationSid: turn.conversationSid,
    author: sent.author,
    body: reply,
    idempotencyKey,
    messageSid: sent.messageSid,
    acceptedAt: sent.acceptedAt,
    firstReceivedAt: turn.messages[0]!.receivedAt,
    status,
    heldReason: sent.heldReason,
  });
  return { reply, messageSid: sent.messageSid, status };
}

/**
 * The LLM turn. When the model rejects the API key the integration is paused (processing stops, once,
 * with an alert) and the turn waits for an administrator to resume, then asks again.
 */
async function generate(input: Parameters<Activities['generateReply']>[0]): ReturnType<Activities['generateReply']> {
  for (;;) {
    try {
      return await llm.generateReply(input);
    } catch (err) {
      if (failureType(err) !== 'LlmAuthError') throw err;
      await alertAdministrators(err as ActivityFailure);
      await waitForResume(input.integrationId);
    }
  }
}

/**
 * Sends the reply under the failure policies: a paused integration (rejected credentials) makes the
 * turn wait durably until an administrator resumes it; outside WhatsApp's 24-hour window the approved
 * template goes out instead, or, with none configured, the reply is held for a person. Every other
 * failure is retried by the activity's policy (429 after Twilio's Retry-After).
 */
async function deliver(turn: TurnInput, body: string, idempotencyKey: string): Promise<{ messageSid?: string; author?: string; acceptedAt: string; heldReason?: string }> {
  const twilio = proxyActivities<Activities>({
    taskQueue: taskQueues(workflowInfo().taskQueue).sends,
    startToCloseTimeout: '20s',
    scheduleToCloseTimeout: '24h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', nonRetryableErrorTypes: ['IntegrationPaused', 'TwilioAuthError', 'OutsideWhatsAppWindow', 'TwilioRejected'] },
  });
  const send = { integrationId: turn.integrationId, conversationSid: turn.conversationSid, body, idempotencyKey };
  let asTemplate = false;
  for (;;) {
    try {
      return await twilio.sendReply({ ...send, asTemplate });
    } catch (err) {
      const type = failureType(err);
      if (type === 'IntegrationPaused' || type === 'TwilioAuthError') {
        await alertAdministrators(err as ActivityFailure);
        await waitForResume(turn.integrationId);
      } else if (type === 'OutsideWhatsAppWindow' && !asTemplate) {
        asTemplate = true;
      } else if (type === 'OutsideWhatsAppWindow' || (type === 'TwilioRejected' && asTemplate)) {
        log.warn('Reply held: outside the 24-hour window and no template could be sent', { conversationSid: turn.conversationSid });
        return { acceptedAt: new Date().toISOString(), heldReason: '63016' };
      } else {
        throw err;
      }
    }
  }
}

async function waitForResume(integrationId: string): Promise<void> {
  let resumed = false;
  setHandler(integrationResumedSignal, () => void (resumed = true));
  const { workflowId } = workflowInfo();
  await crm.waitForIntegration({ integrationId, workflowId });
  log.warn('Integration paused; the reply waits for an administrator to resume it', { integrationId });
  // Checked once after registering: a resume that read the waiting list just before we joined it
  // has already set the integration active, so nothing is left waiting for a signal that came early.
  let active = await crm.isIntegrationActive(integrationId);
  while (!active && !resumed) {
    if (await condition(() => resumed, PAUSED_RECHECK)) break;
    active = await crm.isIntegrationActive(integrationId);
  }
  await crm.stopWaitingForIntegration({ workflowId });
}

/** Starts the durable delivery of an alert the failed activity raised (once per incident). */
async function alertAdministrators(err: ActivityFailure): Promise<void> {
  const cause = err.cause;
  const alert = cause instanceof ApplicationFailure ? (cause.details?.[0] as { alert?: Alert } | undefined)?.alert : undefined;
  if (!alert) return;
  await startChild(deliverAlert, { workflowId: alertWorkflowId(alert.id), args: [alert], parentClosePolicy: ParentClosePolicy.ABANDON });
}

function failureType(err: unknown): string | undefined {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type ?? undefined : undefined;
}
