/** The agent's fixed texts and the checks behind them: pure, deterministic, used inside workflows. */
import { type BusinessHours, closedUntil } from './business-hours';

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

/** Short, frequent words that tell the languages of the fixed texts apart. */
const LANGUAGE_WORDS: Record<string, string[]> = {
  en: ['the', 'is', 'are', 'you', 'my', 'what', 'how', 'have', 'can', 'please', 'thanks', 'hello', 'and', 'i', 'do', 'your', 'order'],
  es: ['el', 'la', 'los', 'las', 'es', 'que', 'mi', 'tengo', 'hola', 'gracias', 'por', 'para', 'y', 'quiero', 'puedo', 'pedido', 'cómo', 'qué'],
  de: ['der', 'die', 'das', 'ist', 'und', 'ich', 'nicht', 'mein', 'meine', 'hallo', 'danke', 'bitte', 'wie', 'was', 'haben', 'bestellung'],
  fr: ['le', 'les', 'est', 'et', 'je', 'mon', 'ma', 'bonjour', 'merci', 'vous', 'pour', 'une', 'comment', 'commande', 'avez'],
  it: ['il', 'lo', 'gli', 'è', 'e', 'io', 'mio', 'ciao', 'grazie', 'per', 'che', 'sono', 'come', 'ordine', 'avete', 'vorrei'],
  pt: ['o', 'os', 'as', 'é', 'eu', 'meu', 'minha', 'olá', 'obrigado', 'obrigada', 'para', 'não', 'você', 'pedido', 'tenho', 'como'],
};

/** The customer's language among those the fixed texts exist in, by counting common words (English when unsure). */
export function guessLanguage(texts: string[]): string {
  return detectLanguage(texts) ?? 'en';
}

/** Like guessLanguage, but undefined when no word gives the language away ("ok", "1042"). */
export function detectLanguage(texts: string[]): string | undefined {
  const words = texts.join(' ').toLowerCase().split(/[^\p{L}]+/u).filter(Boolean);
  let best: string | undefined;
  let bestScore = 0;
  for (const [language, common] of Object.entries(LANGUAGE_WORDS)) {
    const score = words.filter((w) => common.includes(w)).length;
    if (score > bestScore) [best, bestScore] = [language, score];
  }
  return best;
}

/** Sent once per turn when the reply takes longer than the holding time (a slow model or tool). */
const HOLDING_REPLY: Record<string, string> = {
  en: 'One moment, I am checking that for you.',
  es: 'Un momento, lo estoy comprobando.',
  de: 'Einen Moment, ich prüfe das für Sie.',
  fr: 'Un instant, je vérifie cela pour vous.',
  it: 'Un momento, sto controllando.',
  pt: 'Um momento, estou verificando isso para você.',
};

/** Told once per conversation when the webhook removed a card number (or other configured data) from a message. */
const REDACTION_NOTICE: Record<string, { card: string; other: string }> = {
  en: { card: 'For your security I removed the card number from your message. Please never send card details in this chat.', other: 'For your security I removed personal data from your message. Please do not send it in this chat.' },
  es: { card: 'Por tu seguridad he eliminado el número de tarjeta de tu mensaje. Por favor, no envíes nunca datos de tarjetas por este chat.', other: 'Por tu seguridad he eliminado datos personales de tu mensaje. Por favor, no los envíes por este chat.' },
  de: { card: 'Zu Ihrer Sicherheit habe ich die Kartennummer aus Ihrer Nachricht entfernt. Bitte senden Sie keine Kartendaten in diesem Chat.', other: 'Zu Ihrer Sicherheit habe ich persönliche Daten aus Ihrer Nachricht entfernt. Bitte senden Sie diese nicht in diesem Chat.' },
  fr: { card: "Pour votre sécurité, j'ai supprimé le numéro de carte de votre message. N'envoyez jamais de données de carte dans ce chat.", other: "Pour votre sécurité, j'ai supprimé des données personnelles de votre message. Merci de ne pas les envoyer dans ce chat." },
  it: { card: 'Per la tua sicurezza ho rimosso il numero della carta dal tuo messaggio. Non inviare mai dati di carte in questa chat.', other: 'Per la tua sicurezza ho rimosso dati personali dal tuo messaggio. Non inviarli in questa chat.' },
  pt: { card: 'Para sua segurança, removi o número do cartão da sua mensagem. Nunca envie dados de cartão neste chat.', other: 'Para sua segurança, removi dados pessoais da sua mensagem. Não os envie neste chat.' },
};

/** Instead of a model call once a daily token budget is spent: honest, and a person is offered. */
const BUDGET_REPLY: Record<string, string> = {
  en: 'I cannot answer any more messages automatically today. Write "human" and a person from the team will reply here.',
  es: 'Hoy ya no puedo responder más mensajes automáticamente. Escribe "humano" y una persona del equipo te responderá aquí.',
  de: 'Ich kann heute keine weiteren Nachrichten automatisch beantworten. Schreiben Sie "Mensch" und eine Person aus dem Team antwortet hier.',
  fr: 'Je ne peux plus répondre automatiquement aujourd\'hui. Écrivez "humain" et une personne de l\'équipe vous répondra ici.',
  it: 'Oggi non posso più rispondere automaticamente. Scrivi "umano" e una persona del team ti risponderà qui.',
  pt: 'Hoje não posso responder mais mensagens automaticamente. Escreva "humano" e uma pessoa da equipe responderá aqui.',
};

/** Outside business hours, added to every hand-off message. `{when}` is the next opening in the business's time zone. */
const BACK_AT: Record<string, string> = {
  en: 'Our team is away right now and will be back {when}.',
  es: 'Nuestro equipo no está disponible ahora; volverá {when}.',
  de: 'Unser Team ist gerade nicht da und ist {when} wieder erreichbar.',
  fr: "Notre équipe est absente pour le moment et sera de retour {when}.",
  it: 'Il nostro team non è disponibile ora e tornerà {when}.',
  pt: 'Nossa equipe não está disponível agora e volta {when}.',
};

export const holdingReply = (language = 'en') => HOLDING_REPLY[language] ?? HOLDING_REPLY.en!;
export const isHoldingReply = (text: string) => Object.values(HOLDING_REPLY).includes(text);
export const budgetReply = (language = 'en') => BUDGET_REPLY[language] ?? BUDGET_REPLY.en!;
export const redactionNotice = (language: string, kinds: string[]) => {
  const texts = REDACTION_NOTICE[language] ?? REDACTION_NOTICE.en!;
  return kinds.includes('card') ? texts.card : texts.other;
};

/**
 * "…will be back Monday 09:00 (Europe/Madrid)" in the customer's language, or '' while the team is
 * in (by workflow time) or when no hours are set.
 */
export function backAtNotice(language: string, businessHours: BusinessHours | undefined, now: number): string {
  if (!businessHours) return '';
  const until = closedUntil(businessHours, new Date(now));
  if (!(until instanceof Date)) return '';
  let when: string;
  try {
    const format = new Intl.DateTimeFormat(language, { weekday: 'long', hour: '2-digit', minute: '2-digit', timeZone: businessHours.timeZone });
    when = `${format.format(until)} (${businessHours.timeZone})`;
  } catch {
    when = `${until.toISOString()} (UTC)`;
  }
  return (BACK_AT[language] ?? BACK_AT.en!).replace('{when}', when);
}

/** A hand-off message with the team's return time appended when it is outside business hours. */
export const withReturnTime = (text: string, language: string, businessHours: BusinessHours | undefined, now: number) => {
  const back = backAtNotice(language, businessHours, now);
  return back ? `${text} ${back}` : text;
};
