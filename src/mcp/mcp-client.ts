import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { OutboundUrlError } from '../security/outbound-url';
import { guardedMcpFetch } from './guarded-fetch';

/**
 * One short exchange with an MCP server over Streamable HTTP: connect, one piece of work, close.
 * Nothing is kept open between tool calls, so a worker holds no sessions and a restart loses nothing.
 * The answers are returned raw: the callers validate them (mcp-tools.ts).
 */

export interface McpEndpoint {
  url: string;
  /** Sent with every request of the exchange (an Authorization header, typically). */
  headers: Record<string, string>;
  /** ALLOW_PRIVATE_URLS. */
  allowPrivate: boolean;
}

/** A server's whole answer stream: far more than the 64 kB of text the model reads, but bounded. */
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;
/** Pages of `tools/list` followed before giving up on a server that never stops paginating. */
const MAX_PAGES = 10;

const toolsPage = z.looseObject({ tools: z.array(z.unknown()), nextCursor: z.string().optional() });

async function withClient<T>(endpoint: McpEndpoint, timeoutMs: number, work: (client: Client, left: () => number) => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  const transport = new StreamableHTTPClientTransport(new URL(endpoint.url), {
    fetch: guardedMcpFetch({ allowPrivate: endpoint.allowPrivate, maxBytes: MAX_RESPONSE_BYTES }),
    requestInit: { headers: endpoint.headers },
    // One exchange: a dropped event stream is not worth reconnecting to.
    reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
  });
  const client = new Client({ name: 'whatsapp-agent', version: '1.0.0' }, { capabilities: {} });
  try {
    await client.connect(transport, { timeout: left() });
    return await work(client, left);
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** Every tool the server lists (following its pages), unchecked. */
export async function listServerTools(endpoint: McpEndpoint, timeoutMs: number): Promise<unknown[]> {
  return withClient(endpoint, timeoutMs, async (client, left) => {
    const tools: unknown[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      // Not client.listTools(): it compiles the tools' output schemas, untrusted input the agent never uses.
      const answer = await client.request({ method: 'tools/list', params: cursor ? { cursor } : {} }, toolsPage, { timeout: left() });
      tools.push(...answer.tools);
      cursor = answer.nextCursor;
      if (!cursor) break;
    }
    return tools;
  });
}

/**
 * Calls one tool and returns the server's raw result. The idempotency key goes as `_meta` and as an
 * `Idempotency-Key` header: MCP has no standard for it, so it helps only servers that read one.
 */
export async function callServerTool(endpoint: McpEndpoint, timeoutMs: number, tool: string, args: Record<string, unknown>, idempotencyKey?: string): Promise<unknown> {
  const headers = idempotencyKey ? { ...endpoint.headers, 'idempotency-key': idempotencyKey } : endpoint.headers;
  return withClient({ ...endpoint, headers }, timeoutMs, (client, left) =>
    client.request(
      { method: 'tools/call', params: { name: tool, arguments: args, ...(idempotencyKey ? { _meta: { idempotencyKey } } : {}) } },
      z.unknown(),
      { timeout: left() },
    ),
  );
}

/** Network error codes worth another attempt. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET']);

/**
 * Whether an exchange failed for a reason another attempt may fix — a timeout, a connection that
 * could not be made or broke, a gateway that could not reach the server — rather than an answer.
 */
export function isTransientMcpFailure(err: unknown): boolean {
  // Not `instanceof Error`: Node's own network errors may come from another realm (a test's VM context).
  for (let e = err as { name?: unknown; code?: unknown; cause?: unknown } | null, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = e.cause as typeof e, depth++) {
    if (e instanceof OutboundUrlError) return e.code === 'timeout';
    if (e instanceof McpError) return e.code === ErrorCode.RequestTimeout || e.code === ErrorCode.ConnectionClosed;
    if (e instanceof StreamableHTTPError) return e.code === 502 || e.code === 503 || e.code === 504;
    if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return true;
  }
  return false;
}

/** An exchange's failure in a line the model or an administrator can read, without the headers. */
export function describeMcpFailure(err: unknown): string {
  const message = typeof (err as { message?: unknown } | null)?.message === 'string' ? (err as { message: string }).message : String(err);
  return message.replace(/\s+/g, ' ').slice(0, 500);
}
