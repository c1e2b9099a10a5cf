import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ActivityFailure, getExternalWorkflowHandle, log, ParentClosePolicy, patched, proxyActivities, startChild, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ToolActivities } from '../activities/tool.activities';
import type { HttpToolActivities } from '../activities/http-tool.activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { actionFailedReply, answerToSummary, askToConfirm, declinedReply, expiredReply } from './confirmation';
import type { Alert } from './definitions';
import {
  appointmentCancelledSignal,
  appointmentRescheduledSignal,
  appointmentWorkflowId,
  type BusinessProcess,
  followUpWorkflowId,
  orderWorkflowId,
  type MenuState,
  type PendingAction,
  returnWorkflowId,
  type ScratchMessage,
  type ToolActivityOptions,
} from './skill-definitions';
import { appointmentWorkflow } from './appointment.workflow';
import { followUpWorkflow } from './follow-up.workflow';
import { orderWorkflow } from './order.workflow';
import { returnWorkflow } from './return.workflow';

/** Tool calls one turn may make; then the model must answer in text. */
export const MAX_TOOL_CALLS = 8;
/** An identical call (same tool, same arguments) is refused the third time in a turn. */
const MAX_IDENTICAL_CALLS = 2;
/** Model calls one turn may make. */
const MAX_STEPS = MAX_TOOL_CALLS + 2;
/** Patch: a `read` tool's result may start a business process (a follow-up). */
const READ_TOOL_PROCESS = 'read-tool-process';

const records = proxyActivities<Activities>(DATABASE_ACTIVITY);

type CustomerContext = Parameters<Activities['nextAgentStep']>[0]['context'];
type ToolCallOutcome = Parameters<Activities['recordToolCall']>[0]['outcome'];
const toolActivities = (o: ToolActivityOptions) =>
  proxyActivities<ToolActivities & HttpToolActivities>({ startToCloseTimeout: `${o.timeoutSeconds}s`, retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumAttempts: o.maximumAttempts } });
/** Patch: custom HTTP tools (POST /api/tools) preview through previewHttpToolAction and run as `tool.http`. */
const CUSTOM_TOOLS = 'custom-tools';
/** Only calls to custom tools (which older histories never made) reach the patch marker. */
const isCustomTool = (o: ToolActivityOptions | undefined) => o?.custom === true && patched(CUSTOM_TOOLS);
/** A tool's activity: `tool.<name>`, or the shared `tool.http` told which custom tool to run. */
const toolActivity = (name: string, o: ToolActivityOptions): ToolActivities[`tool.${string}`] => {
  if (!isCustomTool(o)) return toolActivities(o)[`tool.${name}`]!;
  const http = toolActivities(o)['tool.http'];
  return (input) => http({ ...input, tool: name });
};

export interface AgentInput {
  integrationId: string;
  conversationSid: string;
  context: CustomerContext;
  messages: string[];
  /** When each message of the turn reached the webhook (ISO), for the confirmation of a summary. */
  receivedAt: string[];
  language: string;
  /** The turn's key (workflow id + turn): prefixes every tool call's key. */
  turnKey: string;
  /** The side effect waiting for this customer's YES, from an earlier turn. */
  pendingAction?: PendingAction;
  /** Where the customer is in menu mode (no language model). */
  menu?: MenuState;
  /** Called as soon as the pending action is answered (before any tool or model call). */
  onSettled?: () => void;
}

export type AgentOutcome = {
  /** The tool calls the turn made, for the transcript. */
  toolCalls: { name: string; outcome: string }[];
  /** The side effect now waiting for a YES; null when the turn settled (or dropped) the one before. */
  pendingAction?: PendingAction | null;
  /** Menu mode's state after this turn; null when its flow ended. */
  menu?: MenuState | null;
  alerts: Alert[];
} & (
  | { kind: 'answer'; text: string; escalation?: { reason: string; cause: 'llm_tool' | 'tool_failed' | 'customer_request' } }
  | { kind: 'no_model' }
  | { kind: 'over_budget'; scope: 'customer' | 'integration' }
);

