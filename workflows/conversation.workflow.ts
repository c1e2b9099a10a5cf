import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  AGENT_MESSAGE_MAX_LENGTH,
  type Caller,
  type CarriedState,
  closeUpdate,
  type ConversationInput,
  DEDUPE_MEMORY,
  handBackUpdate,
  handoffQuery,
  HandoffRejection,
  inboundMessageSignal,
  humanTookOverSignal,
  messageWorkflowId,
  sendAgentMessageUpdate,
  statusQuery,
  takeOverUpdate,
  transcriptQuery,
  type TurnResult,
} from './definitions';
import { crm } from './activity-options';
import { deliver } from './delivery';
import { Handoff } from './handoff';
import { noteArrival, throttleWaitMs } from './limits';
import { remember } from './transcript';
import { localTurnActivities, replyToMessages, takeTurn } from './turn.workflow';

/** Turns one run handles before continuing as new, unless Temporal suggests it earlier. */
const DEFAULT_MAX_TURNS_PER_RUN = 500;
/** A burst is closed after this many quiet windows even if the customer keeps typing. */
const MAX_COALESCE_WINDOWS = 5;
/** Failed turns in a row after which the conversation goes to a person. */
const REPEATED_FAILURES = 2;
/**
 * Turns run inline, their database and model calls as local activities: a quarter of the Temporal
 * round trips of a child workflow per turn. Before this patch each turn was a child workflow.
 */
const INLINE_TURNS = 'inline-turns';
/**
 * The model call of an inline turn runs as a regular activity: the holding-message timer and a
 * takeover act while it runs. Before this patch it was a local activity.
 */
const LLM_AS_ACTIVITY = 'llm-as-activity';
/**
 * The agent with tools: the LLM ⇄ tool loop runs in the workflow, side effects wait for the
 * customer's confirmation. Before this patch the model call answered in one activity.
 */
const AGENT_TOOLS = 'agent-tools';

