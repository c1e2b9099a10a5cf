import { Inject, Injectable } from '@nestjs/common';
import OpenAI from 'openai';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import type { HistoryEntry } from '../conversations/conversations.service';
import type { ScratchMessage } from '../../workflows/skill-definitions';
import { llmRequestSeconds, llmTokensTotal } from '../metrics/metrics';

export interface ReplyRequest {
  businessName: string;
  systemPrompt: string | null;
  customerName: string | null;
  history: HistoryEntry[];
  /** The customer's new messages of this turn (one, or a coalesced burst). */
  messages: string[];
}

export interface LlmReply {
  text: string;
  model: string;
  /** Set when the model called `escalate_to_human`; `text` is then its message telling the customer. */
  escalation?: { reason?: string };
  promptTokens?: number;
  completionTokens?: number;
}

/** The hand-off tool every conversation offers the model (the skills' catalogue lists it too). */
export const ESCALATE_TOOL = {
  type: 'function',
  function: {
    name: 'escalate_to_human',
    description:
      'Hand the conversation to a person from the team. Use it when the customer asks for a person, is upset, ' +
      'or needs something you cannot do. After calling it, tell the customer in their language that a person will reply here.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why a person is needed, in a few words, for the team.' } },
      required: ['reason'],
      additionalProperties: false,
    },
  },
} as const satisfies OpenAI.ChatCompletionTool;

/** One call of the agent's tool loop: the conversation so far, this turn's tool exchange, the tools offered. */
export interface StepRequest {
  system: string;
  history: HistoryEntry[];
  messages: string[];
  scratch: ScratchMessage[];
  /** Absent when the model must answer in text now (the turn's tool budget is spent). */
  tools?: OpenAI.ChatCompletionTool[];
}

export interface StepReply {
  content: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  model: string;
  promptTokens: number;
  completionTokens: number;
}

/** Rounds of tool calls one reply may take before the model must answer in text. */
const MAX_TOOL_ROUNDS = 3;

/**
 * The language model, through the official `openai` client against any OpenAI-compatible endpoint
 * (OPENAI_BASE_URL). Retries are Temporal's job, so the client itself never retries.
 */
