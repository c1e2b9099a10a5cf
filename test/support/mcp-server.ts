import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

/** A tool call the MCP server received: its arguments as they arrived, its `_meta`, the request's headers. */
export interface ReceivedCall {
  tool: string;
  args: unknown;
  meta: unknown;
  headers: IncomingHttpHeaders;
}

export interface TestMcpServer {
  server: Server;
  url: string;
  calls: ReceivedCall[];
  /** When set, the next `tools/list` also offers `cancel_order`. */
  withExtraTool: boolean;
  close(): Promise<void>;
}

/**
 * The business's MCP server, on 127.0.0.1, built with the SDK's McpServer and its Streamable HTTP
 * transport (stateless: a fresh server per request). It asks for a bearer token, like a real one.
 */
export async function startTestMcpServer(token: string): Promise<TestMcpServer> {
  const calls: ReceivedCall[] = [];
  const state: TestMcpServer = { server: undefined as unknown as Server, url: '', calls, withExtraTool: false, close: async () => undefined };

  const build = (headers: IncomingHttpHeaders) => {
    const mcp = new McpServer({ name: 'shop', version: '1.0.0' });
    const seen = (tool: string, args: unknown, meta: unknown) => calls.push({ tool, args, meta, headers });
    mcp.registerTool('lookup_order', {
      description: 'Where one of the customer\'s orders is, by order number.',
      inputSchema: { orderId: z.string().regex(/^[0-9]{1,10}$/).describe('The order number') },
    }, async (args, extra) => {
      seen('lookup_order', args, extra._meta);
      return { content: [{ type: 'text', text: `Order ${args.orderId}: shipped with DHL` }] };
    });
    mcp.registerTool('add_note', {
      description: 'Adds a note for the courier to one of the customer\'s orders.',
      inputSchema: { orderId: z.string(), note: z.string().max(200) },
    }, async (args, extra) => {
      seen('add_note', args, extra._meta);
      return { content: [{ type: 'text', text: 'Note saved' }] };
    });
    mcp.registerTool('order_history', { description: 'An order\'s events.', inputSchema: { orderId: z.string() } }, async (args, extra) => {
      seen('order_history', args, extra._meta);
      return { content: [{ type: 'text', text: 'x'.repeat(70_000) }] };
    });
    mcp.registerTool('find_order', { description: 'Finds an order.', inputSchema: { orderId: z.string() } }, async (args, extra) => {
      seen('find_order', args, extra._meta);
      return { content: [{ type: 'text', text: `No order ${args.orderId}` }], isError: true };
    });
    // A tuple is `prefixItems`: outside the JSON Schema subset the agent enforces, so it is skipped.
    mcp.registerTool('set_dimensions', { description: 'Parcel size.', inputSchema: { size: z.tuple([z.number(), z.number()]) } }, async () => ({ content: [] }));
    if (state.withExtraTool) {
      mcp.registerTool('cancel_order', { description: 'Cancels an order.', inputSchema: { orderId: z.string() } }, async () => ({ content: [{ type: 'text', text: 'cancelled' }] }));
    }
    return mcp;
  };

  const server = createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unauthorized' }));
      return;
    }
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const mcp = build(req.headers);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
      res.on('close', () => void transport.close().then(() => mcp.close()));
      void mcp.connect(transport).then(() => transport.handleRequest(req, res, body ? JSON.parse(body) : undefined));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.server = server;
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  state.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
