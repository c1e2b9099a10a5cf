import { z } from 'zod';
import { templatePlaceholders, templateProblem } from './url-template';

/**
 * What `POST /api/tools` accepts. The JSON schemas (the arguments' and the response's) are checked
 * against the subset of JSON Schema the agent enforces — an unknown keyword is refused rather than
 * silently not enforced — and then compiled to zod, the one validator the tool registry uses.
 */

/** A JSON schema of the supported subset (draft 2020-12 keywords). */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  description?: string;
  title?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: (string | number | boolean | null)[];
  const?: string | number | boolean | null;
  anyOf?: JsonSchema[];
  [keyword: string]: unknown;
}
type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

const jsonType = z.enum(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const primitive = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const count = z.number().int().min(0);
const regex = z.string().max(500).refine((p) => {
  try {
    new RegExp(p, 'u');
    return true;
  } catch {
    return false;
  }
}, 'must be a valid regular expression');

const jsonSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.strictObject({
    type: z.union([jsonType, z.array(jsonType).min(1)]).optional(),
    description: z.string().max(1000).optional(),
    title: z.string().max(200).optional(),
    properties: z.record(z.string().min(1).max(64), jsonSchema).optional(),
    required: z.array(z.string()).optional(),
    additionalProperties: z.union([z.boolean(), jsonSchema]).optional(),
    items: jsonSchema.optional(),
    minItems: count.optional(),
    maxItems: count.optional(),
    minLength: count.optional(),
    maxLength: count.optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    exclusiveMinimum: z.number().optional(),
    exclusiveMaximum: z.number().optional(),
    multipleOf: z.number().positive().optional(),
    pattern: regex.optional(),
    format: z.enum(['date', 'date-time', 'time', 'email', 'uri', 'uuid']).optional(),
    enum: z.array(primitive).min(1).optional(),
    const: primitive.optional(),
    anyOf: z.array(jsonSchema).min(1).optional(),
    oneOf: z.array(jsonSchema).min(1).optional(),
    allOf: z.array(jsonSchema).min(1).optional(),
    default: z.unknown().optional(),
    examples: z.array(z.unknown()).optional(),
  }),
);

/** The schema as zod; throws when the converter cannot enforce it. */
export function compileJsonSchema(schema: JsonSchema): z.ZodType {
  return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
}

/** Checked JSON (it is stored as jsonb and sent to the model): at most this large. */
const MAX_SCHEMA_CHARS = 16_000;
const compilable = (schema: JsonSchema) => {
  try {
    compileJsonSchema(schema);
    return JSON.stringify(schema).length <= MAX_SCHEMA_CHARS;
  } catch {
    return false;
  }
};

const parameters = jsonSchema
  .refine((s) => s.type === 'object', 'must be a JSON schema with "type": "object"')
  .refine(compilable, `must be a JSON schema the agent can enforce (at most ${MAX_SCHEMA_CHARS} characters)`)
  // The model's arguments carry nothing beyond what the business declared.
  .transform((s): JsonSchema => ({ ...s, properties: s.properties ?? {}, additionalProperties: false }));

/** A tool's arguments schema (`type: object`, the enforced subset), as custom tools of every kind declare it. */
export const toolParametersSchema = parameters;

/** Headers the agent sets itself. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'idempotency-key', 'transfer-encoding', 'connection']);

const secret = z.string().min(1).max(4000);
const auth = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: secret }),
  z.strictObject({
    type: z.literal('header'),
    name: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'must be an HTTP header name').refine((n) => !RESERVED_HEADERS.has(n.toLowerCase()), 'is set by the agent'),
    value: secret.regex(/^[^\r\n]*$/, 'must be one line'),
  }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1).max(200).regex(/^[^:\r\n]*$/, 'must not contain ":"'), password: secret }),
]);
export type HttpToolAuth = z.output<typeof auth>;

export const HTTP_TOOL_NAME = /^[a-z][a-z0-9_]{2,63}$/;

export const createHttpToolSchema = z
  .strictObject({
    name: z.string().regex(HTTP_TOOL_NAME, 'must be 3–64 lowercase letters, digits or _, starting with a letter'),
    description: z.string().trim().min(1).max(1000),
    parameters,
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
    url: z.string().max(2000).superRefine((url, ctx) => {
      const problem = templateProblem(url);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
    auth: auth.optional(),
    timeoutSeconds: z.number().int().min(1).max(30).default(10),
    risk: z.enum(['read', 'write']),
    responseSchema: jsonSchema.refine(compilable, `must be a JSON schema the agent can enforce (at most ${MAX_SCHEMA_CHARS} characters)`).optional(),
  })
  .superRefine((tool, ctx) => {
    // Every placeholder is a required argument of a simple type, so the URL is always complete.
    const properties = tool.parameters.properties ?? {};
    for (const name of templatePlaceholders(tool.url)) {
      const type = properties[name]?.type;
      if (!properties[name] || !tool.parameters.required?.includes(name)) {
        ctx.addIssue({ code: 'custom', path: ['url'], message: `{${name}} must be a required property of parameters` });
      } else if (typeof type !== 'string' || !['string', 'number', 'integer', 'boolean'].includes(type)) {
        ctx.addIssue({ code: 'custom', path: ['parameters', 'properties', name], message: 'fills the URL, so its type must be string, number, integer or boolean' });
      }
    }
  });

export type CreateHttpTool = z.output<typeof createHttpToolSchema>;
