import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { HttpEmulator, readBody, sendJson, type BaseFailure } from './http-emulator';

/** An injected OpenAI failure; `message` defaults to the HTTP reason phrase. */
export interface OpenAIFailure extends BaseFailure {
  message?: string;
}

export interface ChatMessage {
  role: string;
  content?: string | { type: string; text?: string }[] | null;
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
  [key: string]: unknown;
}

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/** The parsed JSON body of a chat completion request. */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ChatTool[];
  [key: string]: unknown;
}

/** The parsed JSON body of an embeddings request. */
export interface EmbeddingRequest {
  model: string;
  input: string | string[];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  [key: string]: unknown;
}

/** Vector length of the emulated embeddings unless a request asks for `dimensions`. */
export const EMBEDDING_DIMENSIONS = 64;

export type ScriptedReply =
  | { content: string }
  | { toolCalls: { name: string; arguments: Record<string, unknown> }[]; content?: string };

export type ChatHandler = (req: ChatRequest) => ScriptedReply | Promise<ScriptedReply>;

const MODEL_ID = 'gpt-4o-mini';

const echoLastUserMessage: ChatHandler = (req) => {
  const lastUser = [...req.messages].reverse().find((message) => message.role === 'user');
  return { content: `Echo: ${lastUser ? textOf(lastUser) : ''}` };
};

/**
 * In-process OpenAI API: non-streaming chat completions answered by a scriptable handler, a model
 * list, and embeddings: deterministic bag-of-words vectors, near each other for texts sharing words
 * (after a scriptable synonym table, which lets two languages meet).
 */
export class OpenAIEmulator extends HttpEmulator<OpenAIFailure> {
  /** Bodies of authenticated chat completion requests, in arrival order (failed ones included). */
  readonly requests: ChatRequest[] = [];
  /** Problems found in offered tool definitions; each such request was answered 400. */
  readonly schemaProblems: string[] = [];
  /** Bodies of authenticated embeddings requests, in arrival order (failed ones included). */
  readonly embeddingRequests: EmbeddingRequest[] = [];
  private handler: ChatHandler = echoLastUserMessage;
  private synonyms = new Map<string, string>();

  private constructor(readonly apiKey: string) {
    super();
  }

  static async start(opts: { apiKey?: string; port?: number } = {}): Promise<OpenAIEmulator> {
    const emulator = new OpenAIEmulator(opts.apiKey ?? 'sk-test');
    await emulator.listen(opts.port);
    return emulator;
  }

  /** What `new OpenAI({ baseURL })` expects, ending in `/v1`. */
  get baseUrl(): string {
    return `${this.origin}/v1`;
  }

  /** Replaces the reply logic; the default echoes the last user message as `Echo: <text>`. */
  respond(handler: ChatHandler): void {
    this.handler = handler;
  }

  /**
   * Words the embeddings read as another word, e.g. `{ domingos: 'sunday', abrís: 'open' }`, so a
   * question and a passage in different languages get near vectors. Replaces the previous table.
   */
  setSynonyms(table: Record<string, string>): void {
    this.synonyms = new Map(Object.entries(table).map(([word, as]) => [word.toLowerCase(), as.toLowerCase()]));
  }