/**
 * One workflow per conversation (`conversation:<integration>:<ConversationSid>`), started by the
 * webhook with signal-with-start. It drops redelivered messages by their dedupe key, queues the rest,
 * closes a burst into one turn and runs each turn as a child workflow, one at a time, in order.
 * It holds the hand-off state (see handoff.ts): while a person owns the conversation, or one is
 * awaited, customer messages are recorded and the bot stays silent.
 */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const state: CarriedState = input.carried ?? { turn: 0, pending: [], recentDedupeKeys: [], transcript: [], status: 'bot' };
  const seen = new Set(state.recentDedupeKeys);
  const handoff = new Handoff(input, state);
  const inline = localTurnActivities();
  /** The child workflow of a turn in progress (turns started before INLINE_TURNS). */
  let runningTurn: string | undefined;

  setHandler(inboundMessageSignal, (message) => {
    if (seen.has(message.dedupeKey)) {
      log.info('Duplicate delivery dropped', { dedupeKey: message.dedupeKey });
      return;
    }
    seen.add(message.dedupeKey);
    state.recentDedupeKeys.push(message.dedupeKey);
    if (state.recentDedupeKeys.length > DEDUPE_MEMORY) seen.delete(state.recentDedupeKeys.shift()!);
    state.pending.push(message);
    noteArrival(state, Date.now());
  });
  setHandler(transcriptQuery, () => state.transcript);
  setHandler(statusQuery, () => state.status);
  setHandler(handoffQuery, () => handoff.view());

  /** A turn already running must not answer over a person (or after a close): it is told before anything else. */
  async function stopRunningTurn<T>(change: Promise<T>): Promise<T> {
    if (runningTurn) await getExternalWorkflowHandle(runningTurn).signal(humanTookOverSignal).catch(() => undefined);
    return change;
  }
  /** A summary awaiting YES and a menu flow belong to the bot's side of the conversation: a hand-off or a failed turn ends them. */
  const forgetPendingSkills = () => {
    state.pendingAction = undefined;
    state.menu = undefined;
  };
  // Each transition changes the state synchronously when called, then records it.
  setHandler(takeOverUpdate, (caller) => (forgetPendingSkills(), stopRunningTurn(handoff.takeOver(caller))), { validator: (caller) => handoff.checkTakeOver(caller) });
  setHandler(handBackUpdate, (caller) => handoff.handBack(caller), { validator: (caller) => handoff.checkHandBack(caller) });
  setHandler(closeUpdate, (caller) => stopRunningTurn(handoff.close(caller)), { validator: (caller) => handoff.checkClose(caller) });
  setHandler(sendAgentMessageUpdate, ({ caller, body }) => sendAgentMessage(caller, body), {
    validator: ({ caller, body }) => {
      handoff.checkOwner(caller);
      if (typeof body !== 'string' || body.trim() === '' || body.length > AGENT_MESSAGE_MAX_LENGTH) {
        throw ApplicationFailure.create({ type: HandoffRejection.invalidMessage, message: `body must be 1–${AGENT_MESSAGE_MAX_LENGTH} characters` });
      }
    },
  });

  /** Agent messages go out one at a time, in the order they were accepted. */
  let agentSends: Promise<unknown> = Promise.resolve();
  async function sendAgentMessage(caller: Caller, body: string) {
    state.agentMessages = (state.agentMessages ?? 0) + 1;
    const idempotencyKey = `${workflowInfo().workflowId}:agent-${state.agentMessages}`;
    const previous = agentSends;
    let done!: () => void;
    agentSends = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      const receivedAt = new Date().toISOString();
      // Only while the sender still owns the conversation (it may have been handed back meanwhile).
      const stillOwner = () => state.status === 'human' && state.assignedAgent?.id === caller.id;
      const sent = await deliver({ integrationId: input.integrationId, conversationSid: input.conversationSid, body, idempotencyKey }, stillOwner);
      if (sent.dropped) return { dropped: true };
      const sentBy = `agent:${caller.name}`;
      await crm.recordReply({
        integrationId: input.integrationId, conversationSid: input.conversationSid, author: sent.author, body, idempotencyKey,
        messageSid: sent.messageSid, acceptedAt: sent.acceptedAt, firstReceivedAt: receivedAt, sentBy, heldReason: sent.heldReason,
      });
      remember(state, { direction: 'outbound', text: body, at: sent.acceptedAt, messageSid: sent.messageSid, sentBy });
      return { messageSid: sent.messageSid, heldReason: sent.heldReason };
    } finally {
      done();
    }
  }

  const maxTurns = input.maxTurnsPerRun ?? DEFAULT_MAX_TURNS_PER_RUN;
  for (let turnsThisRun = 0; turnsThisRun < maxTurns && !workflowInfo().continueAsNewSuggested; turnsThisRun++) {
    const woken = () => state.pending.length > 0 || workflowInfo().continueAsNewSuggested;
    const timer = handoff.nextTimerMs();
    if (timer === undefined) {
      await condition(woken);
    } else if (!(await condition(woken, timer))) {
      await safely('SLA step', () => handoff.onTimer());
      turnsThisRun--; // a timer is not a turn
      continue;
    }
    if (state.pending.length === 0) break;

    if (state.status === 'bot') {
      // Beyond the customer's message-rate limit the burst waits, and is answered once per interval.
      const wait = throttleWaitMs(state, Date.now());
      if (wait > 0) {
        log.info('Customer over the message-rate limit; the burst is coalesced', { waitMs: wait, pending: state.pending.length });
        await condition(() => state.status !== 'bot', wait);
      }
    }
    if (state.status === 'closed') await safely('Reopening', () => handoff.reopen());
    if (state.status !== 'bot') {
      // A person owns the conversation or is awaited: record what the customer wrote, say nothing.
      forgetPendingSkills();
      const batch = state.pending.splice(0);
      for (const m of batch) remember(state, { direction: 'inbound', text: m.body, at: m.receivedAt });
      await safely('Recording messages for a person', () =>
        crm.recordInboundMessages({ integrationId: input.integrationId, conversationSid: input.conversationSid, customerPhone: input.customerPhone, messages: batch }),
      );
      continue;
    }
    await closeBurst(state, input.coalesceWindowMs);

    const batch = state.pending.splice(0);
    for (const m of batch) remember(state, { direction: 'inbound', text: m.body, at: m.receivedAt });
    state.turn += 1;
    state.lastTurnAt = Date.now();
    const turn = { integrationId: input.integrationId, conversationSid: input.conversationSid, customerPhone: input.customerPhone, messages: batch };
    const turnId = messageWorkflowId(workflowInfo().workflowId, state.turn);
    try {
      let result: TurnResult;
      if (patched(INLINE_TURNS)) {
        result = await takeTurn(turn, inline, {
          idempotencyKey: `${turnId}:reply`,
          mayAnswer: () => state.status === 'bot',
          tellRedaction: !state.redactionNoticeSent,
          llmAsActivity: patched(LLM_AS_ACTIVITY),
          tools: patched(AGENT_TOOLS),
          pendingAction: state.pendingAction,
          menu: state.menu,
        });
      } else {
        // Conversations whose history ran turns as child workflows replay them that way.
        runningTurn = turnId;
        result = await executeChild(replyToMessages, { workflowId: turnId, args: [turn] });
      }
      state.failedTurns = 0;
      if (result.policy) state.policy = result.policy;
      if (result.toldRedaction) state.redactionNoticeSent = true;
      if (result.pendingAction !== undefined) state.pendingAction = result.pendingAction ?? undefined;
      if (result.menu !== undefined) state.menu = result.menu ?? undefined;
      for (const call of result.toolCalls ?? []) remember(state, { direction: 'tool', text: `${call.name}: ${call.outcome}`, at: new Date().toISOString() });
      if (result.holding) remember(state, { direction: 'outbound', text: result.holding.text, at: result.holding.at, messageSid: result.holding.messageSid, sentBy: 'bot' });
      if (!result.suppressed) remember(state, { direction: 'outbound', text: result.reply, at: new Date().toISOString(), messageSid: result.messageSid, sentBy: 'bot' });
      if (result.escalation) forgetPendingSkills();
      if (result.escalation && state.status === 'bot') await safely('Escalation', () => handoff.escalate(result.escalation!));
    } catch (err) {
      state.failedTurns = (state.failedTurns ?? 0) + 1;
      forgetPendingSkills(); // a YES to a turn that failed half-way must not run its action again
      log.error('Turn failed; the conversation goes on with the next message', { turn: state.turn, error: (err as Error).message });
      if (state.failedTurns >= REPEATED_FAILURES && state.status === 'bot') {
        await safely('Escalation', () => handoff.escalate({ cause: 'repeated_failures', reason: `${state.failedTurns} turns in a row failed: ${(err as Error).message}` }, { notify: true }));
      }
    } finally {
      runningTurn = undefined;
    }
  }
  await condition(allHandlersFinished);
  await handoff.summaries.settled();
  await continueAsNew<typeof conversationWorkflow>({ ...input, carried: state });
}

/**
 * Runs a step whose failure (an activity out of retries) must not end the conversation: the failure
 * is logged and the conversation goes on. The state change the step made stays.
 */
async function safely(what: string, step: () => Promise<unknown>): Promise<void> {
  try {
    await step();
  } catch (err) {
    log.error(`${what} failed; the conversation goes on`, { error: (err as Error).message });
  }
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
