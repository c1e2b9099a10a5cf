/** The agent's fixed texts and the checks behind them: pure, deterministic, used inside workflows. */

export const NO_MODEL_REPLY =
  'No language model is configured for this assistant yet, so I cannot answer automatically. ' +
  'Write "human" and a person from the team will get back to you here.';

export const LLM_DOWN_REPLY =
  "Sorry, I can't answer right now. A person from the team has been notified and will get back to you here.";

/** "A person will take over", by language: the fallback when no language model can phrase it. */
const HANDOFF_NOTICE: Record<string, string> = {
  en: 'Thank you. A person from the team has been asked to take over and will reply here.',
  es: 'Gracias. Hemos pedido a una persona del equipo que continúe la conversación; te responderá aquí.',
  de: 'Danke. Eine Person aus dem Team wurde gebeten, das Gespräch zu übernehmen, und antwortet hier.',
  fr: "Merci. Une personne de l'équipe a été prévenue et va reprendre la conversation ici.",
  it: 'Grazie. Abbiamo chiesto a una persona del team di continuare la conversazione: ti risponderà qui.',
  pt: 'Obrigado. Pedimos a uma pessoa da equipe para continuar a conversa; ela responderá aqui.',
};

/** Sent once when nobody has taken over within the SLA. */
const HOLDING_NOTICE: Record<string, string> = {
  en: 'Thank you for waiting. Everyone on the team is busy right now; a person will reply here as soon as possible.',
  es: 'Gracias por esperar. Todo el equipo está ocupado ahora mismo; una persona te responderá aquí lo antes posible.',
  de: 'Danke für Ihre Geduld. Das Team ist gerade beschäftigt; eine Person antwortet hier so bald wie möglich.',
  fr: "Merci de votre patience. L'équipe est occupée pour le moment ; une personne vous répondra ici dès que possible.",
  it: 'Grazie per l’attesa. Il team è occupato in questo momento; una persona ti risponderà qui il prima possibile.',
  pt: 'Obrigado por aguardar. A equipe está ocupada agora; uma pessoa responderá aqui o mais rápido possível.',
};

/** Words a customer uses to ask for a person, with the language each one suggests; matched as whole words. */
const HUMAN_WORDS: [string, string][] = [
  ['human', 'en'], ['person', 'en'], ['agent', 'en'], ['operator', 'en'], ['representative', 'en'], ['someone real', 'en'], ['real person', 'en'],
  ['humano', 'es'], ['persona', 'es'], ['agente', 'es'], ['operador', 'es'],
  ['mensch', 'de'], ['menschen', 'de'], ['mitarbeiter', 'de'], ['mitarbeiterin', 'de'],
  ['humain', 'fr'], ['personne', 'fr'], ['opérateur', 'fr'],
  ['umano', 'it'], ['operatore', 'it'],
  ['pessoa', 'pt'], ['atendente', 'pt'],
];

const HUMAN_PATTERN = new RegExp(`(^|[^\\p{L}])(${HUMAN_WORDS.map(([w]) => w).join('|')})([^\\p{L}]|$)`, 'iu');

/** True when the customer asks for a person; works with no language model at all. */
export function asksForHuman(text: string): boolean {
  return HUMAN_PATTERN.test(text);
}

/** The language suggested by the word the customer used to ask for a person (English when unsure). */
export function requestLanguage(texts: string[]): string {
  for (const text of texts) {
    const word = HUMAN_PATTERN.exec(text)?.[2]?.toLowerCase();
    const language = HUMAN_WORDS.find(([w]) => w === word)?.[1];
    if (language) return language;
  }
  return 'en';
}

export const handoffNotice = (language = 'en') => HANDOFF_NOTICE[language] ?? HANDOFF_NOTICE.en!;
export const holdingNotice = (language = 'en') => HOLDING_NOTICE[language] ?? HOLDING_NOTICE.en!;