/** How the agent reaches the model; the caller handles a paused integration around it. */
export type NextStep = (input: Parameters<Activities['nextAgentStep']>[0]) => ReturnType<Activities['nextAgentStep']>;

/**
 * One turn of the agent with tools. A summary waiting for confirmation is settled first: the
 * customer's YES runs it (once), NO or anything else drops it. Otherwise the LLM ⇄ tool loop runs
 * here, in the workflow: each model call and each tool is an activity, every call is recorded, and
 * the loop is bounded. A `write` tool never runs on the model's word: its summary, rendered from the
 * database, goes to the customer and the turn ends.
 */
export async function runAgent(next: NextStep, input: AgentInput): Promise<AgentOutcome> {
  const scope = { integrationId: input.integrationId, customerId: input.context.customerId, conversationSid: input.conversationSid };
  const toolCalls: AgentOutcome['toolCalls'] = [];
  const record = async (callKey: string, tool: string, args: unknown, outcome: ToolCallOutcome, result?: unknown) => {
    toolCalls.push({ name: tool, outcome });
    await records.recordToolCall({ integrationId: input.integrationId, conversationSid: input.conversationSid, callKey, tool, arguments: args, outcome, result });
  };

  let settled: PendingAction | null | undefined;
  const pending = input.pendingAction;
  if (pending) {
    settled = null; // whatever the customer says, this summary is answered now
    input.onSettled?.(); // settled whatever happens next in this turn: a failure later must not leave it to a later YES
    const answer = answerToSummary(input.messages.map((body, i) => ({ body, receivedAt: input.receivedAt[i] ?? '' })), pending.shownAt);
    if (Date.now() > pending.expiresAt) {
      await record(pending.callKey, pending.tool, pending.args, 'expired');
      if (answer === 'yes') return { kind: 'answer', text: expiredReply(input.language), toolCalls, pendingAction: null, alerts: [] };
    } else if (answer === 'yes') {
      const done = await confirmed(pending, scope, input);
      toolCalls.push({ name: pending.tool, outcome: done.outcome });
      return { kind: 'answer', text: done.text, toolCalls, pendingAction: null, alerts: [], ...(done.escalation ? { escalation: done.escalation } : {}) };
    } else if (answer === 'no') {
      await record(pending.callKey, pending.tool, pending.args, 'declined');
      return { kind: 'answer', text: declinedReply(input.language), toolCalls, pendingAction: null, alerts: [] };
    } else {
      await record(pending.callKey, pending.tool, pending.args, 'declined', { note: 'the customer wrote something else instead of confirming' });
    }
  }

  const scratch: ScratchMessage[] = [];
  const alerts: Alert[] = [];
  const seen = new Map<string, number>();
  let callsMade = 0;
  let escalation: { reason: string; cause: 'llm_tool' } | undefined;
  for (let stepNo = 0; stepNo < MAX_STEPS; stepNo++) {
    const toolsAllowed = callsMade < MAX_TOOL_CALLS && stepNo < MAX_STEPS - 1;
    const step = await next({
      integrationId: input.integrationId, conversationSid: input.conversationSid, context: input.context, messages: input.messages, scratch,
      language: input.language, toolsAllowed, callKeyPrefix: `${input.turnKey}:${stepNo}`,
    });
    alerts.push(...(step.alerts ?? []));
    if (step.kind === 'no_model') return { ...(await menuMode(input, scope)), toolCalls, alerts };
    if (step.kind === 'over_budget') return { ...step, toolCalls, pendingAction: settled, alerts };
    if (step.kind === 'answer') return { kind: 'answer', text: step.text, escalation, toolCalls, pendingAction: settled, alerts };

    scratch.push({ role: 'assistant', content: step.content, toolCalls: step.calls.map(({ id, name, arguments: a }) => ({ id, name, arguments: a })) });
    for (const call of step.calls) {
      const callKey = `${input.turnKey}:${stepNo}:${call.id}`;
      const answer = (result: unknown) => scratch.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(result).slice(0, 6000) });
      if (call.error !== undefined) {
        toolCalls.push({ name: call.name, outcome: 'invalid' }); // recorded by the step activity
        answer({ error: call.error });
        continue;
      }
      const identity = `${call.name}:${JSON.stringify(call.args)}`;
      const repeats = seen.get(identity) ?? 0;
      if (callsMade >= MAX_TOOL_CALLS || repeats >= MAX_IDENTICAL_CALLS) {
        const error = repeats >= MAX_IDENTICAL_CALLS ? 'This exact call was already made twice in this turn: use its result.' : 'No more tool calls in this turn: answer with what you have.';
        await record(callKey, call.name, call.args, 'limited', { error });
        answer({ error });
        continue;
      }
      seen.set(identity, repeats + 1);
      callsMade++;

      if (call.name === 'escalate_to_human') {
        escalation = { reason: String((call.args as { reason: string }).reason), cause: 'llm_tool' };
        const result = { status: 'A person from the team has been asked to take over and will reply here.' };
        await record(callKey, call.name, call.args, 'ok', result);
        answer(result);
      } else if (call.risk === 'write') {
        const preview = await (isCustomTool(call.activity) ? records.previewHttpToolAction : records.previewToolAction)({ tool: call.name, args: call.args, scope, language: input.language, callKey });
        if ('refused' in preview) {
          toolCalls.push({ name: call.name, outcome: 'refused' });
          answer({ error: preview.refused });
          continue;
        }
        toolCalls.push({ name: call.name, outcome: 'awaiting_confirmation' });
        const pendingAction: PendingAction = {
          tool: call.name, args: call.args, hash: preview.hash, callKey, summary: preview.summary, ...(preview.quote ? { quote: preview.quote } : {}),
          expiresAt: Date.now() + preview.expiresInMs, activity: call.activity!, language: input.language,
        };
        // The summary is the reply: nothing else the model asked for in this step runs.
        return { kind: 'answer', text: `${preview.summary}\n\n${askToConfirm(input.language)}`, escalation, toolCalls, pendingAction, alerts };
      } else if (call.risk === 'read') {
        try {
          const out = await toolActivity(call.name, call.activity!)({ args: call.args, scope, language: input.language, callKey });
          toolCalls.push({ name: call.name, outcome: out.outcome });
          // A read tool that schedules something for this customer (set_follow_up) starts its process
          // at once. Only such tools return `start`, so histories from before the patch never get here.
          if (out.start && patched(READ_TOOL_PROCESS)) await startProcess(out.start, input);
          answer(out.result);
        } catch (err) {
          if (!(err instanceof ActivityFailure)) throw err;
          log.warn('A tool failed after its retries', { tool: call.name, error: err.cause?.message ?? err.message });
          const error = 'The tool failed. Tell the customer you cannot check this right now and offer a person.';
          await record(callKey, call.name, call.args, 'failed', { error });
          answer({ error });
        }
      } else {
        const error = 'This action needs a staff member and is not available in this conversation.';
        await record(callKey, call.name, call.args, 'refused', { error });
        answer({ error });
      }
    }
  }
  throw new Error('The agent made no answer within its step limit');
}

