import { ActivityFailure, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { type ConversationStatus, taskQueues, type TurnInput, type TurnResult } from './definitions';
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

/**
 * One turn of a conversation: the customer's message (or a coalesced burst) in, one reply out.
 * record inbound + load context → LLM → send through Twilio → record the reply.
 */
export async function replyToMessages(turn: TurnInput): Promise<TurnResult> {
  const twilio = proxyActivities<Activities>({
    taskQueue: taskQueues(workflowInfo().taskQueue).sends,
    startToCloseTimeout: '20s',
    scheduleToCloseTimeout: '24h',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m', nonRetryableErrorTypes: ['TwilioAuthError', 'TwilioRejected'] },
  });

  const context = await crm.recordInboundMessages(turn);
  const texts = turn.messages.map((m) => m.body).filter((b) => b.trim() !== '');

  let reply: string;
  let status: ConversationStatus = 'bot';
  if (texts.some(asksForHuman)) {
    reply = HUMAN_REQUESTED_REPLY;
    status = 'waiting_for_human';
  } else {
    try {
      const generated = await llm.generateReply({ integrationId: turn.integrationId, context, messages: texts.length ? texts : ['(the customer sent media without text)'] });
      reply = generated.kind === 'llm' ? generated.text : NO_MODEL_REPLY;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.error('Language model unavailable after retries; answering with the fallback', { error: err.cause?.message });
      reply = LLM_DOWN_REPLY;
      status = 'waiting_for_human';
    }
  }

  const idempotencyKey = `${workflowInfo().workflowId}:reply`;
  const sent = await twilio.sendReply({ integrationId: turn.integrationId, conversationSid: turn.conversationSid, body: reply, idempotencyKey });
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
  });
  return { reply, messageSid: sent.messageSid, status };
}
