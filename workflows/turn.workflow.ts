import { type ActivityOptions, condition, log, proxyActivities, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { GeneratedReply } from '../activities/llm.activities';
import { type AgentInput, type AgentOutcome, runAgent } from './agent';
import { DATABASE_ACTIVITY } from './activity-options';
import type { DataAnswer, StaffSender } from './data-definitions';
import { answerStaff } from './staff-turn';
import { activityFailure, alertAdministrators, type Delivered, deliver, failureType, postIncidentAlerts, waitForResume } from './delivery';
import { humanTookOverSignal, type TurnInput, type TurnPolicy, type TurnResult } from './definitions';
import type { MenuState, PendingAction } from './skill-definitions';
import {
  asksForHuman,
  budgetReply,
  detectLanguage,
  guessLanguage,
  handoffNotice,
  holdingReply,
  LLM_DOWN_REPLY,
  NO_MODEL_REPLY,
  redactionNotice,
  requestLanguage,
  withReturnTime,
} from './replies';

/** The options both kinds of activity share. */
type TurnActivityOptions = Pick<ActivityOptions, 'startToCloseTimeout' | 'scheduleToCloseTimeout' | 'retry'>;

/** How a turn reaches its activities: as activities (turn child workflows) or local activities (inline turns). */
export interface TurnActivities {
  crm: Pick<Activities, 'recordInboundMessages' | 'recordReply'>;
  llm: Pick<Activities, 'generateReply' | 'nextAgentStep'>;
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

/** How a turn behaves beyond its activities; set by the conversation workflow. */
export interface TurnOptions {
  /** Stable per turn: the reply's idempotency key (the holding message derives its own). */
  idempotencyKey: string;
  /** Asked before anything is sent: a person may have taken over while the reply was prepared. */
  mayAnswer: () => boolean;
  /** Tell the customer why data was removed from their message, if it was (once per conversation). */
  tellRedaction?: boolean;
  /**
   * The model call as a regular activity rather than a local one, so that workflow timers (the
   * holding message) and updates (a takeover) are handled while it runs.
   */
  llmAsActivity?: boolean;
  /** The agent with tools: the LLM ⇄ tool loop runs in the workflow (agent.ts). Requires llmAsActivity. */
  tools?: boolean;
  /** The side effect waiting for this customer's YES (with `tools`). */
  pendingAction?: PendingAction;
  /** Where the customer is in menu mode (with `tools`, when no model is configured). */
  menu?: MenuState;
}

/**
 * One turn of a conversation: the customer's message (or a coalesced burst) in, one reply out.
 * record inbound + load context → LLM → send through Twilio → record the reply. A turn that asks for a
 * person says so in its result; the conversation workflow owns the status. When the reply takes
 * longer than the policy's holding time, one short holding message goes out first.
 */
export async function takeTurn(turn: TurnInput, acts: TurnActivities, opts: TurnOptions): Promise<TurnResult> {
  const { crm, notice } = acts;
  const llm = opts.llmAsActivity ? proxyActivities<Activities>(llmOptions) : acts.llm;
  const context = await crm.recordInboundMessages(turn);
  // Only with the model call as an activity (the patch that came with the policies): a history from
  // before it replays without the policies' timers even if a newer worker returned them.
  const policy: TurnPolicy | undefined = opts.llmAsActivity ? (context as { policy?: TurnPolicy }).policy : undefined;
  const texts = turn.messages.map((m) => m.body).filter((b) => b.trim() !== '');
  const tools = Boolean(opts.tools && opts.llmAsActivity);
  // With tools, a message that does not give its language away ("ok", "1042") keeps the customer's last known one.
  const known = tools ? (detectLanguage(texts) ?? (context as { language?: string | null }).language ?? undefined) : undefined;
  const language = known ?? guessLanguage(texts);

  let prepared = false;
  const holding = policy?.holdingMessageMs ? holdOn(turn, policy.holdingMessageMs, () => prepared, crm, { ...opts, language }) : undefined;
  let reply: string;
  let escalation: TurnResult['escalation'];
  let agent: Pick<AgentOutcome, 'pendingAction' | 'toolCalls' | 'menu'> = { toolCalls: [] };
  // A consent keyword (STOP, BAJA, START…) was applied when the messages were recorded: its
  // confirmation is the reply. Decided by the recorded activity result, so older histories replay as they ran.
  const consentChange = (context as { consentChange?: { reply: string } }).consentChange;
  // An owner or analyst (the staff registry said so when the messages were recorded): the data side.
  // Decided by the recorded activity result, so older histories replay as they ran.
  const staffSender = (context as { staff?: StaffSender }).staff;
  let chart: DataAnswer['chart'];
  try {
    if (staffSender) {
      const answer = await answerStaff(turn, staffSender, texts, opts.idempotencyKey.replace(/:reply$/, ''), context.customerId);
      reply = answer.text;
      chart = answer.chart;
    } else if (consentChange) {
      reply = consentChange.reply;
    } else if (texts.some(asksForHuman)) {
      if (opts.pendingAction) agent = { ...agent, pendingAction: null }; // a person takes it from here
      const requested = requestLanguage(texts);
      escalation = { cause: 'customer_request', language: requested };
      reply = await phraseHandoffNotice(notice, { integrationId: turn.integrationId, messages: texts, customerId: context.customerId }, requested);
    } else {
      try {
        const messages = texts.length ? texts : ['(the customer sent media without text)'];
        const generated: GeneratedReply = tools
          ? await agentTurn(llm, { integrationId: turn.integrationId, conversationSid: turn.conversationSid, context, messages, language: known ?? '', turnKey: opts.idempotencyKey.replace(/:reply$/, ''), pendingAction: opts.pendingAction, menu: opts.menu,
              receivedAt: turn.messages.filter((m) => m.body.trim() !== '').map((m) => m.receivedAt), onSettled: () => (agent = { ...agent, pendingAction: null }) }, (outcome) => (agent = outcome))
          : await generate(llm, { integrationId: turn.integrationId, context, messages });
        await postIncidentAlerts(generated.alerts ?? []);
        if (generated.kind === 'escalate') {
          escalation = { cause: generated.cause ?? 'llm_tool', reason: generated.reason };
          reply = generated.text || handoffNotice(language);
        } else if (generated.kind === 'over_budget') {
          log.warn('Daily LLM token budget spent; answering with the fallback', { scope: generated.scope });
          reply = budgetReply(language);
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
  } finally {
    prepared = true;
  }
  const holdingSent = await holding; // the holding message, if it is going out, goes first

  if (escalation) reply = withReturnTime(reply, escalation.language ?? language, policy?.businessHours, Date.now());
  const redactions = [...new Set(turn.messages.flatMap((m) => m.redactions ?? []))];
  const toldRedaction = Boolean(opts.tellRedaction && redactions.length > 0);
  if (toldRedaction) reply = `${redactionNotice(language, redactions)}\n\n${reply}`;

  if (!opts.mayAnswer()) {
    log.info('A person took over while the reply was prepared; it is not sent', { conversationSid: turn.conversationSid });
    return { reply, suppressed: true, policy, holding: holdingSent, ...agentResult(unshown(agent)) };
  }
  const { idempotencyKey } = opts;
  const sent = await deliver({ integrationId: turn.integrationId, conversationSid: turn.conversationSid, body: reply, idempotencyKey, ...(chart ? { chartId: chart.chartId } : {}) }, opts.mayAnswer);
  if (sent.dropped) {
    log.info('A person took over while the reply waited to be sent; it is not sent', { conversationSid: turn.conversationSid });
    return { reply, suppressed: true, policy, holding: holdingSent, ...agentResult(unshown(agent)) };
  }
  if (!sent.messageSid && !escalation) escalation = { cause: 'reply_held', reason: `Twilio ${sent.heldReason}: outside the 24-hour window` };
  // A summary counts from the moment it reached the customer; one they never got waits for nothing.
  if (agent.pendingAction) agent = sent.messageSid && !escalation ? { ...agent, pendingAction: { ...agent.pendingAction, shownAt: sent.acceptedAt } } : unshown(agent);
  await recordBotMessage(crm, turn, reply, idempotencyKey, sent, chart && sent.messageSid ? [chart] : undefined);
  return { reply, messageSid: sent.messageSid, escalation, policy, holding: holdingSent, ...(toldRedaction ? { toldRedaction } : {}), ...agentResult(agent) };
}

/** A summary that did not reach the customer (a person took over, the reply was held) is dropped. */
const unshown = (agent: Pick<AgentOutcome, 'pendingAction' | 'toolCalls' | 'menu'>) => (agent.pendingAction ? { ...agent, pendingAction: null } : agent);

/** What an agent turn adds to the result; nothing for turns without tools (their histories stay as they were). */
const agentResult = (agent: Pick<AgentOutcome, 'pendingAction' | 'toolCalls' | 'menu'>) => ({
  ...(agent.pendingAction !== undefined ? { pendingAction: agent.pendingAction } : {}),
  ...(agent.menu !== undefined ? { menu: agent.menu } : {}),
  ...(agent.toolCalls.length > 0 ? { toolCalls: agent.toolCalls } : {}),
});

/** The agent with tools, in the shape of a generated reply; its pending action and tool calls go to `keep`. */
async function agentTurn(llm: TurnActivities['llm'], input: AgentInput, keep: (outcome: AgentOutcome) => void): Promise<GeneratedReply> {
  const outcome = await runAgent((step) => untilResumed(input.integrationId, () => llm.nextAgentStep(step)), input);
  keep(outcome);
  const alerts = outcome.alerts.length > 0 ? { alerts: outcome.alerts } : {};
  if (outcome.kind !== 'answer') return { ...outcome, ...alerts };
  if (outcome.escalation) return { kind: 'escalate', text: outcome.text, reason: outcome.escalation.reason, cause: outcome.escalation.cause, model: '', ...alerts };
  return { kind: 'llm', text: outcome.text, model: '', ...alerts };
}

/**
 * The response-time expectation: when the reply is not ready after `afterMs` (a workflow timer), one
 * short holding message in the customer's language. A failure to send it never fails the turn.
 */
async function holdOn(turn: TurnInput, afterMs: number, prepared: () => boolean, crm: TurnActivities['crm'], opts: TurnOptions & { language: string }): Promise<TurnResult['holding']> {
  if (await condition(prepared, afterMs)) return undefined;
  const stillWanted = () => opts.mayAnswer() && !prepared();
  if (!stillWanted()) return undefined;
  const body = holdingReply(opts.language);
  const idempotencyKey = `${opts.idempotencyKey}:holding`;
  try {
    const sent = await deliver({ integrationId: turn.integrationId, conversationSid: turn.conversationSid, body, idempotencyKey }, stillWanted);
    if (!sent.messageSid) return undefined;
    await recordBotMessage(crm, turn, body, idempotencyKey, sent);
    return { text: body, at: sent.acceptedAt, messageSid: sent.messageSid };
  } catch (err) {
    log.warn('The holding message could not be sent; the reply follows as usual', { error: (err as Error).message });
    return undefined;
  }
}

/** Records a message the bot sent (or held) in this turn, with its latency from the turn's first message. */
async function recordBotMessage(crm: TurnActivities['crm'], turn: TurnInput, body: string, idempotencyKey: string, sent: Delivered, media?: { chartId: string; path?: string }[]): Promise<void> {
  await crm.recordReply({
    integrationId: turn.integrationId,
    conversationSid: turn.conversationSid,
    author: sent.author,
    body,
    idempotencyKey,
    messageSid: sent.messageSid,
    acceptedAt: sent.acceptedAt,
    firstReceivedAt: turn.messages[0]!.receivedAt,
    sentBy: 'bot',
    heldReason: sent.heldReason,
    ...(media ? { media } : {}),
  });
}

/**
 * The LLM turn. When the model rejects the API key the integration is paused (processing stops, once,
 * with an alert) and the turn waits for an administrator to resume, then asks again.
 */
async function generate(llm: TurnActivities['llm'], input: Parameters<Activities['generateReply']>[0]): ReturnType<Activities['generateReply']> {
  return untilResumed(input.integrationId, () => llm.generateReply(input));
}

/** A model call that, when the model rejects the API key, waits for an administrator to resume the integration and asks again. */
async function untilResumed<T>(integrationId: string, call: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (failureType(err) !== 'LlmAuthError') throw err;
      await alertAdministrators(err);
      await waitForResume(integrationId);
    }
  }
}

/** "A person will take over", in the customer's language: by the model when there is one, else the fixed text. */
async function phraseHandoffNotice(notice: TurnActivities['notice'], input: Parameters<Activities['writeHandoffNotice']>[0], language: string): Promise<string> {
  try {
    return (await notice.writeHandoffNotice(input)) ?? handoffNotice(language);
  } catch (err) {
    log.warn('The model could not phrase the hand-off notice; the fixed text goes out', { error: (err as Error).message });
    return handoffNotice(language);
  }
}
