import { ApplicationFailure } from '@temporalio/activity';
import type { CustomerContext } from '../src/conversations/conversations.service';
import type { ActivityDeps } from './deps';

export type GeneratedReply =
  | { kind: 'llm'; text: string; model: string }
  /** The model called escalate_to_human; `text` tells the customer a person will take over. */
  | { kind: 'escalate'; text: string; reason: string; model: string }
  | { kind: 'no_model' };

/** Status codes of an OpenAI-compatible API that retrying will not fix. */
const PERMANENT = new Set([400, 401, 403, 404, 422]);

export function createLlmActivities({ llm, integrations, alerts }: ActivityDeps) {
  return {
    /** One LLM turn. Returns `no_model` when none is configured, so the workflow can say so honestly. */
    async generateReply(input: { integrationId: string; context: CustomerContext; messages: string[] }): Promise<GeneratedReply> {
      if (!llm.configured) return { kind: 'no_model' };
      const { integration } = await integrations.resolveById(input.integrationId);
      try {
        const reply = await llm.reply({
          businessName: integration.name,
          systemPrompt: integration.systemPrompt,
          customerName: input.context.customerName,
          history: input.context.history,
          messages: input.messages,
        });
        if (reply.escalation) return { kind: 'escalate', text: reply.text, reason: reply.escalation.reason ?? 'requested by the model', model: reply.model };
        return { kind: 'llm', text: reply.text, model: reply.model };
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (status === 401) {
          // Authentication errors pause processing: the turn waits until an administrator resumes.
          const reason = 'The language model rejected the API key (OPENAI_API_KEY); replies wait until it is fixed and the integration resumed';
          const alert = (await integrations.pause(input.integrationId, reason)) ? await alerts.raise('llm_auth_failed', reason, input.integrationId) : undefined;
          throw ApplicationFailure.create({ message: reason, type: 'LlmAuthError', nonRetryable: true, details: [{ alert }] });
        }
        if (status !== undefined && PERMANENT.has(status)) throw ApplicationFailure.nonRetryable(`The language model refused the request (${status}): ${(err as Error).message}`, 'LlmRequestRejected');
        throw err;
      }
    },

    /** The hand-off notice in the customer's language; null without a model (the workflow has fixed texts). */
    async writeHandoffNotice(input: { integrationId: string; messages: string[] }): Promise<string | null> {
      if (!llm.configured) return null;
      const { integration } = await integrations.resolveById(input.integrationId);
      return llm.handoffNotice({ businessName: integration.name, messages: input.messages });
    },
  };
}