/**
 * Without a language model the agent does not pretend: menu mode (menu.activities.ts) walks the
 * customer through the same tools, and a side effect waits for the same confirmation.
 */
async function menuMode(input: AgentInput, scope: { integrationId: string; customerId: string; conversationSid: string }): Promise<{ kind: 'answer'; text: string; escalation?: { reason: string; cause: 'customer_request' }; pendingAction: PendingAction | null; menu: MenuState | null }> {
  const language = input.language || 'en';
  const out = await records.menuTurn({ state: input.menu, text: input.messages[input.messages.length - 1] ?? '', scope, language, callKey: `${input.turnKey}:menu` });
  if (out.escalate) return { kind: 'answer', text: '', escalation: { reason: 'The customer chose a person from the menu', cause: 'customer_request' }, menu: null, pendingAction: null };
  if (out.pending) {
    const { expiresInMs, ...pending } = out.pending;
    return { kind: 'answer', text: `${out.pending.summary}\n\n${askToConfirm(language)}`, pendingAction: { ...pending, expiresAt: Date.now() + expiresInMs, language }, menu: null };
  }
  return { kind: 'answer', text: out.reply, menu: out.state ?? null, pendingAction: null };
}

/** The customer said YES in time: the action runs, once, under its idempotency key; then its process starts. */
async function confirmed(pending: PendingAction, scope: { integrationId: string; customerId: string; conversationSid: string }, input: AgentInput) {
  const actionKey = `${workflowInfo().workflowId}:${pending.hash}`;
  try {
    const out = await toolActivity(pending.tool, pending.activity)({ args: pending.args, scope, language: pending.language, callKey: pending.callKey, actionKey, hash: pending.hash, quote: pending.quote });
    if (out.start) await startProcess(out.start, input);
    return { text: out.message ?? actionFailedReply(pending.language), outcome: out.outcome as string };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const reason = `${pending.tool} failed after the customer confirmed: ${err.cause?.message ?? err.message}`;
    log.error('A confirmed action failed after its retries; a person is asked to check it', { tool: pending.tool, error: reason });
    await records.recordToolCall({ integrationId: input.integrationId, conversationSid: input.conversationSid, callKey: pending.callKey, tool: pending.tool, arguments: pending.args, outcome: 'failed', result: { error: reason } });
    return { text: actionFailedReply(pending.language), outcome: 'failed', escalation: { reason, cause: 'tool_failed' as const } };
  }
}

