import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Custom HTTP tools defined through the API (`POST /api/tools`): the agent calls the business's own
 * API with them. The auth secrets are stored encrypted with CREDENTIALS_KEY, never in clear.
 */
export class HttpTools1764547400000 implements MigrationInterface {
  name = 'HttpTools1764547400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE http_tools (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{2,63}$'),
        description text NOT NULL,
        -- json, not jsonb: the schemas keep the order the business wrote (the model reads it; summaries follow it).
        parameters json NOT NULL,
        method text NOT NULL CHECK (method IN ('GET', 'POST', 'PUT', 'PATCH', 'DELETE')),
        url text NOT NULL,
        auth_type text CHECK (auth_type IN ('bearer', 'header', 'basic')),
        auth_encrypted text,
        timeout_seconds integer NOT NULL CHECK (timeout_seconds BETWEEN 1 AND 30),
        risk text NOT NULL CHECK (risk IN ('read', 'write')),
        response_schema json,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT http_tools_auth CHECK ((auth_type IS NULL) = (auth_encrypted IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE http_tools`);
  }
}
