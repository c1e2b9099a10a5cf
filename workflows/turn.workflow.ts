import { type ActivityOptions, log, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { activityFailure, alertAdministrators, deliver, failureType, waitForResume } from './delivery';
import { humanTookOverSignal, type TurnInput, type TurnResult } from './definitions';
import { asksForHuman, handoffNotice, LLM_DOWN_REPLY, NO_MODEL_REPLY, requestLanguage } from './replies';

/** The options both kinds of activity share. */
type TurnActivityOptions = Pick<ActivityOptions, 'startToCloseTimeout' | 'scheduleToCloseTimeout' | 'retry'>;

/** How a turn reaches its activities: as activities (turn child workflows) or local activities (inline turns). */
export interface TurnActivities {
  crm: Pick<Activities, 'recordInboundMessages' | 'recordReply'>;
  llm: Pick<Activities, 'generateReply'>;
  notice: Pick<Activities, 'writeHandoffNotice'>;
}

const llmOptions: TurnActivityOptions = {
  startToCloseTimeout: '45s',
  scheduleToCloseTimeout: '3m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '20s', maximumAttempts: 4, nonRetryableErrorTypes: ['LlmAuthError', 'LlmRequestRejected'] },
};
/** Phrasing the hand-off notice is a courtesy: a short try, then the fixed text in the detected language. */
const noticeOptions: TurnActivityOptions = { startToCloseTimeout: '15s', retry: { initialInterval: '1s', maximumAttempts: 2 } };

/**
 * Inline turns run their database and model calls as local activities inside the conversation's
 * workflow task: no task-queue round trip each (the send stays a regular activity, on its own
 * rate-limited queue). Same timeouts and retries as the activities.
 */
export const localTurnActivities = (): TurnActivities => ({
  crm: proxyLocalActivities<Activities>(DATABASE_ACTIVITY),
  llm: proxyLocalActivities<Activities>(llmOptions),
  notice: proxyLocalActivities<Activities>(noticeOptions),
});

const childTurnActivities = (): TurnActivities => ({
  crm: proxyActivities<Activities>(DATABASE_ACTIVITY),
  llm: proxyActivities<Activities>(llmOptions),
  notice: proxyActivities<Activities>(noticeOptions),
});

/**
 * A turn as its own child workflow (`…:turn-<n>`): how turns ran before they ran inline. Kept so that
 * turns (and conversations) started before that change replay and finish.
 */
export async function replyToMessages(turn: TurnInput): Promise<TurnResult> {
  let humanTookOver = false;
  setHandler(humanTookOverSignal, () => void (humanTookOver = true));
  return takeTurn(turn, childTurnActivities(), { idempotencyKey: `${workflowInfo().workflowId}:reply`, mayAnswer: () => !humanTookOver });
}

/**
 * One turn of a conversation: the customer's message (or a coalesced burst) in, one reply out.
 * record inbound + load context → LLM → send through Twilio → record the reply. A turn that asks for a
 * person says so in its result; the conversation workflow owns the status. `mayAnswer` is asked
 * before sending: a person may have taken over while the reply was prepared.
 */
export async function takeTurn(turn: TurnInput, { crm, llm, notice }: TurnActivities, opts: { idempotencyKey: string; mayAnswer: () => boolean }): Promise<TurnResult> {
  const context = await crm.recordInboundMessages(turn);
  const texts = turn.messages.map((m) => m.body).filter((b) => b.trim() !== '');

  let reply: string;
  let escalation: TurnResult['escalation'];
  if (texts.some(asksForHuman)) {
    const language = requestLanguage(texts);
    escalation = { cause: 'customer_request', language };
    reply = await phraseHandoffNotice(notice, turn.integrationId, texts, language);
  } else {
    try {
      const generated = await generate(llm, { integrationId: turn.integrationId, context, messages: texts.length ? texts : ['(the customer sent media without text)'] });
      if (generated.kind === 'escalate') {
        escalation = { cause: 'llm_tool', reason: generated.reason };
        reply = generated.text || handoffNotice();
      } else {
        reply = generated.kind === 'llm' ? generated.text : NO_MODEL_REPLY;
      }
    } catch (err) {
      const failure = activityFailure(err);
      if (!failure) throw err;
      await alertAdministrators(err);
      log.error('Language model unavailable after retries; answering with the fallback', { error: failure.message });
      reply = LLM_DOWN_REPLY;
      escalation = { cause: 'llm_unavailable', reason: failure.message };
    }
  }

  if (!opts.mayAnswer()) {
    log.info('A person took over while the reply was prepared; it is not sent', { conversationSid: turn.conversationSid });
    return { reply, suppressed: true };
  }
  const { idempotencyKey } = opts;
  const sent = await deliver({ integrationId: turn.integrationId, conversationSid: turn.conversationSid, body: reply, idempotencyKey }, opts.mayAnswer);
  if (sent.dropped) {
    log.info('A person took over while the reply waited to be sent; it is not sent', { conversationSid: turn.conversationSid });
    return { reply, suppressed: true };
  }
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
async function generate(llm: TurnActivities['llm'], input: Parameters<Activities['generateReply']>[0]): ReturnType<Activities['generateReply']> {
  for (;;) {
    try {
      return await llm.generateReply(input);
    } catch (err) {
      if (failureType(err) !== 'LlmAuthError') throw err;
      await alertAdministrators(err);
      await waitForResume(input.integrationId);
    }
  }
}

/** "A person will take over", in the customer's language: by the model when there is one, else the fixed text. */
async function phraseHandoffNotice(notice: TurnActivities['notice'], integrationId: string, texts: string[], language: string): Promise<string> {
  try {
    return (await notice.writeHandoffNotice({ integrationId, messages: texts })) ?? handoffNotice(language);
  } catch (err) {
    log.warn('The model could not phrase the hand-off notice; the fixed text goes out', { error: (err as Error).message });
    return handoffNotice(language);
  }
}