@Injectable()
export class LlmService {
  private readonly client?: OpenAI;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    if (config.openai.apiKey) {
      this.client = new OpenAI({ apiKey: config.openai.apiKey, baseURL: config.openai.baseUrl, maxRetries: 0, timeout: 30_000 });
    }
  }

  get configured(): boolean {
    return this.client !== undefined;
  }

  /**
   * One reply. The model may call `escalate_to_human`; the call is answered (the workflow, not the
   * model, then changes the conversation's status) and the model writes its message to the customer.
   */
  async reply(request: ReplyRequest): Promise<LlmReply> {
    const client = this.requireClient();
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: systemPrompt(request) },
      ...request.history.map((h) => ({ role: h.direction === 'inbound' ? ('user' as const) : ('assistant' as const), content: h.body })),
      { role: 'user', content: request.messages.join('\n') },
    ];
    let escalation: LlmReply['escalation'];
    let promptTokens = 0;
    let completionTokens = 0;
    for (let round = 0; ; round++) {
      const lastRound = round >= MAX_TOOL_ROUNDS;
      const completion = await this.complete(client, {
        model: this.config.openai.model,
        messages,
        ...(lastRound ? {} : { tools: [ESCALATE_TOOL] }),
      });
      promptTokens += completion.usage?.prompt_tokens ?? 0;
      completionTokens += completion.usage?.completion_tokens ?? 0;
      const message = completion.choices[0]?.message;
      const calls = (message?.tool_calls ?? []).filter((c) => c.type === 'function');
      if (calls.length > 0 && !lastRound) {
        messages.push({ role: 'assistant', content: message?.content ?? null, tool_calls: calls });
        for (const call of calls) {
          const result = call.function.name === ESCALATE_TOOL.function.name ? escalateResult(call.function.arguments) : { error: `Unknown tool ${call.function.name}` };
          if ('reason' in result) escalation = { reason: result.reason };
          messages.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify(result) });
        }
        continue;
      }
      const text = message?.content?.trim();
      if (!text) throw new Error('The language model returned an empty reply');
      return { text, model: completion.model, escalation, promptTokens, completionTokens };
    }
  }

  /**
   * One model call of the agent's tool loop, which the workflow runs: the model answers in text or
   * asks for tool calls (returned unchecked; the caller validates them).
   */
  async step(request: StepRequest): Promise<StepReply> {
    const messages: OpenAI.ChatCompletionMessageParam[] = [
      { role: 'system', content: request.system },
      ...request.history.map((h) => ({ role: h.direction === 'inbound' ? ('user' as const) : ('assistant' as const), content: h.body })),
      { role: 'user', content: request.messages.join('\n') },
      ...request.scratch.map((m): OpenAI.ChatCompletionMessageParam =>
        m.role === 'tool'
          ? { role: 'tool', tool_call_id: m.toolCallId, content: m.content }
          : { role: 'assistant', content: m.content, tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) },
      ),
    ];
    const completion = await this.complete(this.requireClient(), {
      model: this.config.openai.model,
      messages,
      ...(request.tools ? { tools: request.tools } : {}),
    });
    const message = completion.choices[0]?.message;
    const toolCalls = (message?.tool_calls ?? []).filter((c) => c.type === 'function').map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
    return {
      content: message?.content?.trim() || null,
      toolCalls,
      model: completion.model,
      promptTokens: completion.usage?.prompt_tokens ?? 0,
      completionTokens: completion.usage?.completion_tokens ?? 0,
    };
  }

  /** "A person will take over", phrased by the model in the language the customer writes in. */
  async handoffNotice(request: { businessName: string; messages: string[] }): Promise<LlmReply> {
    const completion = await this.complete(this.requireClient(), {
      model: this.config.openai.model,
      messages: [
        {
          role: 'system',
          content:
            `You write one short WhatsApp message on behalf of ${request.businessName}, in the language the customer writes in: ` +
            'a person from the team has been asked to take over this conversation and will reply here. Do not promise a time. Output only the message.',
        },
        { role: 'user', content: request.messages.join('\n') },
      ],
    });
    const text = completion.choices[0]?.message?.content?.trim();
    if (!text) throw new Error('The language model returned an empty hand-off notice');
    return { text, model: completion.model, promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 };
  }

  /** A note for the team (a conversation's summary): instructions and a text, no tools. Never sent to a customer. */
  async summarize(request: { system: string; text: string }): Promise<LlmReply> {
    const completion = await this.complete(this.requireClient(), {
      model: this.config.openai.model,
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.text },
      ],
    });
    const text = completion.choices[0]?.message?.content?.trim();
    if (!text) throw new Error('The language model returned an empty summary');
    return { text, model: completion.model, promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 };
  }

  /**
   * One answer as JSON under a schema (structured output), for steps whose result the server checks
   * before using it (a data question's SQL and chart). The caller validates the parsed value.
   */
  async json(request: { system: string; user: string; schemaName: string; schema: Record<string, unknown> }): Promise<LlmReply & { json: unknown }> {
    const completion = await this.complete(this.requireClient(), {
      model: this.config.openai.model,
      messages: [
        { role: 'system', content: request.system },
        { role: 'user', content: request.user },
      ],
      response_format: { type: 'json_schema', json_schema: { name: request.schemaName, schema: request.schema, strict: true } },
    });
    const text = completion.choices[0]?.message?.content?.trim() ?? '';
    let json: unknown;
    try {
      json = JSON.parse(text.replace(/^```(?:json)?\s*|\s*```$/g, ''));
    } catch {
      throw new Error('The language model did not answer in JSON');
    }
    return { text, json, model: completion.model, promptTokens: completion.usage?.prompt_tokens ?? 0, completionTokens: completion.usage?.completion_tokens ?? 0 };
  }

  /** One chat completion, timed and its tokens counted by the model asked for (the configured one) and outcome. */
  private async complete(client: OpenAI, params: OpenAI.ChatCompletionCreateParamsNonStreaming): Promise<OpenAI.ChatCompletion> {
    const stop = llmRequestSeconds.startTimer({ model: params.model });
    try {
      const completion = await client.chat.completions.create(params);
      stop({ outcome: 'ok' });
      llmTokensTotal.inc({ model: params.model, type: 'prompt' }, completion.usage?.prompt_tokens ?? 0);
      llmTokensTotal.inc({ model: params.model, type: 'completion' }, completion.usage?.completion_tokens ?? 0);
      return completion;
    } catch (err) {
      stop({ outcome: 'error' });
      throw err;
    }
  }

  private requireClient(): OpenAI {
    if (!this.client) throw new Error('No language model is configured (OPENAI_API_KEY)');
    return this.client;
  }
}

/** The tool's arguments come from the model: checked, never trusted. */
function escalateResult(rawArguments: string): { status: string; reason: string } | { error: string } {
  let reason: unknown;
  try {
    reason = (JSON.parse(rawArguments) as { reason?: unknown }).reason;
  } catch {
    return { error: 'Arguments must be JSON: {"reason": "..."}' };
  }
  if (typeof reason !== 'string' || reason.trim() === '') return { error: 'reason must be a non-empty string' };
  return { status: 'A person from the team has been asked to take over and will reply here.', reason: reason.slice(0, 500) };
}

function systemPrompt(r: ReplyRequest): string {
  return [
    `You are the WhatsApp assistant of ${r.businessName}. Answer the customer briefly, in the language they write in.`,
    'Never invent prices, orders or commitments. If you cannot help, offer to hand the conversation to a person.',
    r.customerName ? `The customer's name is ${r.customerName}.` : '',
    r.systemPrompt ?? '',
  ]
    .filter(Boolean)
    .join('\n');
}
