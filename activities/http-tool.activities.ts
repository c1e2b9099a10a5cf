import { ApplicationFailure, log } from '@temporalio/activity';
import type { ToolCallOutcome } from '../src/conversations/tool-calls.service';
import { buildRequest, compiled, MAX_RESPONSE_BYTES, readResponse } from '../src/http-tools/http-request';
import { httpToolMessages } from '../src/http-tools/http-tool-messages';
import type { HttpToolDefinition } from '../src/http-tools/http-tools.service';
import { TemplateError } from '../src/http-tools/url-template';
import { guardedFetch, OutboundUrlError } from '../src/security/outbound-url';
import type { ActivityDeps } from './deps';
import { createMcpToolRunner } from './mcp-tool.activities';
import { actionHash, countToolCall, type Preview, type ToolRunInput, type ToolRunOutput } from './tool.activities';

/** A custom tool's run: which tool, then what every tool run gets. */
export type HttpToolRunInput = ToolRunInput & { tool: string };

/** The one activity every custom tool (HTTP or MCP) runs as; its timeout comes from the tool's definition. */
export type HttpToolActivities = Pick<ReturnType<typeof createHttpToolActivities>, 'tool.http'>;

/**
 * Custom HTTP tools (POST /api/tools): the request to the business's API, through the SSRF guard,
 * with the tool's auth, a 64 kB cap on the response and its response schema. The tool acts for the
 * conversation it runs in and sends nothing about the customer beyond the validated arguments.
 */
export function createHttpToolRunner(deps: Pick<ActivityDeps, 'toolCalls' | 'config' | 'httpTools'>) {
  const { httpTools, toolCalls, config } = deps;
  const recorder = (tool: string, input: Pick<ToolRunInput, 'scope' | 'callKey' | 'args'>) => (outcome: ToolCallOutcome, result: unknown) => {
    countToolCall(tool, outcome);
    return toolCalls.record({ integrationId: input.scope.integrationId, conversationSid: input.scope.conversationSid, callKey: input.callKey, tool, arguments: input.args, outcome, result });
  };

  /** The tool's definition and the validated arguments; a deleted tool is a refusal the model reads. */
  async function load(name: string, args: unknown): Promise<{ tool: HttpToolDefinition; args: Record<string, unknown> } | { refused: string }> {
    const tool = await httpTools.definition(name);
    if (!tool) return { refused: `The tool ${name} no longer exists.` };
    const checked = compiled(tool.parameters).safeParse(args);
    // The step activity checked them against the same definition: a mismatch means it was replaced since.
    if (!checked.success) return { refused: `The tool ${name} was changed; call it again.` };
    return { tool, args: checked.data as Record<string, unknown> };
  }

  async function run(input: HttpToolRunInput): Promise<ToolRunOutput> {
    const record = recorder(input.tool, input);
    const refuse = async (error: string, extra: Record<string, unknown> = {}): Promise<ToolRunOutput> => {
      const result = { error, ...extra };
      await record('refused', result);
      return { outcome: 'refused', result, ...(input.actionKey ? { message: httpToolMessages.notDone(input.language) } : {}) };
    };
    const loaded = await load(input.tool, input.args);
    if ('refused' in loaded) return refuse(loaded.refused);
    const { tool, args } = loaded;
    if (tool.risk === 'write') {
      // Runs only with the summary the customer confirmed, of this very definition.
      const confirmed = input.actionKey && input.hash === actionHash(tool.name, input.args, input.callKey, input.quote) && input.quote?.toolId === tool.id;
      if (!confirmed) throw ApplicationFailure.nonRetryable(`tool.http ${tool.name} commits the business and runs only with the hash of the summary the customer confirmed`);
    }
    let request;
    try {
      request = buildRequest(tool, args, tool.risk === 'write' ? input.actionKey : undefined);
    } catch (err) {
      if (err instanceof TemplateError) return refuse(`Invalid arguments: ${err.message}`);
      throw err;
    }
    let response;
    try {
      response = await guardedFetch(request.url, request, { timeoutMs: tool.timeoutSeconds * 1000, maxBytes: MAX_RESPONSE_BYTES, allowPrivate: config.allowPrivateUrls });
    } catch (err) {
      if (err instanceof OutboundUrlError && err.code !== 'timeout') return refuse(`${tool.name}: ${err.message}`);
      log.warn('A custom HTTP tool got no answer', { tool: tool.name, error: (err as Error).message });
      throw err; // a timeout or a connection error: retried
    }
    const reading = readResponse(tool, response.status, response.headers['content-type'], response.body);
    if (reading.kind === 'retry') throw new Error(reading.error);
    if (reading.kind === 'refused') return refuse(reading.error, { ...(reading.status ? { status: reading.status } : {}), ...(reading.body !== undefined ? { body: reading.body } : {}) });
    await record('ok', reading.result);
    return { outcome: 'ok', result: reading.result, ...(input.actionKey ? { message: httpToolMessages.done(input.language) } : {}) };
  }

  /** The summary a custom `write` tool waits on: its name and validated arguments, bound to this definition. */
  async function preview(input: { tool: string; args: unknown; scope: ToolRunInput['scope']; language: string; callKey: string }): Promise<Preview> {
    const record = recorder(input.tool, input);
    const loaded = await load(input.tool, input.args);
    if ('refused' in loaded) {
      await record('refused', { error: loaded.refused });
      return { refused: loaded.refused };
    }
    const summary = httpToolMessages.summary(input.language, loaded.tool.name, loaded.args);
    const quote = { toolId: loaded.tool.id };
    await record('awaiting_confirmation', { summary, quote });
    return { summary, quote, hash: actionHash(loaded.tool.name, input.args, input.callKey, quote), expiresInMs: config.pendingActionMs };
  }

  return { run, preview };
}

export function createHttpToolActivities(deps: ActivityDeps) {
  const runner = createHttpToolRunner(deps);
  // MCP tools (`<server>__<tool>`) are custom tools too: the same activities, handed on by name.
  const mcp = createMcpToolRunner(deps);
  return {
    'tool.http': async (input: HttpToolRunInput): Promise<ToolRunOutput> => (await mcp.run(input)) ?? runner.run(input),
    /** For a custom `write` tool, what previewToolAction is for a built-in one. */
    previewHttpToolAction: async (input: Parameters<typeof runner.preview>[0]): Promise<Preview> => (await mcp.preview(input)) ?? runner.preview(input),
  };
}
