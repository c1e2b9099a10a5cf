import { z } from 'zod';
import { type JsonSchema, toolParametersSchema } from '../http-tools/http-tool.schema';
import type { CreateMcpServer, McpRisk } from './mcp-server.schema';

/**
 * An MCP server's tools as the agent takes them: what its `tools/list` answered is untrusted, so each
 * tool is checked — a name the model can call, an input schema inside the subset the agent enforces
 * (the same one custom HTTP tools use) — and the others are skipped with the reason. Pure.
 */

/** `<server>__<tool>`: how the model sees an MCP tool beside the built-in and custom HTTP ones. */
export const MCP_TOOL_SEPARATOR = '__';
/** The `tool.http` activity's timeout for an MCP tool: connecting and the call together. */
export const MCP_TIMEOUT_SECONDS = 30;
/** The text of a result the model may read; longer text is cut there. */
export const MAX_RESULT_BYTES = 64 * 1024;
/** Tools one server may bring; more would crowd the model's tool list. */
const MAX_TOOLS = 64;
/** Function names the language model accepts. */
const OFFERED_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export interface McpToolSnapshot {
  /** The server's name for it (without the prefix). */
  name: string;
  description: string;
  parameters: JsonSchema;
  risk: McpRisk;
}

export interface SkippedTool {
  name: string;
  reason: string;
}

export const offeredName = (server: string, tool: string) => `${server}${MCP_TOOL_SEPARATOR}${tool}`;

/** The server and tool of a model-facing name; undefined when it is not one. Server names never contain `__`. */
export function splitOfferedName(name: string): { server: string; tool: string } | undefined {
  const at = name.indexOf(MCP_TOOL_SEPARATOR);
  if (at <= 0) return undefined;
  const tool = name.slice(at + MCP_TOOL_SEPARATOR.length);
  return tool ? { server: name.slice(0, at), tool } : undefined;
}

/** A `tools/list` entry; extra fields (annotations, outputSchema) are ignored. */
const listedTool = z.looseObject({
  name: z.string().min(1).max(128),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.looseObject({}),
});

type ServerPolicy = Pick<CreateMcpServer, 'name' | 'risk' | 'toolRisks' | 'allowTools'>;

export function snapshotTools(server: ServerPolicy, listed: unknown[]): { tools: McpToolSnapshot[]; skipped: SkippedTool[] } {
  const tools: McpToolSnapshot[] = [];
  const skipped: SkippedTool[] = [];
  const seen = new Set<string>();
  for (const item of listed) {
    const parsed = listedTool.safeParse(item);
    if (!parsed.success) {
      const name = (item as { name?: unknown } | null)?.name;
      skipped.push({ name: typeof name === 'string' ? name.slice(0, 128) : '(unnamed)', reason: 'not a valid MCP tool definition' });
      continue;
    }
    const tool = parsed.data;
    const skip = (reason: string) => skipped.push({ name: tool.name, reason });
    if (seen.has(tool.name)) {
      skip('listed twice by the server');
      continue;
    }
    seen.add(tool.name);
    if (server.allowTools && !server.allowTools.includes(tool.name)) {
      skip('not in allowTools');
      continue;
    }
    if (!OFFERED_NAME.test(offeredName(server.name, tool.name))) {
      skip(`${offeredName(server.name, tool.name)} is not a name the model can call (letters, digits, _ and -, at most 64 characters)`);
      continue;
    }
    // `$schema` names the dialect and constrains nothing; the SDK's servers always send it.
    const inputSchema: Record<string, unknown> = { ...tool.inputSchema };
    delete inputSchema.$schema;
    const parameters = toolParametersSchema.safeParse(inputSchema);
    if (!parameters.success) {
      const problems = parameters.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(schema)'}: ${i.message}`).join('; ');
      skip(`its input schema is outside the JSON Schema subset the agent enforces (${problems})`);
      continue;
    }
    if (tools.length >= MAX_TOOLS) {
      skip(`the server has more than ${MAX_TOOLS} tools; name the ones to offer in allowTools`);
      continue;
    }
    const description = (tool.description ?? tool.title ?? '').trim().slice(0, 1000) || tool.name;
    tools.push({ name: tool.name, description, parameters: parameters.data, risk: server.toolRisks?.[tool.name] ?? server.risk });
  }
  for (const name of server.allowTools ?? []) {
    if (!seen.has(name)) skipped.push({ name, reason: 'in allowTools but not offered by the server' });
  }
  return { tools, skipped };
}

/** A `tools/call` result: the content blocks are read as text; anything else is named, not passed on. */
const callResult = z.looseObject({
  content: z.array(z.looseObject({ type: z.string() })).default([]),
  structuredContent: z.record(z.string(), z.unknown()).optional(),
  isError: z.boolean().optional(),
});

export interface CallReading {
  text: string;
  isError: boolean;
  truncated: boolean;
}

/** What the model reads of a call's result; undefined when the server's answer is not a tool result. */
export function readCallResult(raw: unknown): CallReading | undefined {
  const parsed = callResult.safeParse(raw);
  if (!parsed.success) return undefined;
  const { content, structuredContent, isError } = parsed.data;
  const parts = content.map(blockText);
  let text = parts.join('\n');
  if (parts.length === 0 && structuredContent) text = JSON.stringify(structuredContent);
  const bytes = Buffer.from(text, 'utf8');
  const truncated = bytes.length > MAX_RESULT_BYTES;
  // A cut inside a multi-byte character decodes as U+FFFD: drop it.
  if (truncated) text = bytes.subarray(0, MAX_RESULT_BYTES).toString('utf8').replace(/\uFFFD$/, '');
  return { text, isError: isError === true, truncated };
}

function blockText(block: { type: string; [key: string]: unknown }): string {
  if (block.type === 'text' && typeof block.text === 'string') return block.text;
  const resource = block.resource as { text?: unknown; uri?: unknown } | undefined;
  if (block.type === 'resource' && typeof resource?.text === 'string') return resource.text;
  if (block.type === 'resource_link' && typeof block.uri === 'string') return `[link: ${block.uri.slice(0, 2000)}]`;
  return `[${block.type.slice(0, 40)} content not shown]`;
}
