import { ApplicationFailure, log } from '@temporalio/activity';
import type { CustomerContext } from '../src/conversations/conversations.service';
import type { IntegrationEntity } from '../src/integrations/integration.entity';
import type { LlmReply } from '../src/llm/llm.service';
import type { BudgetScope } from '../src/policies/usage.service';
import { agentSystemPrompt } from '../src/llm/agent-prompt';
import type { Alert } from '../workflows/definitions';
import type { CheckedToolCall, ScratchMessage } from '../workflows/skill-definitions';
import { checkToolCall, toolSchemas } from './tools';
import { customToolSet } from '../src/http-tools/offered-tools';
import type { ActivityDeps } from './deps';
import { countToolCall } from './tool.activities';

export type GeneratedReply = (
  | { kind: 'llm'; text: string; model: string }
  /** The model called escalate_to_human; `text` tells the customer a person will take over. */
  | { kind: 'escalate'; text: string; reason: string; model: string; cause?: 'llm_tool' | 'tool_failed' | 'customer_request' }
  | { kind: 'no_model' }
  /** A daily token budget is spent: no model call was made. */
  | { kind: 'over_budget'; scope: 'customer' | 'integration' }
) & {
  /** Budget alerts of this call (an incident's alert is handed out for a few minutes); the workflow posts each once. */
  alerts?: Alert[];
};

/** Status codes of an OpenAI-compatible API that retrying will not fix. */
const PERMANENT = new Set([400, 401, 403, 404, 422]);

export interface AgentStepInput {
  integrationId: string;
  conversationSid: string;
  context: CustomerContext;
  /** The customer's messages of this turn. */
  messages: string[];
  /** This turn's tool calls and results so far. */
  scratch: ScratchMessage[];
  /** The customer's language (en, es, de, fr, it, pt). */
  language: string;
  /** False once the turn's tool budget is spent: the model must answer in text. */
  toolsAllowed: boolean;
  /** Prefix of this step's keys in tool_calls. */
  callKeyPrefix: string;
}

export type AgentStep = (
  | { kind: 'answer'; text: string; model: string }
  | { kind: 'tools'; content: string | null; calls: CheckedToolCall[]; model: string }
  | { kind: 'no_model' }
  | { kind: 'over_budget'; scope: 'customer' | 'integration' }
) & { alerts?: Alert[] };

