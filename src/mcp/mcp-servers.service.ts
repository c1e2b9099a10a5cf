import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { toolSchemas } from '../../activities/tools';
import { APP_CONFIG } from '../common/tokens';
import { Refusal } from '../common/refusal';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import type { JsonSchema } from '../http-tools/http-tool.schema';
import { CredentialsCipher } from '../security/credentials-cipher';
import { assertPublicUrl } from '../security/outbound-url';
import { describeMcpFailure, listServerTools, type McpEndpoint } from './mcp-client';
import type { CreateMcpServer, McpRisk } from './mcp-server.schema';
import { MCP_TIMEOUT_SECONDS, type McpToolSnapshot, offeredName, type SkippedTool, snapshotTools, splitOfferedName } from './mcp-tools';

/** The server could not be reached or did not answer as an MCP server: its tools are unknown. */
export class McpServerUnreachable extends Error {
  override readonly name = 'McpServerUnreachable';
}

/** What registering or refreshing a server answers: its tools by the names the model calls them. */
export interface McpServerTools {
  id: string;
  name: string;
  tools: { name: string; description: string; risk: McpRisk }[];
  skipped: SkippedTool[];
}

/** A server as the API shows it: its headers by name only, never their values. */
export interface McpServerView extends McpServerTools {
  url: string;
  headerNames: string[];
  risk: McpRisk;
  toolRisks: Record<string, McpRisk>;
  allowTools?: string[];
  createdAt: string;
  refreshedAt: string;
}

/** An MCP tool as the model is offered it, like a custom HTTP tool. */
export interface OfferedMcpTool {
  name: string;
  description: string;
  parameters: JsonSchema;
  risk: McpRisk;
  timeoutSeconds: number;
}

/** What a call needs: the server's endpoint (headers decrypted) and the tool's snapshot. */
export interface McpToolDefinition {
  /** Binds a confirmed summary to this server's tool. */
  toolId: string;
  /** `<server>__<tool>`. */
  name: string;
  endpoint: Omit<McpEndpoint, 'allowPrivate'>;
  tool: McpToolSnapshot;
}

type Row = {
  id: string; name: string; url: string; header_names: string[]; headers_encrypted: string | null; risk: McpRisk; tool_risks: Record<string, McpRisk>;
  allow_tools: string[] | null; tools: McpToolSnapshot[]; skipped: SkippedTool[]; created_at: Date; refreshed_at: Date;
};

/** Listing a server's tools while registering or refreshing it. */
const LIST_TIMEOUT_MS = 20_000;