  /**
   * The vector answered for `text`: each word (after synonyms) adds ±1 to one of `dimensions`
   * hashed from the word, then the vector is scaled to length 1, as OpenAI's are.
   */
  embed(text: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
    const vector = new Array<number>(dimensions).fill(0);
    const words = text.normalize('NFC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [text];
    for (const word of words) {
      const hash = createHash('sha256').update(this.synonyms.get(word) ?? word).digest();
      vector[hash.readUInt32BE(0) % dimensions]! += hash[4]! & 1 ? 1 : -1;
    }
    const length = Math.hypot(...vector) || 1;
    return vector.map((x) => x / length);
  }

  /** Forgets requests, schema problems, synonyms, failures and delay, and restores the echo handler. */
  reset(): void {
    this.requests.length = 0;
    this.embeddingRequests.length = 0;
    this.synonyms.clear();
    this.schemaProblems.length = 0;
    this.handler = echoLastUserMessage;
    this.clearFailures();
    this.setDelay(0);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.origin).pathname;
    const body = await readBody(req);
    await this.applyDelay();
    if (req.headers.authorization !== `Bearer ${this.apiKey}`) {
      sendError(res, 401, { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' });
      return;
    }
    const isChat = req.method === 'POST' && path === '/v1/chat/completions';
    const isEmbeddings = req.method === 'POST' && path === '/v1/embeddings';
    const parsed = isChat || isEmbeddings ? parseJson(body) : undefined;
    if (isChat && isObject(parsed)) this.requests.push(parsed as ChatRequest);
    if (isEmbeddings && isObject(parsed)) this.embeddingRequests.push(parsed as EmbeddingRequest);
    const failure = this.takeFailure(path);
    if (failure) {
      const { status, message = STATUS_CODES[status] ?? 'Error' } = failure;
      const type = status === 429 ? 'requests' : status >= 500 ? 'server_error' : 'invalid_request_error';
      const code = status === 429 ? 'rate_limit_exceeded' : null;
      sendError(res, status, { message, type, code }, failure.retryAfterSeconds);
    } else if (isChat) {
      await this.complete(res, parsed);
    } else if (isEmbeddings) {
      this.embeddings(res, parsed);
    } else if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: [{ id: MODEL_ID, object: 'model', created: 1_700_000_000, owned_by: 'openai' }] });
    } else {
      sendError(res, 404, { message: `Unknown request URL: ${req.method} ${path}.`, type: 'invalid_request_error', code: 'unknown_url' });
    }
  }

  private async complete(res: ServerResponse, body: unknown): Promise<void> {
    if (!isObject(body) || typeof body.model !== 'string' || !Array.isArray(body.messages)) {
      sendError(res, 400, { message: 'The request body must be JSON with a string `model` and an array `messages`.', type: 'invalid_request_error' });
      return;
    }
    if (body.stream === true) {
      const message = 'This emulator does not support `stream: true`; request a non-streaming completion.';
      sendError(res, 400, { message, type: 'invalid_request_error', param: 'stream' });
      return;
    }
    const problems = toolProblems(body.tools);
    if (problems.length > 0) {
      this.schemaProblems.push(...problems);
      sendError(res, 400, { message: `Invalid tools: ${problems.join('; ')}`, type: 'invalid_request_error', param: 'tools' });
      return;
    }
    const request = body as ChatRequest;
    let reply: ScriptedReply;
    try {
      reply = await this.handler(request);
    } catch (err) {
      sendError(res, 500, { message: `The scripted handler threw: ${String(err)}`, type: 'server_error' });
      return;
    }
    const toolCalls = 'toolCalls' in reply
      ? reply.toolCalls.map((call) => ({
          id: `call_${randomBytes(12).toString('hex')}`,
          type: 'function' as const,
          function: { name: call.name, arguments: JSON.stringify(call.arguments) },
        }))
      : undefined;
    const content = reply.content ?? null;
    const promptTokens = estimateTokens(request.messages.map(textOf).join(' '));
    const completionTokens = estimateTokens((content ?? '') + (toolCalls ?? []).map((call) => call.function.arguments).join(''));
    sendJson(res, 200, {
      id: `chatcmpl-${randomBytes(12).toString('hex')}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null, ...(toolCalls && { tool_calls: toolCalls }) },
          logprobs: null,
          finish_reason: toolCalls ? 'tool_calls' : 'stop',
        },
      ],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      system_fingerprint: null,
    });
  }

  /** Answers like `POST /v1/embeddings`: one vector per input, as float arrays or base64 of little-endian float32. */
  private embeddings(res: ServerResponse, body: unknown): void {
    const problem = embeddingRequestProblem(body);
    if (problem) {
      sendError(res, 400, { message: problem.message, type: 'invalid_request_error', param: problem.param });
      return;
    }
    const request = body as EmbeddingRequest;
    const inputs = typeof request.input === 'string' ? [request.input] : request.input;
    const tokens = inputs.reduce((sum, text) => sum + estimateTokens(text), 0);
    sendJson(res, 200, {
      object: 'list',
      data: inputs.map((text, index) => {
        const vector = this.embed(text, request.dimensions);
        return { object: 'embedding', index, embedding: request.encoding_format === 'base64' ? float32Base64(vector) : vector };
      }),
      model: request.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  }
}

/** What the real API rejects with 400 (token-array inputs, which it accepts, are not emulated). */
function embeddingRequestProblem(body: unknown): { message: string; param: string | null } | undefined {
  if (!isObject(body) || typeof body.model !== 'string') return { message: 'The request body must be JSON with a string `model`.', param: 'model' };
  const { input, encoding_format: format, dimensions } = body;
  const texts = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(texts) || texts.length === 0 || texts.length > 2048 || texts.some((text) => typeof text !== 'string' || text === '')) {
    return { message: "'$.input' is invalid: give a non-empty string or an array of 1 to 2048 non-empty strings.", param: 'input' };
  }
  if (format !== undefined && format !== 'float' && format !== 'base64') return { message: "'encoding_format' must be 'float' or 'base64'.", param: 'encoding_format' };
  if (dimensions !== undefined && !(Number.isInteger(dimensions) && (dimensions as number) > 0)) return { message: "'dimensions' must be a positive integer.", param: 'dimensions' };
  return undefined;
}

function float32Base64(vector: number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((x, i) => bytes.writeFloatLE(x, i * 4));
  return bytes.toString('base64');
}

/** Checks each offered tool is `{ type: "function", function: { name, description?, parameters: { type: "object" } } }`. */
function toolProblems(tools: unknown): string[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) return ['`tools` must be an array'];
  return tools.flatMap((tool: unknown, i): string[] => {
    if (!isObject(tool) || tool.type !== 'function' || !isObject(tool.function)) {
      return [`tools[${i}] must be { type: "function", function: {...} }`];
    }
    const { name, description, parameters } = tool.function;
    const label = `tools[${i}] (${String(name)})`;
    const problems: string[] = [];
    if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) problems.push(`${label}: name must match ^[a-zA-Z0-9_-]{1,64}$`);
    if (description !== undefined && typeof description !== 'string') problems.push(`${label}: description must be a string`);
    if (!isObject(parameters) || parameters.type !== 'object') problems.push(`${label}: parameters must be a JSON schema with type "object"`);
    return problems;
  });
}

function textOf(message: ChatMessage): string {
  if (typeof message.content === 'string') return message.content;
  return (message.content ?? []).map((part) => part.text ?? '').join('');
}

/** Roughly four characters per token, like OpenAI's rule of thumb for English. */
function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

interface ApiError {
  message: string;
  type: string;
  code?: string | null;
  param?: string | null;
}

/** Answers with OpenAI's error shape `{ error: { message, type, param, code } }`. */
function sendError(res: ServerResponse, status: number, error: ApiError, retryAfterSeconds?: number): void {
  const { message, type, code = null, param = null } = error;
  sendJson(res, status, { error: { message, type, param, code } }, retryAfterSeconds);
}
