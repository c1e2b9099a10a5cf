import { log } from '@temporalio/activity';
import type { ConversationSummary, SummaryTrigger } from '../src/reports/conversation-summaries.service';
import { clip, extractiveSummary, summaryPrompt, transcriptText } from '../src/reports/summary-text';
import type { ActivityDeps } from './deps';

export interface SummarizeInput {
  integrationId: string;
  conversationSid: string;
  trigger: SummaryTrigger;
  /** The workflow's status-change number: one summary per hand-off or close, however often this is retried. */
  sequence: number;
}

/**
 * Conversation summaries for staff. The model writes one when it is configured and within the day's
 * budget; otherwise, or when the call fails, a summary extracted from the transcript is stored
 * (`model: null`). The activity fails only when the database does (Temporal retries it).
 */
export function createSummaryActivities({ summaries, llm, integrations, policies, usage, settings }: ActivityDeps) {
  async function modelSummary(input: SummarizeInput, text: string, customerId: string): Promise<{ text: string; model: string } | null> {
    if (!llm.configured) return null;
    try {
      const { integration } = await integrations.resolveById(input.integrationId);
      const { limits } = policies.effective(integration);
      // Budget alerts are the replies' to raise; a summary over budget is extracted instead.
      if (await usage.spentBudget(input.integrationId, customerId, limits, { raise: false })) return null;
      const { language } = await settings.get();
      const reply = await llm.summarize({ system: summaryPrompt(input.trigger, language), text });
      await usage.record({ integrationId: input.integrationId, customerId, promptTokens: reply.promptTokens ?? 0, completionTokens: reply.completionTokens ?? 0 }, limits, { raise: false });
      return { text: clip(reply.text), model: reply.model };
    } catch (err) {
      log.warn('Summary not written by the model; extracted from the transcript instead', { conversationSid: input.conversationSid, error: (err as Error).message });
      return null;
    }
  }

  return {
    async summarizeConversation(input: SummarizeInput): Promise<ConversationSummary | null> {
      const existing = await summaries.find(input.integrationId, input.conversationSid, input.trigger, input.sequence);
      if (existing) return existing;
      const source = await summaries.source(input.integrationId, input.conversationSid);
      if (!source) return null; // never recorded (the database was down at its first message): nothing to summarise
      const written = await modelSummary(input, transcriptText(source), source.customerId);
      return summaries.store({ ...input, summary: written?.text ?? extractiveSummary(input.trigger, source), model: written?.model ?? null });
    },
  };
}