/** MCP servers whose tools the agent offers; their headers are encrypted under CREDENTIALS_KEY. */
@Injectable()
export class McpServersService {
  private readonly logger = new Logger(McpServersService.name);
  private readonly cipher: CredentialsCipher;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    if (!config.credentialsKey) throw new Error('CREDENTIALS_KEY is not set');
    this.cipher = new CredentialsCipher(config.credentialsKey);
  }

  /** Connects, lists the tools and stores the server with their snapshot. */
  async create(input: CreateMcpServer): Promise<McpServerTools> {
    await this.assertPrefixFree(input.name);
    const headers = input.headers ?? {};
    const { tools, skipped } = snapshotTools(input, await this.listTools(input.name, input.url, headers));
    const id = randomUUID();
    const rows = await queryRows<{ id: string }>(
      this.db,
      `INSERT INTO mcp_servers (id, name, url, header_names, headers_encrypted, risk, tool_risks, allow_tools, tools, skipped)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [
        id, input.name, input.url, JSON.stringify(Object.keys(headers)), Object.keys(headers).length > 0 ? this.cipher.encrypt(JSON.stringify(headers)) : null,
        input.risk, JSON.stringify(input.toolRisks ?? {}), input.allowTools ? JSON.stringify(input.allowTools) : null, JSON.stringify(tools), JSON.stringify(skipped),
      ],
    );
    if (rows.length === 0) throw new Refusal(`There is already an MCP server named ${input.name}`, 'name_taken');
    this.logger.log(`MCP server ${input.name} registered with ${tools.length} tools (${skipped.length} skipped)`);
    return toolsAnswer(id, input.name, tools, skipped);
  }

  async list(): Promise<McpServerView[]> {
    return (await this.rows('true', [])).map(view);
  }

  /** Lists the server's tools again; undefined when there is no such server. The old snapshot stays if it cannot be reached. */
  async refresh(id: string): Promise<McpServerTools | undefined> {
    const [row] = await this.rows('id = $1', [id]);
    if (!row) return undefined;
    const policy = { name: row.name, risk: row.risk, toolRisks: row.tool_risks, ...(row.allow_tools ? { allowTools: row.allow_tools } : {}) };
    const { tools, skipped } = snapshotTools(policy, await this.listTools(row.name, row.url, this.headers(row)));
    await this.db.query(`UPDATE mcp_servers SET tools = $2, skipped = $3, refreshed_at = now() WHERE id = $1`, [id, JSON.stringify(tools), JSON.stringify(skipped)]);
    return toolsAnswer(id, row.name, tools, skipped);
  }

  async remove(id: string): Promise<boolean> {
    return (await queryRows<{ id: string }>(this.db, `DELETE FROM mcp_servers WHERE id = $1 RETURNING id`, [id])).length > 0;
  }

  /** Every server's tools, as custom tools offered to the model. */
  async offered(): Promise<OfferedMcpTool[]> {
    const rows = await queryRows<Pick<Row, 'name' | 'tools'>>(this.db, `SELECT name, tools FROM mcp_servers ORDER BY name`);
    return rows.flatMap((row) =>
      row.tools.map((tool) => ({ name: offeredName(row.name, tool.name), description: tool.description, parameters: tool.parameters, risk: tool.risk, timeoutSeconds: MCP_TIMEOUT_SECONDS })),
    );
  }

  /** The tool behind `<server>__<tool>`, for a call; undefined when it is not (or no longer) an MCP tool. */
  async definition(name: string): Promise<McpToolDefinition | undefined> {
    const split = splitOfferedName(name);
    if (!split) return undefined;
    const [row] = await this.rows('name = $1', [split.server]);
    const tool = row?.tools.find((t) => t.name === split.tool);
    if (!row || !tool) return undefined;
    return { toolId: `${row.id}/${tool.name}`, name, endpoint: { url: row.url, headers: this.headers(row) }, tool };
  }

  /** The SSRF guard first, so a refused URL is a 400 and not an unreachable server. */
  private async listTools(server: string, url: string, headers: Record<string, string>): Promise<unknown[]> {
    await assertPublicUrl(url, { allowPrivate: this.config.allowPrivateUrls });
    try {
      return await listServerTools({ url, headers, allowPrivate: this.config.allowPrivateUrls }, LIST_TIMEOUT_MS);
    } catch (err) {
      const reason = describeMcpFailure(err);
      this.logger.warn(`MCP server ${server} could not list its tools: ${reason}`);
      throw new McpServerUnreachable(`The MCP server ${server} could not list its tools: ${reason}`);
    }
  }

  /** Its tools' names must not be taken by a built-in or custom HTTP tool (and the reverse, see HttpToolsService). */
  private async assertPrefixFree(name: string): Promise<void> {
    const prefix = `${name}__`;
    const builtIn = toolSchemas().some((s) => s.function.name.startsWith(prefix));
    const [http] = builtIn ? [] : await queryRows<{ name: string }>(this.db, `SELECT name FROM http_tools WHERE starts_with(name, $1) LIMIT 1`, [prefix]);
    if (builtIn || http) throw new Refusal(`Tools named ${prefix}… already exist; choose another name for the server`, 'name_taken');
  }

  private headers(row: Row): Record<string, string> {
    return row.headers_encrypted ? (JSON.parse(this.cipher.decrypt(row.headers_encrypted)) as Record<string, string>) : {};
  }

  private rows(where: string, params: unknown[]): Promise<Row[]> {
    return queryRows<Row>(this.db, `SELECT * FROM mcp_servers WHERE ${where} ORDER BY name`, params);
  }
}

function toolsAnswer(id: string, server: string, tools: McpToolSnapshot[], skipped: SkippedTool[]): McpServerTools {
  return { id, name: server, tools: tools.map((t) => ({ name: offeredName(server, t.name), description: t.description, risk: t.risk })), skipped };
}

function view(row: Row): McpServerView {
  return {
    ...toolsAnswer(row.id, row.name, row.tools, row.skipped),
    url: row.url,
    headerNames: row.header_names,
    risk: row.risk,
    toolRisks: row.tool_risks,
    ...(row.allow_tools ? { allowTools: row.allow_tools } : {}),
    createdAt: new Date(row.created_at).toISOString(),
    refreshedAt: new Date(row.refreshed_at).toISOString(),
  };
}
