import { ApplicationFailure, log } from '@temporalio/activity';
import type { ToolCallOutcome } from '../src/conversations/tool-calls.service';
import { compiled } from '../src/http-tools/http-request';
import { httpToolMessages } from '../src/http-tools/http-tool-messages';
import { callServerTool, describeMcpFailure, isTransientMcpFailure } from '../src/mcp/mcp-client';
import type { McpToolDefinition } from '../src/mcp/mcp-servers.service';
import { MCP_TIMEOUT_SECONDS, readCallResult, splitOfferedName } from '../src/mcp/mcp-tools';
import type { HttpToolRunInput } from './http-tool.activities';
import type { ActivityDeps } from './deps';
import { actionHash, countToolCall, type Preview, type ToolRunInput, type ToolRunOutput } from './tool.activities';

/** Left for the call inside the activity's timeout, so a slow server is our timeout (retried), not Temporal's. */
const CALL_BUDGET_MS = (MCP_TIMEOUT_SECONDS - 2) * 1000;

/**
 * Tools of registered MCP servers (POST /api/mcp-servers), a kind of custom tool: they run as the
 * custom tools' `tool.http` activity, which hands a `<server>__<tool>` name here. Each call connects
 * through the SSRF guard, calls the tool with the arguments checked against the stored schema, and
 * returns the result's text (at most 64 kB); an error result is a refusal the model reads. Only a
 * timeout or a broken connection is retried. `run` and `preview` answer undefined for any other name.
 */
export function createMcpToolRunner(deps: Pick<ActivityDeps, 'toolCalls' | 'config' | 'mcpServers'>) {
  const { mcpServers, toolCalls, config } = deps;
  const recorder = (tool: string, input: Pick<ToolRunInput, 'scope' | 'callKey' | 'args'>) => (outcome: ToolCallOutcome, result: unknown) => {
    countToolCall(tool, outcome);
    return toolCalls.record({ integrationId: input.scope.integrationId, conversationSid: input.scope.conversationSid, callKey: input.callKey, tool, arguments: input.args, outcome, result });
  };

  async function find(name: string): Promise<McpToolDefinition | undefined> {
    return splitOfferedName(name) ? mcpServers.definition(name) : undefined;
  }

  /** The step activity checked the arguments against the same snapshot: a mismatch means it was refreshed since. */
  function check(found: McpToolDefinition, args: unknown): Record<string, unknown> | undefined {
    const checked = compiled(found.tool.parameters).safeParse(args);
    return checked.success ? (checked.data as Record<string, unknown>) : undefined;
  }

  async function run(input: HttpToolRunInput): Promise<ToolRunOutput | undefined> {
    const found = await find(input.tool);
    if (!found) return undefined;
    const record = recorder(input.tool, input);
    const refuse = async (error: string): Promise<ToolRunOutput> => {
      await record('refused', { error });
      return { outcome: 'refused', result: { error }, ...(input.actionKey ? { message: httpToolMessages.notDone(input.language) } : {}) };
    };
    const args = check(found, input.args);
    if (!args) return refuse(`The tool ${found.name} was changed; call it again.`);
    const write = found.tool.risk === 'write';
    if (write) {
      // Runs only with the summary the customer confirmed, of this very tool.
      const confirmed = input.actionKey && input.hash === actionHash(found.name, input.args, input.callKey, input.quote) && input.quote?.toolId === found.toolId;
      if (!confirmed) throw ApplicationFailure.nonRetryable(`${found.name} commits the business and runs only with the hash of the summary the customer confirmed`);
    }
    let raw: unknown;
    try {
      raw = await callServerTool({ ...found.endpoint, allowPrivate: config.allowPrivateUrls }, CALL_BUDGET_MS, found.tool.name, args, write ? input.actionKey : undefined);
    } catch (err) {
      const reason = describeMcpFailure(err);
      if (!isTransientMcpFailure(err)) return refuse(`${found.name}: ${reason}`);
      log.warn('An MCP tool got no answer', { tool: found.name, error: reason });
      throw new Error(`${found.name}: ${reason}`); // a timeout or a broken connection: retried
    }
    const reading = readCallResult(raw);
    if (!reading) return refuse(`${found.name}: the server's answer is not a tool result`);
    if (reading.isError) return refuse(`${found.name}: ${reading.text || 'the tool reported an error'}`);
    const result = { content: reading.text, ...(reading.truncated ? { truncated: true } : {}) };
    await record('ok', result);
    return { outcome: 'ok', result, ...(input.actionKey ? { message: httpToolMessages.done(input.language) } : {}) };
  }

  /** The summary an MCP `write` tool waits on: its name and validated arguments, bound to this server's tool. */
  async function preview(input: { tool: string; args: unknown; scope: ToolRunInput['scope']; language: string; callKey: string }): Promise<Preview | undefined> {
    const found = await find(input.tool);
    if (!found) return undefined;
    const record = recorder(input.tool, input);
    const args = check(found, input.args);
    if (!args) {
      const refused = `The tool ${found.name} was changed; call it again.`;
      await record('refused', { error: refused });
      return { refused };
    }
    const summary = httpToolMessages.summary(input.language, found.tool.name, args);
    const quote = { toolId: found.toolId };
    await record('awaiting_confirmation', { summary, quote });
    return { summary, quote, hash: actionHash(found.name, input.args, input.callKey, quote), expiresInMs: config.pendingActionMs };
  }

  return { run, preview };
}