/**
 * A confirmed action's long-lived process: started as its own workflow that outlives this
 * conversation's run, or told about the change (a cancelled or moved appointment).
 */
/** A business process starts once per id: a finished order is never started again by a repeated confirmation. */
const ONCE = { parentClosePolicy: ParentClosePolicy.ABANDON, workflowIdReusePolicy: 'REJECT_DUPLICATE' } as const;

async function startProcess(process: BusinessProcess, input: AgentInput): Promise<void> {
  const conversation = { integrationId: input.integrationId, conversationSid: input.conversationSid };
  try {
    if (process.kind === 'order') {
      const { orderId, number, language, paymentTimeoutMs } = process;
      await startChild(orderWorkflow, { workflowId: orderWorkflowId(number), ...ONCE, args: [{ ...conversation, orderId, number, language, paymentTimeoutMs }] });
    } else if (process.kind === 'appointment') {
      const { appointmentId, startsAt, endsAt, language } = process;
      await startChild(appointmentWorkflow, { workflowId: appointmentWorkflowId(appointmentId), ...ONCE, args: [{ ...conversation, appointmentId, startsAt, endsAt, language }] });
    } else if (process.kind === 'return') {
      const { returnId, language, autoApprove } = process;
      await startChild(returnWorkflow, { workflowId: returnWorkflowId(returnId), ...ONCE, args: [{ ...conversation, returnId, language, autoApprove }] });
    } else if (process.kind === 'follow_up') {
      const { followUpId, dueAt } = process;
      await startChild(followUpWorkflow, { workflowId: followUpWorkflowId(followUpId), ...ONCE, args: [{ ...conversation, followUpId, dueAt, audience: 'customer' as const }] });
    } else {
      const handle = getExternalWorkflowHandle(appointmentWorkflowId(process.appointmentId));
      if (process.change === 'cancelled') await handle.signal(appointmentCancelledSignal);
      else await handle.signal(appointmentRescheduledSignal, { startsAt: process.startsAt!, endsAt: process.endsAt! });
    }
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) {
      // A confirmation repeated after a retry finds its process running. (Another deployment sharing
      // this namespace with the same order numbers would too: give each deployment its own namespace.)
      log.info('The business process is already running', { kind: process.kind });
      return;
    }
    log.warn('The business process could not be started or told', { kind: process.kind, error: (err as Error).message });
  }
}