export function createLlmActivities({ llm, integrations, alerts, policies, usage, settings, toolCalls, timelines, httpTools, mcpServers }: ActivityDeps) {
  /** A failed model call as the workflow's policy needs it: a rejected key pauses the integration. */
  async function modelFailure(err: unknown, integrationId: string): Promise<unknown> {
    const status = (err as { status?: number }).status;
    if (status === 401) {
      // Authentication errors pause processing: the turn waits until an administrator resumes.
      const reason = 'The language model rejected the API key (OPENAI_API_KEY); replies wait until it is fixed and the integration resumed';
      const alert = (await integrations.pause(integrationId, reason)) ? await alerts.raise('llm_auth_failed', reason, integrationId) : undefined;
      return ApplicationFailure.create({ message: reason, type: 'LlmAuthError', nonRetryable: true, details: [{ alert }] });
    }
    if (status !== undefined && PERMANENT.has(status)) return ApplicationFailure.nonRetryable(`The language model refused the request (${status}): ${(err as Error).message}`, 'LlmRequestRejected');
    return err;
  }

  /** Checks the daily budgets before a model call; counts the call's tokens after it. */
  async function withinBudget<T extends Pick<LlmReply, 'promptTokens' | 'completionTokens'>>(integration: IntegrationEntity, customerId: string | undefined, call: () => Promise<T>, opts = { raise: true }): Promise<{ reply: T; alerts: Alert[] } | { overBudget: BudgetScope; alerts: Alert[] }> {
    const integrationId = integration.id;
    const { limits } = policies.effective(integration);
    if (customerId) {
      // Bookkeeping never fails a reply: if usage cannot be read, the call goes ahead (logged).
      const spent = await usage.spentBudget(integrationId, customerId, limits, opts).catch((err: Error) => {
        log.warn('LLM usage unreadable; the budget is not checked for this call', { integrationId, error: err.message });
        return null;
      });
      if (spent) return { overBudget: spent.scope, alerts: spent.alert ? [spent.alert] : [] };
    }
    const reply = await call();
    if (!customerId) return { reply, alerts: [] };
    // Nor can a failure to count the tokens make the activity retry (and call the model again).
    const usageOf = { integrationId, customerId, promptTokens: reply.promptTokens ?? 0, completionTokens: reply.completionTokens ?? 0 };
    const raised = await usage.record(usageOf, limits, opts).catch((err: Error) => {
      log.error('LLM usage could not be recorded', { integrationId, tokens: usageOf.promptTokens + usageOf.completionTokens, error: err.message });
      return [];
    });
    return { reply, alerts: raised };
  }

  return {
    /**
     * One LLM turn. Returns `no_model` when none is configured, so the workflow can say so honestly,
     * and `over_budget` without calling the model when a daily token budget is spent.
     */
    async generateReply(input: { integrationId: string; context: CustomerContext; messages: string[] }): Promise<GeneratedReply> {
      if (!llm.configured) return { kind: 'no_model' };
      const { integration } = await integrations.resolveById(input.integrationId);
      try {
        const result = await withinBudget(integration, input.context.customerId, () =>
          llm.reply({
            businessName: integration.name,
            systemPrompt: integration.systemPrompt,
            customerName: input.context.customerName,
            history: input.context.history,
            messages: input.messages,
          }),
        );
        const extra = result.alerts.length > 0 ? { alerts: result.alerts } : {};
        if (!('reply' in result)) return { kind: 'over_budget', scope: result.overBudget, ...extra };
        const { reply } = result;
        if (reply.escalation) return { kind: 'escalate', text: reply.text, reason: reply.escalation.reason ?? 'requested by the model', model: reply.model, ...extra };
        return { kind: 'llm', text: reply.text, model: reply.model, ...extra };
      } catch (err) {
        throw await modelFailure(err, input.integrationId);
      }
    },

    /**
     * One model call of the agent's tool loop (the workflow runs the loop). The tool calls the model
     * asks for come back checked against the registry: valid arguments with the tool's risk and
     * activity options, or the error the model will read; invalid ones are recorded here.
     */
    async nextAgentStep(input: AgentStepInput): Promise<AgentStep> {
      if (!llm.configured) return { kind: 'no_model' };
      const { integration } = await integrations.resolveById(input.integrationId);
      const business = await settings.get();
      const system = agentSystemPrompt({
        businessName: business.businessName ?? integration.name, tone: business.tone, instructions: integration.systemPrompt,
        customerName: input.context.customerName, language: input.language, today: new Date().toISOString().slice(0, 10),
        customerSummary: await timelines.agentSummary(input.context.customerId).catch(() => undefined),
      });
      // Custom tools (POST /api/tools, and MCP servers' tools) are offered beside the registry's, and their calls checked here too.
      const custom = input.toolsAllowed ? customToolSet([...(await httpTools.list()), ...(await mcpServers.offered())]) : undefined;
      try {
        const result = await withinBudget(integration, input.context.customerId, () =>
          llm.step({ system, history: input.context.history, messages: input.messages, scratch: input.scratch, tools: custom ? [...toolSchemas(), ...custom.schemas] : undefined }),
        );
        const extra = result.alerts.length > 0 ? { alerts: result.alerts } : {};
        if (!('reply' in result)) return { kind: 'over_budget', scope: result.overBudget, ...extra };
        const { reply } = result;
        if (reply.toolCalls.length === 0 || !input.toolsAllowed) {
          if (!reply.content) throw new Error('The language model returned an empty reply');
          return { kind: 'answer', text: reply.content, model: reply.model, ...extra };
        }
        const calls = await Promise.all(reply.toolCalls.map(async (call): Promise<CheckedToolCall> => {
          const checked = custom?.check(call.name, call.arguments) ?? checkToolCall(call.name, call.arguments);
          if ('error' in checked) {
            countToolCall(call.name, 'invalid');
            await toolCalls.record({ integrationId: input.integrationId, conversationSid: input.conversationSid, callKey: `${input.callKeyPrefix}:${call.id}`, tool: call.name.slice(0, 64), arguments: call.arguments.slice(0, 2000), outcome: 'invalid', result: { error: checked.error } });
            return { ...call, error: checked.error };
          }
          return { ...call, args: checked.args, risk: checked.tool.risk, activity: checked.tool.activity };
        }));
        return { kind: 'tools', content: reply.content, calls, model: reply.model, ...extra };
      } catch (err) {
        throw await modelFailure(err, input.integrationId);
      }
    },

    /**
     * The hand-off notice in the customer's language; null without a model or beyond the budget (the
     * workflow has fixed texts).
     */
    async writeHandoffNotice(input: { integrationId: string; messages: string[]; customerId?: string }): Promise<string | null> {
      if (!llm.configured) return null;
      const { integration } = await integrations.resolveById(input.integrationId);
      const result = await withinBudget(integration, input.customerId, () => llm.handoffNotice({ businessName: integration.name, messages: input.messages }), {
        raise: false, // the next reply raises any budget alert, and the workflow delivers it
      });
      return 'reply' in result ? result.reply.text : null;
    },
  };
}
