import { z } from 'zod';
import { defineTool } from './tool';

/** The hand-off: answered by the conversation workflow itself, which changes the conversation's status. */
export const escalateToHuman = defineTool({
  name: 'escalate_to_human',
  description:
    'Hand the conversation to a person from the team. Use it when the customer asks for a person, is upset, ' +
    'or needs something you cannot do. After calling it, tell the customer in their language that a person will reply here.',
  args: z.strictObject({ reason: z.string().trim().min(1).max(500).describe('Why a person is needed, in a few words, for the team.') }),
  risk: 'read',
  activity: { timeoutSeconds: 5, maximumAttempts: 1 },
});
