import { z } from 'zod';
import { KNOWLEDGE_MIN_SCORE } from '../../src/knowledge/knowledge.service';
import { defineTool } from './tool';

/** Answers from the business's own knowledge, with the sources to cite; logs what it cannot answer. */
export const searchKnowledge = defineTool({
  name: 'search_knowledge',
  description:
    "Search the business's knowledge (FAQs, policies, opening hours, shipping, guides). Use it for any question about the business before answering. " +
    'Write the query with the key words of the question, in the language of the knowledge if you know it (else in English). ' +
    'Answer only from the passages found and name the source title; if nothing is found, say you do not know and offer a person.',
  args: z.strictObject({ query: z.string().trim().min(2).max(300).describe('Key words of the question') }),
  risk: 'read',
  activity: { timeoutSeconds: 10, maximumAttempts: 3 },
  async run({ query }, { scope, services }) {
    const passages = (await services.knowledge.search(query, 3)).filter((p) => p.score >= KNOWLEDGE_MIN_SCORE);
    if (passages.length === 0) {
      await services.knowledge.recordGap({ integrationId: scope.integrationId, customerId: scope.customerId, question: query });
      return { result: { found: false, instruction: 'Nothing in the knowledge answers this. Tell the customer you do not know and offer to pass them to a person.' } };
    }
    return {
      result: {
        found: true,
        passages: passages.map((p) => ({ source: p.heading ? `${p.title} › ${p.heading}` : p.title, url: p.url ?? undefined, text: p.text, score: Math.round(p.score * 100) / 100 })),
      },
    };
  },
});
