/** The agent's fixed texts and the checks behind them: pure, deterministic, used inside workflows. */

export const NO_MODEL_REPLY =
  'No language model is configured for this assistant yet, so I cannot answer automatically. ' +
  'Write "human" and a person from the team will get back to you here.';

export const LLM_DOWN_REPLY =
  "Sorry, I can't answer right now. A person from the team has been notified and will get back to you here.";

export const HUMAN_REQUESTED_REPLY = 'Thank you. A person from the team has been asked to take over and will reply here.';

/** Words a customer uses to ask for a person, in several languages; matched as whole words. */
const HUMAN_WORDS = [
  'human', 'person', 'agent', 'operator', 'representative', 'someone real', 'real person',
  'humano', 'persona', 'agente', 'operador', 'mensch', 'mitarbeiter', 'humain', 'personne', 'opérateur',
  'umano', 'operatore', 'pessoa', 'atendente',
];

const HUMAN_PATTERN = new RegExp(`(^|[^\\p{L}])(${HUMAN_WORDS.join('|')})([^\\p{L}]|$)`, 'iu');

/** True when the customer asks for a person; works with no language model at all. */
export function asksForHuman(text: string): boolean {
  return HUMAN_PATTERN.test(text);
}
