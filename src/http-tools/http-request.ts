import type { z } from 'zod';
import { compileJsonSchema } from './http-tool.schema';
import type { HttpToolDefinition } from './http-tools.service';
import { fillTemplate } from './url-template';

/**
 * The request a custom HTTP tool sends, and how its response reaches the model. Pure: the activity
 * (activities/http-tool.activities.ts) does the I/O through the SSRF guard.
 */

/** The response body the model may read; a larger one is an error. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

export interface OutgoingRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * Placeholders are filled from the arguments; the other arguments go as the JSON body (POST, PUT,
 * PATCH) or as query parameters (GET, DELETE). Throws a TemplateError for an argument the URL cannot take.
 */
export function buildRequest(tool: HttpToolDefinition, args: Record<string, unknown>, idempotencyKey?: string): OutgoingRequest {
  const { url: filled, used } = fillTemplate(tool.url, args);
  const rest = Object.fromEntries(Object.entries(args).filter(([name, value]) => !used.has(name) && value !== undefined));
  const headers: Record<string, string> = { accept: 'application/json, text/plain;q=0.9', 'user-agent': 'whatsapp-agent-http-tool' };
  if (tool.auth?.type === 'bearer') headers.authorization = `Bearer ${tool.auth.token}`;
  if (tool.auth?.type === 'basic') headers.authorization = `Basic ${Buffer.from(`${tool.auth.username}:${tool.auth.password}`).toString('base64')}`;
  if (tool.auth?.type === 'header') headers[tool.auth.name.toLowerCase()] = tool.auth.value;
  // A confirmed action sent again after a retry carries the same key: the business's API can run it once.
  if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;

  if (tool.method === 'GET' || tool.method === 'DELETE') {
    const url = new URL(filled);
    for (const [name, value] of Object.entries(rest)) {
      for (const item of Array.isArray(value) ? value : [value]) url.searchParams.append(name, typeof item === 'object' ? JSON.stringify(item) : String(item));
    }
    return { url: url.href, method: tool.method, headers };
  }
  return { url: filled, method: tool.method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(rest) };
}

/** What the model reads: the parsed response, or the error that stands in for it. */
export type ResponseReading =
  | { kind: 'ok'; result: unknown }
  /** The API said no (4xx), or answered something the tool's definition does not allow: not retried. */
  | { kind: 'refused'; error: string; status?: number; body?: unknown }
  /** Worth another attempt (5xx, 408, 429). */
  | { kind: 'retry'; error: string };

export function readResponse(tool: Pick<HttpToolDefinition, 'name' | 'responseSchema'>, status: number, contentType: string | undefined, raw: Buffer): ResponseReading {
  const text = raw.toString('utf8');
  let body: unknown = text;
  const json = /\bjson\b/i.test(contentType ?? '') || /^\s*[[{]/.test(text);
  if (json && text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      if (/\bjson\b/i.test(contentType ?? '')) return { kind: 'refused', error: `${tool.name}: the API answered invalid JSON`, status };
    }
  }
  if (status >= 500 || status === 408 || status === 429) return { kind: 'retry', error: `${tool.name}: the API answered ${status}` };
  if (status < 200 || status >= 300) return { kind: 'refused', error: `${tool.name}: the API answered ${status}`, status, body };
  if (tool.responseSchema) {
    const checked = (compiled(tool.responseSchema) as z.ZodType).safeParse(body);
    if (!checked.success) {
      const problems = checked.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(response)'}: ${i.message}`).join('; ');
      return { kind: 'refused', error: `${tool.name}: the response does not match the tool's response schema (${problems})`, status };
    }
  }
  return { kind: 'ok', result: body };
}

/** Compiled schemas by their JSON text: a tool's schemas compile once per worker. */
const cache = new Map<string, z.ZodType>();
export function compiled(schema: unknown): z.ZodType {
  const key = JSON.stringify(schema);
  let found = cache.get(key);
  if (!found) {
    found = compileJsonSchema(schema as Parameters<typeof compileJsonSchema>[0]);
    if (cache.size > 500) cache.clear();
    cache.set(key, found);
  }
  return found;
}
