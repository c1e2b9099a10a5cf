import {
  condition,
  continueAsNew,
  executeChild,
  log,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type CarriedState,
  ConversationStatusAttribute,
  type ConversationInput,
  DEDUPE_MEMORY,
  inboundMessageSignal,
  messageWorkflowId,
  statusQuery,
  TRANSCRIPT_MEMORY,
  transcriptQuery,
} from './definitions';
import { replyToMessages } from './turn.workflow';

/** Turns one run handles before continuing as new, unless Temporal suggests it earlier. */
const DEFAULT_MAX_TURNS_PER_RUN = 500;
/** A burst is closed after this many quiet windows even if the customer keeps typing. */
const MAX_COALESCE_WINDOWS = 5;

/**
 * One workflow per conversation (`conversation:<integration>:<ConversationSid>`), started by the
 * webhook with signal-with-start. It drops redelivered messages by their dedupe key, queues the rest,
 * closes a burst into one turn and runs each turn as a child workflow, one at a time, in order.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const state: CarriedState = input.carried ?? { turn: 0, pending: [], recentDedupeKeys: [], transcript: [], status: 'bot' };
  const seen = new Set(state.recentDedupeKeys);

  setHandler(inboundMessageSignal, (message) => {
    if (seen.has(message.dedupeKey)) {
      log.info('Duplicate delivery dropped', { dedupeKey: message.dedupeKey });
      return;
    }
    seen.add(message.dedupeKey);
    state.recentDedupeKeys.push(message.dedupeKey);
    if (state.recentDedupeKeys.length > DEDUPE_MEMORY) seen.delete(state.recentDedupeKeys.shift()!);
    state.pending.push(message);
  });
  setHandler(transcriptQuery, () => state.transcript);
  setHandler(statusQuery, () => state.status);

  const maxTurns = input.maxTurnsPerRun ?? DEFAULT_MAX_TURNS_PER_RUN;
  for (let turnsThisRun = 0; turnsThisRun < maxTurns && !workflowInfo().continueAsNewSuggested; turnsThisRun++) {
    await condition(() => state.pending.length > 0 || workflowInfo().continueAsNewSuggested);
    if (state.pending.length === 0) break;
    await closeBurst(state, input.coalesceWindowMs);

    const batch = state.pending.splice(0);
    for (const m of batch) remember(state, { direction: 'inbound', text: m.body, at: m.receivedAt });
    state.turn += 1;
    try {
      const result = await executeChild(replyToMessages, {
        workflowId: messageWorkflowId(workflowInfo().workflowId, state.turn),
        args: [{ integrationId: input.integrationId, conversationSid: input.conversationSid, customerPhone: input.customerPhone, messages: batch }],
      });
      remember(state, { direction: 'outbound', text: result.reply, at: new Date().toISOString(), messageSid: result.messageSid });
      if (result.status !== state.status) {
        state.status = result.status;
        upsertSearchAttributes([{ key: ConversationStatusAttribute, value: state.status }]);
      }
    } catch (err) {
      log.error('Turn failed; the conversation goes on with the next message', { turn: state.turn, error: (err as Error).message });
    }
  }
  await continueAsNew<typeof conversationWorkflow>({ ...input, carried: state });
}

/** Waits until the customer has been quiet for one window, so a burst of messages gets one reply. */
async function closeBurst(state: CarriedState, windowMs: number): Promise<void> {
  if (windowMs <= 0) return;
  for (let windows = 0; windows < MAX_COALESCE_WINDOWS; windows++) {
    const seenCount = state.pending.length;
    const more = await condition(() => state.pending.length > seenCount, windowMs);
    if (!more) return;
  }
}

function remember(state: CarriedState, entry: CarriedState['transcript'][number]): void {
  state.transcript.push(entry);
  if (state.transcript.length > TRANSCRIPT_MEMORY) state.transcript.splice(0, state.transcript.length - TRANSCRIPT_MEMORY);
}
