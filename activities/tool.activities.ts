import { createHash } from 'node:crypto';
import { Refusal } from '../src/common/refusal';
import type { ToolCallOutcome, ToolCallRecord } from '../src/conversations/tool-calls.service';
import type { CustomerScope } from '../src/orders/orders.service';
import type { BusinessProcess } from '../workflows/skill-definitions';
import { toolCallsTotal } from '../src/metrics/metrics';
import type { ActivityDeps } from './deps';
import { TOOLS, toolNamed } from './tools';
import type { ToolContext, ToolDefinition } from './tools/tool';

export interface ToolRunInput {
  args: unknown;
  scope: CustomerScope;
  language: string;
  /** Key of this call in tool_calls. */
  callKey: string;
  /** For a confirmed action: the idempotency key, the hash the customer confirmed, and the summary's quote. */
  actionKey?: string;
  hash?: string;
  quote?: Record<string, unknown>;
}

export interface ToolRunOutput {
  outcome: Extract<ToolCallOutcome, 'ok' | 'refused'>;
  /** What the model reads. */
  result: unknown;
  /** For a confirmed action: what the customer is told. */
  message?: string;
  start?: BusinessProcess;
}

type ToolActivity = (input: ToolRunInput) => Promise<ToolRunOutput>;
/** Each tool runs as its own activity, `tool.<name>`, visible by name in the Temporal UI. */
export type ToolActivities = Record<`tool.${string}`, ToolActivity>;

/** The hash a confirmation is bound to: the tool, its validated arguments, the proposing call and the summary's quote. */
export const actionHash = (tool: string, args: unknown, callKey: string, quote?: Record<string, unknown>) =>
  createHash('sha256').update(JSON.stringify([tool, args, callKey, quote ?? null])).digest('hex').slice(0, 32);

/**
 * Runs tools by the registry: `run` for a tool's handler (after checking its arguments, and for a
 * side effect the hash the customer confirmed), `preview` for the summary a side effect waits on.
 * Both record the call. The agent's activities and menu mode use the same runner.
 */
export function createToolRunner({ toolCalls, knowledge, products, orders, settings, appointments, returns, customers, followUps, config }: ActivityDeps) {
  const services = { knowledge, products, orders, settings, appointments, returns, customers, followUps, config };
  const context = (input: Pick<ToolRunInput, 'scope' | 'language' | 'actionKey' | 'quote' | 'callKey'>): ToolContext => ({ scope: input.scope, language: input.language, services, actionKey: input.actionKey, quote: input.quote, callKey: input.callKey });
  const recorder = (tool: string, input: { scope: CustomerScope; callKey: string; args: unknown }) => (outcome: ToolCallOutcome, result: unknown) => {
    countToolCall(tool, outcome);
    return toolCalls.record({ integrationId: input.scope.integrationId, conversationSid: input.scope.conversationSid, callKey: input.callKey, tool, arguments: input.args, outcome, result });
  };

  async function run(tool: ToolDefinition<unknown>, input: ToolRunInput): Promise<ToolRunOutput> {
    const record = recorder(tool.name, input);
    // Checked again here: only arguments valid for this tool reach its handler.
    const checked = tool.args.safeParse(input.args);
    if (!checked.success || !tool.run) throw new Error(`tool.${tool.name} was called with arguments it does not accept`);
    if (tool.risk !== 'read' && (!input.actionKey || input.hash !== actionHash(tool.name, input.args, input.callKey, input.quote))) {
      throw new Error(`tool.${tool.name} commits the business and runs only with the hash of the summary the customer confirmed`);
    }
    try {
      const output = await tool.run(checked.data, context(input));
      await record('ok', output.result);
      return { outcome: 'ok', ...output };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      const result = { error: err.message, code: err.code };
      await record('refused', result);
      return { outcome: 'refused', result, message: err.message };
    }
  }

  /**
   * The summary a `write` tool shows before it runs, rendered from the database, and the hash the
   * customer's YES is bound to; or the business rule that refuses it (the model reads why).
   */
  async function preview(input: { tool: string; args: unknown; scope: CustomerScope; language: string; callKey: string }): Promise<Preview> {
    const tool = toolNamed(input.tool);
    const checked = tool?.args.safeParse(input.args);
    if (!tool?.preview || !checked?.success) throw new Error(`${input.tool} has no confirmation summary for these arguments`);
    const record = recorder(tool.name, input);
    try {
      const preview = await tool.preview(checked.data, context(input));
      const { summary, quote } = typeof preview === 'string' ? { summary: preview, quote: undefined } : preview;
      await record('awaiting_confirmation', { summary, ...(quote ? { quote } : {}) });
      return { summary, quote, hash: actionHash(tool.name, input.args, input.callKey, quote), expiresInMs: config.pendingActionMs };
    } catch (err) {
      if (!(err instanceof Refusal)) throw err;
      await record('refused', { error: err.message, code: err.code });
      return { refused: err.message };
    }
  }

  return { run, preview };
}

/** Counts a recorded tool call outcome; a name outside the registry (HTTP and MCP tools) is `custom`, so labels stay bounded. */
export function countToolCall(tool: string, outcome: ToolCallOutcome): void {
  toolCallsTotal.inc({ tool: toolNamed(tool) ? tool : 'custom', outcome });
}

export type Preview = { summary: string; quote?: Record<string, unknown>; hash: string; expiresInMs: number } | { refused: string };

export function createToolActivities(deps: ActivityDeps) {
  const runner = createToolRunner(deps);
  const perTool = Object.fromEntries(TOOLS.filter((t) => t.run).map((t) => [`tool.${t.name}`, (input: ToolRunInput) => runner.run(t, input)])) as ToolActivities;

  return {
    ...perTool,
    previewToolAction: runner.preview,

    /** Records an outcome the workflow decided (declined, expired, limited, failed, the hand-off). */
    async recordToolCall(call: ToolCallRecord): Promise<void> {
      countToolCall(call.tool, call.outcome);
      await deps.toolCalls.record(call);
    },
  };
}
