import { ActivityFailure, log, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { alertAdministrators, deliver, failureType, waitForResume } from './delivery';
import { humanTookOverSignal, type TurnInput, type TurnResult } from './definitions';
import { asksForHuman, handoffNotice, LLM_DOWN_REPLY, NO_MODEL_REPLY, requestLanguage } from './replies';

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

/** Phrasing the hand-off notice is a courtesy: a short try, then the fixed text in the detected language. */
const notice = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', maximumAttempts: 2 },
});

/**
 * One turn of a conversation: the customer's message (or a coalesced burst) in, one reply out.
 * record inbound + load context → LLM → send through Twilio → record the reply. A turn that asks for a
 * person says so in its result; the conversation workflow owns the status.
 */
export async function replyToMessages(turn: TurnInput): Promise<TurnResult> {
  let humanTookOver = false;
  setHandler(humanTookOverSignal, () => void (humanTookOver = true));

  const context = await crm.recordInboundMessages(turn);
  const texts = turn.messages.map((m) => m.body).filter((b) => b.trim() !== '');

  let reply: string;
  let escalation: TurnResult['escalation'];
  if (texts.some(asksForHuman)) {
    const language = requestLanguage(texts);
    escalation = { cause: 'customer_request', language };
    reply = await phraseHandoffNotice(turn.integrationId, texts, language);
  } else {
    try {
      const generated = await generate({ integrationId: turn.integrationId, context, messages: texts.length ? texts : ['(the customer sent media without text)'] });
      if (generated.kind === 'escalate') {
        escalation = { cause: 'llm_tool', reason: generated.reason };
        reply = generated.text || handoffNotice();
      } else {
        reply = generated.kind === 'llm' ? generated.text : NO_MODEL_REPLY;
      }
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      await alertAdministrators(err);
      log.error('Language model unavailable after retries; answering with the fallback', { error: err.cause?.message });
      reply = LLM_DOWN_REPLY;
      escalation = { cause: 'llm_unavailable', reason: err.cause?.message };
    }
  }

  if (humanTookOver) {
    log.info('A person took over while the reply was prepared; it is not sent', { conversationSid: turn.conversationSid });
    return { reply, suppressed: true };
  }
  const idempotencyKey = `${workflowInfo().workflowId}:reply`;
  const sent = await deliver({ integrationId: turn.integrationId, conversationSid: turn.conversationSid, body: reply, idempotencyKey });
  if (!sent.messageSid && !escalation) escalation = { cause: 'reply_held', reason: `Twilio ${sent.heldReason}: outside the 24-hour window` };
  await crm.recordReply({
    integrationId: turn.integrationId,
    conversationSid: turn.conversationSid,
    author: sent.author,
    body: reply,
    idempotencyKey,
    messageSid: sent.messageSid,
    acceptedAt: sent.acceptedAt,
    firstReceivedAt: turn.messages[0]!.receivedAt,
    sentBy: 'bot',
    heldReason: sent.heldReason,
  });
  return { reply, messageSid: sent.messageSid, escalation };
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

/** "A person will take over", in the customer's language: by the model when there is one, else the fixed text. */
async function phraseHandoffNotice(integrationId: string, texts: string[], language: string): Promise<string> {
  try {
    return (await notice.writeHandoffNotice({ integrationId, messages: texts })) ?? handoffNotice(language);
  } catch (err) {
    log.warn('The model could not phrase the hand-off notice; the fixed text goes out', { error: (err as Error).message });
    return handoffNotice(language);
  }
}
