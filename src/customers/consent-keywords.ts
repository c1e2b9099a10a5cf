/**
 * Marketing consent by keyword: a customer's message that is only STOP, UNSUBSCRIBE, BAJA… opts them
 * out at once, START, ALTA… back in; either is confirmed in their language. WhatsApp does not do this
 * for a business, so the agent does, before the model sees the message.
 */
const KEYWORDS: Record<string, { to: 'opted_out' | 'opted_in'; language?: string }> = {
  stop: { to: 'opted_out' }, unsubscribe: { to: 'opted_out' }, 'stop all': { to: 'opted_out' }, optout: { to: 'opted_out' }, 'opt out': { to: 'opted_out' },
  baja: { to: 'opted_out', language: 'es' }, 'dar de baja': { to: 'opted_out', language: 'es' }, 'darme de baja': { to: 'opted_out', language: 'es' },
  stopp: { to: 'opted_out', language: 'de' }, abmelden: { to: 'opted_out', language: 'de' },
  arret: { to: 'opted_out', language: 'fr' }, 'arrêt': { to: 'opted_out', language: 'fr' }, desabonner: { to: 'opted_out', language: 'fr' }, 'désabonner': { to: 'opted_out', language: 'fr' },
  'disiscrivi': { to: 'opted_out', language: 'it' }, 'cancellami': { to: 'opted_out', language: 'it' },
  parar: { to: 'opted_out', language: 'pt' }, sair: { to: 'opted_out', language: 'pt' },
  start: { to: 'opted_in' }, subscribe: { to: 'opted_in' }, unstop: { to: 'opted_in' },
  alta: { to: 'opted_in', language: 'es' }, anmelden: { to: 'opted_in', language: 'de' }, 'iscrivi': { to: 'opted_in', language: 'it' },
};

export interface ConsentKeyword {
  keyword: string;
  to: 'opted_out' | 'opted_in';
  language?: string;
}

/** The keyword a message is, if it is nothing else (case, spaces and punctuation aside). */
export function consentKeyword(text: string): ConsentKeyword | undefined {
  const normalized = text.normalize('NFC').trim().toLowerCase().replace(/[.!¡?¿,;:"'()*_~-]+/g, ' ').replace(/\s+/g, ' ').trim();
  const found = KEYWORDS[normalized];
  return found ? { keyword: normalized, ...found } : undefined;
}

const REPLIES: Record<string, { opted_out: string; opted_in: string }> = {
  en: { opted_out: 'Done: you will get no more marketing messages from us. Reply START to receive them again. You can still write to us here any time.', opted_in: 'Done: you will receive our news and offers here. Reply STOP at any time to stop them.' },
  es: { opted_out: 'Hecho: no recibirás más mensajes promocionales. Responde ALTA para volver a recibirlos. Puedes seguir escribiéndonos aquí cuando quieras.', opted_in: 'Hecho: recibirás nuestras novedades y ofertas aquí. Responde BAJA cuando quieras para dejar de recibirlas.' },
  de: { opted_out: 'Erledigt: Sie erhalten keine Werbenachrichten mehr von uns. Antworten Sie START, um sie wieder zu erhalten.', opted_in: 'Erledigt: Sie erhalten unsere Neuigkeiten und Angebote hier. Antworten Sie jederzeit STOPP, um sie abzubestellen.' },
  fr: { opted_out: 'C’est fait : vous ne recevrez plus nos messages promotionnels. Répondez START pour les recevoir à nouveau.', opted_in: 'C’est fait : vous recevrez nos nouveautés et offres ici. Répondez STOP à tout moment pour les arrêter.' },
  it: { opted_out: 'Fatto: non riceverai più messaggi promozionali. Rispondi START per riceverli di nuovo.', opted_in: 'Fatto: riceverai qui le nostre novità e offerte. Rispondi STOP in qualsiasi momento per interromperle.' },
  pt: { opted_out: 'Feito: não receberá mais mensagens promocionais. Responda START para voltar a recebê-las.', opted_in: 'Feito: receberá aqui as nossas novidades e ofertas. Responda PARAR a qualquer momento para as interromper.' },
};

export const consentReply = (language: string | null | undefined, to: 'opted_out' | 'opted_in'): string => (REPLIES[language ?? 'en'] ?? REPLIES.en!)[to];
