import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MCP servers registered through the API (`POST /api/mcp-servers`) and the snapshot of their tools,
 * which the agent offers as `<server>__<tool>`. The headers (an Authorization, typically) are stored
 * encrypted with CREDENTIALS_KEY; only their names are kept in clear, to show which are set.
 */
export class McpServers1764633900000 implements MigrationInterface {
  name = 'McpServers1764633900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mcp_servers (
        id uuid PRIMARY KEY,
        -- The prefix of its tools' names: "__" splits them, so it never appears in the prefix itself.
        name text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{1,20}$' AND position('__' in name) = 0 AND right(name, 1) <> '_'),
        url text NOT NULL,
        header_names json NOT NULL DEFAULT '[]',
        headers_encrypted text,
        risk text NOT NULL CHECK (risk IN ('read', 'write')),
        tool_risks json NOT NULL DEFAULT '{}',
        allow_tools json,
        -- json, not jsonb: the input schemas keep the server's property order (the model reads it).
        tools json NOT NULL,
        skipped json NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        refreshed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mcp_servers`);
  }
}
