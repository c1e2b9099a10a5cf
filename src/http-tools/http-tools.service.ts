import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { toolNamed } from '../../activities/tools';
import { APP_CONFIG } from '../common/tokens';
import { Refusal } from '../common/refusal';
import type { AppConfig } from '../config/config';
import { queryRows } from '../database/sql';
import { CredentialsCipher } from '../security/credentials-cipher';
import { splitOfferedName } from '../mcp/mcp-tools';
import type { CreateHttpTool, HttpToolAuth, JsonSchema } from './http-tool.schema';

/** A custom HTTP tool as the API shows it: the auth by its kind only, never its secret. */
export interface HttpToolView {
  id: string;
  name: string;
  description: string;
  parameters: JsonSchema;
  method: CreateHttpTool['method'];
  url: string;
  auth?: { type: HttpToolAuth['type'] };
  timeoutSeconds: number;
  risk: CreateHttpTool['risk'];
  responseSchema?: JsonSchema;
  createdAt: string;
}

/** What the tool's activity needs to send the request: the view plus the decrypted auth. */
export type HttpToolDefinition = Omit<HttpToolView, 'auth' | 'createdAt'> & { auth?: HttpToolAuth };

type Row = {
  id: string; name: string; description: string; parameters: JsonSchema; method: CreateHttpTool['method']; url: string; auth_type: HttpToolAuth['type'] | null;
  auth_encrypted: string | null; timeout_seconds: number; risk: CreateHttpTool['risk']; response_schema: JsonSchema | null; created_at: Date;
};

/** Custom HTTP tools, stored with their auth encrypted under CREDENTIALS_KEY. */
@Injectable()
export class HttpToolsService {
  private readonly cipher: CredentialsCipher;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    if (!config.credentialsKey) throw new Error('CREDENTIALS_KEY is not set');
    this.cipher = new CredentialsCipher(config.credentialsKey);
  }

  /** Refused when the name is a built-in tool's or another custom tool's. */
  async create(tool: CreateHttpTool): Promise<{ id: string; name: string }> {
    if (toolNamed(tool.name)) throw new Refusal(`${tool.name} is a built-in tool`, 'name_taken');
    const mcp = splitOfferedName(tool.name);
    if (mcp && (await queryRows(this.db, `SELECT 1 FROM mcp_servers WHERE name = $1`, [mcp.server])).length > 0) {
      throw new Refusal(`${tool.name} would be named like a tool of the MCP server ${mcp.server}`, 'name_taken');
    }
    const id = randomUUID();
    const rows = await queryRows<{ id: string }>(
      this.db,
      `INSERT INTO http_tools (id, name, description, parameters, method, url, auth_type, auth_encrypted, timeout_seconds, risk, response_schema)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (name) DO NOTHING RETURNING id`,
      [
        id, tool.name, tool.description, JSON.stringify(tool.parameters), tool.method, tool.url, tool.auth?.type ?? null,
        tool.auth ? this.cipher.encrypt(JSON.stringify(tool.auth)) : null, tool.timeoutSeconds, tool.risk,
        tool.responseSchema ? JSON.stringify(tool.responseSchema) : null,
      ],
    );
    if (rows.length === 0) throw new Refusal(`There is already a tool named ${tool.name}`, 'name_taken');
    return { id, name: tool.name };
  }

  async list(): Promise<HttpToolView[]> {
    return (await this.rows('true', [])).map(view);
  }

  /** The tool with its decrypted auth, for the request; undefined when it was deleted. */
  async definition(name: string): Promise<HttpToolDefinition | undefined> {
    const [row] = await this.rows('name = $1', [name]);
    if (!row) return undefined;
    const { id, description, parameters, method, url, timeoutSeconds, risk, responseSchema } = view(row);
    const auth = row.auth_encrypted ? (JSON.parse(this.cipher.decrypt(row.auth_encrypted)) as HttpToolAuth) : undefined;
    return { id, name, description, parameters, method, url, timeoutSeconds, risk, ...(responseSchema ? { responseSchema } : {}), ...(auth ? { auth } : {}) };
  }

  async remove(name: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(this.db, `DELETE FROM http_tools WHERE name = $1 RETURNING id`, [name]);
    return rows.length > 0;
  }

  private rows(where: string, params: unknown[]): Promise<Row[]> {
    return queryRows<Row>(this.db, `SELECT * FROM http_tools WHERE ${where} ORDER BY name`, params);
  }
}

function view(row: Row): HttpToolView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    parameters: row.parameters,
    method: row.method,
    url: row.url,
    ...(row.auth_type ? { auth: { type: row.auth_type } } : {}),
    timeoutSeconds: row.timeout_seconds,
    risk: row.risk,
    ...(row.response_schema ? { responseSchema: row.response_schema } : {}),
    createdAt: new Date(row.created_at).toISOString(),
  };
}
