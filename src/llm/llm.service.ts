import { Inject, Injectable } from '@nestjs/common';
import OpenAI from 'openai';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';
import type { HistoryEntry } from '../conversations/conversations.service';

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
  promptTokens?: number;
  completionTokens?: number;
}

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

  async reply(request: ReplyRequest): Promise<LlmReply> {
    if (!this.client) throw new Error('No language model is configured (OPENAI_API_KEY)');
    const completion = await this.client.chat.completions.create({
      model: this.config.openai.model,
      messages: [
        { role: 'system', content: systemPrompt(request) },
        ...request.history.map((h) => ({ role: h.direction === 'inbound' ? ('user' as const) : ('assistant' as const), content: h.body })),
        { role: 'user', content: request.messages.join('\n') },
      ],
    });
    const text = completion.choices[0]?.message?.content?.trim();
    if (!text) throw new Error('The language model returned an empty reply');
    return { text, model: completion.model, promptTokens: completion.usage?.prompt_tokens, completionTokens: completion.usage?.completion_tokens };
  }
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
