import { z } from 'zod';

/**
 * What `POST /api/mcp-servers` accepts. The server's name prefixes its tools (`<server>__<tool>`),
 * so it may neither contain `__` nor end with `_`: the model-facing name splits back unambiguously.
 */
export const MCP_SERVER_NAME = /^[a-z][a-z0-9_]{1,20}$/;

/** Headers the MCP transport sets itself. */
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'content-type', 'accept', 'connection', 'transfer-encoding', 'idempotency-key',
  'mcp-session-id', 'mcp-protocol-version', 'last-event-id',
]);

const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name')
  .refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is set by the agent');

const risk = z.enum(['read', 'write']);

/** Names as the MCP specification allows them (letters, digits, `_`, `-`, `.`). */
const toolName = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be an MCP tool name');

export const createMcpServerSchema = z.strictObject({
  name: z
    .string()
    .regex(MCP_SERVER_NAME, 'must be 2–21 lowercase letters, digits or _, starting with a letter')
    .refine((n) => !n.includes('__') && !n.endsWith('_'), 'must not contain "__" or end with "_" (it prefixes the tools as <server>__<tool>)'),
  url: z.string().url().max(2000),
  headers: z
    .record(headerName, z.string().min(1).max(4000).regex(/^[^\r\n]*$/, 'must be one line'))
    .refine((h) => Object.keys(h).length <= 20, 'at most 20 headers')
    .optional(),
  /** Every tool's risk unless `toolRisks` names it: the server's own hints (readOnlyHint) are not trusted. */
  risk,
  toolRisks: z.record(toolName, risk).optional(),
  allowTools: z.array(toolName).max(200).optional(),
});

export type CreateMcpServer = z.output<typeof createMcpServerSchema>;
export type McpRisk = z.output<typeof risk>;
