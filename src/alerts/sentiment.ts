/**
 * A small deterministic reading of a customer's message: is it clearly angry or upset? Words that
 * are unambiguous on their own ("scam", "estafa", "pésimo") count double; milder ones ("upset",
 * "decepcionado") need a second word or a signal of shouting (all capitals, "!!!"). Shouting alone
 * is not anger ("THANK YOU!!!"). A negator right before a word cancels it ("not bad"). No model is
 * asked: the same message always gives the same answer, and it costs nothing per message.
 */

/** Strong words (en, es, de, fr, it, pt). A trailing `*` matches any ending (scam, scammed, scammers). */
const STRONG = [
  // en
  'terrible', 'worst', 'scam*', 'fraud*', 'furious', 'awful', 'horrible', 'disgusting', 'unacceptable', 'ridiculous', 'useless', 'pathetic', 'ripoff', 'rip-off', 'outrageous', 'appalling',
  // es
  'pésimo', 'pésima', 'fatal', 'estafa*', 'estafador*', 'timo', 'ladrones', 'vergüenza', 'asco', 'furioso', 'furiosa', 'inaceptable', 'indignante', 'harto', 'harta', 'lamentable',
  // de
  'schrecklich', 'furchtbar', 'betrug', 'betrüger*', 'unverschämt', 'frechheit', 'katastrophe', 'katastrophal', 'miserabel', 'wütend', 'inakzeptabel', 'abzocke',
  // fr
  'arnaque*', 'escroc*', 'escroquerie', 'scandaleux', 'honteux', 'inadmissible', 'furieux', 'furieuse', 'lamentable', 'inacceptable', 'pire',
  // it
  'truffa', 'truffatori', 'pessimo', 'pessima', 'vergogna', 'schifo', 'orribile', 'inaccettabile', 'ladri', 'arrabbiatissimo', 'vergognoso',
  // pt
  'péssimo', 'péssima', 'fraude', 'horrível', 'vergonha', 'absurdo', 'ridículo', 'lixo', 'inaceitável', 'enganado', 'roubo',
];

/** Milder words and phrases: upset, but not alone proof of it. */
const MILD = [
  'angry', 'upset', 'disappointed', 'annoyed', 'hate', 'complaint', 'bad service', 'never again', 'waste of', 'fed up',
  'enfadado', 'enfadada', 'molesto', 'molesta', 'decepcionado', 'decepcionada', 'reclamación', 'nunca más', 'mal servicio', 'queja',
  'enttäuscht', 'ärgerlich', 'verärgert', 'beschwerde', 'nie wieder', 'schlechter service',
  'déçu', 'déçue', 'énervé', 'énervée', 'fâché', 'plainte', 'plus jamais', 'nul',
  'deluso', 'delusa', 'arrabbiato', 'arrabbiata', 'reclamo', 'mai più', 'pessimo servizio',
  'chateado', 'chateada', 'irritado', 'irritada', 'reclamação', 'nunca mais', 'decepcionante',
];

const NEGATORS = new Set(['not', 'no', 'isnt', "isn't", 'nicht', 'kein', 'keine', 'pas', 'non', 'nao', 'não', 'nada', 'ni']);

export interface SentimentReading {
  negative: boolean;
  /** What made it so (the words, `all_caps`, `exclamations`), for the alert's text. */
  signals: string[];
}

const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
const strong = STRONG.map(fold);
const mildWords = MILD.filter((m) => !m.includes(' ')).map(fold);
const mildPhrases = MILD.filter((m) => m.includes(' ')).map(fold);

const matches = (entry: string, token: string) => (entry.endsWith('*') ? token.startsWith(entry.slice(0, -1)) : token === entry);

/** Whether a customer's message is clearly angry or upset, and why. */
export function readSentiment(text: string): SentimentReading {
  const tokens = fold(text).match(/[\p{L}'-]+/gu) ?? [];
  const signals: string[] = [];
  let score = 0;
  tokens.forEach((token, i) => {
    if (NEGATORS.has(tokens[i - 1] ?? '')) return;
    if (strong.some((e) => matches(e, token))) {
      score += 2;
      signals.push(token);
    } else if (mildWords.includes(token)) {
      score += 1;
      signals.push(token);
    }
  });
  const joined = ` ${tokens.join(' ')} `;
  for (const phrase of mildPhrases) {
    if (joined.includes(` ${phrase} `)) {
      score += 1;
      signals.push(phrase);
    }
  }
  const shouting: string[] = [];
  const letters = text.match(/\p{L}/gu) ?? [];
  const capitals = text.match(/\p{Lu}/gu) ?? [];
  if (letters.length >= 12 && capitals.length / letters.length >= 0.8) shouting.push('all_caps');
  if (/!{3,}|[!?]{4,}/.test(text)) shouting.push('exclamations');
  const negative = score >= 2 || (score >= 1 && shouting.length > 0);
  return { negative, signals: negative ? [...signals, ...shouting] : [] };
}
