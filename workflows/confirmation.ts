/**
 * Confirmation before side effects: which answers count as yes or no, and the fixed texts around
 * them. Pure and deterministic, used inside workflows.
 */

const YES = ['yes', 'y', 'yeah', 'yep', 'yup', 'ok', 'okay', 'confirm', 'confirmed', 'sure', 'si', 'sí', 'claro', 'vale', 'confirmo', 'ja', 'jawohl', 'oui', "d'accord", 'certo', 'sim', '✅', '👍'];
const NO = ['no', 'n', 'nope', 'cancel', 'cancelar', 'cancela', 'nein', 'abbrechen', 'non', 'annuler', 'annulla', 'não', 'nao', '❌', '👎'];
/** Words that may surround a yes or no without changing it ("yes please", "no, thanks"). */
const FILLER = ['please', 'thanks', 'thank', 'you', 'por', 'favor', 'gracias', 'bitte', 'danke', 'merci', 'grazie', 'obrigado', 'obrigada', 'it', 'do', 'go', 'ahead', 'de', 'acuerdo'];

/**
 * `yes` or `no` when the message is only that (with courtesy words around it); anything else is not
 * an answer, so "yes but make it two" never confirms the old summary.
 */
export function confirmationAnswer(text: string): 'yes' | 'no' | undefined {
  const words = text.toLowerCase().match(/[\p{L}\p{N}']+|\p{Extended_Pictographic}/gu) ?? [];
  if (words.length === 0 || words.length > 5) return undefined;
  const meaningful = words.filter((w) => !FILLER.includes(w));
  if (meaningful.length === 0) return undefined;
  if (meaningful.every((w) => YES.includes(w))) return 'yes';
  if (meaningful.every((w) => NO.includes(w))) return 'no';
  return undefined;
}

/**
 * The customer's answer to a summary shown at `shownAt`: every message of the turn must say the same
 * yes or no, and have been written after the summary reached them. A "yes" typed while the summary
 * was still being prepared, or "make it 3" next to a "yes", is not an answer.
 */
export function answerToSummary(messages: { body: string; receivedAt: string }[], shownAt: string | undefined): 'yes' | 'no' | undefined {
  const written = messages.filter((m) => m.body.trim() !== '');
  if (written.length === 0) return undefined;
  if (shownAt && written.some((m) => Date.parse(m.receivedAt) < Date.parse(shownAt))) return undefined;
  const answers = new Set(written.map((m) => confirmationAnswer(m.body)));
  return answers.size === 1 ? [...answers][0] : undefined;
}

const ASK: Record<string, string> = {
  en: 'Reply YES to confirm or NO to cancel.',
  es: 'Responde SÍ para confirmar o NO para cancelar.',
  de: 'Antworten Sie JA zum Bestätigen oder NEIN zum Abbrechen.',
  fr: 'Répondez OUI pour confirmer ou NON pour annuler.',
  it: 'Rispondi SÌ per confermare o NO per annullare.',
  pt: 'Responda SIM para confirmar ou NÃO para cancelar.',
};

const DECLINED: Record<string, string> = {
  en: 'Cancelled: nothing was done.',
  es: 'Cancelado: no se ha hecho nada.',
  de: 'Abgebrochen: es wurde nichts ausgeführt.',
  fr: "Annulé : rien n'a été fait.",
  it: 'Annullato: non è stato fatto nulla.',
  pt: 'Cancelado: nada foi feito.',
};

const EXPIRED: Record<string, string> = {
  en: 'That summary has expired, so nothing was done. Tell me again if you still want it.',
  es: 'Ese resumen ha caducado, así que no se ha hecho nada. Dímelo de nuevo si todavía lo quieres.',
  de: 'Diese Zusammenfassung ist abgelaufen, es wurde nichts ausgeführt. Sagen Sie es mir noch einmal, wenn Sie es weiterhin möchten.',
  fr: "Ce récapitulatif a expiré, rien n'a donc été fait. Redites-le-moi si vous le souhaitez toujours.",
  it: 'Quel riepilogo è scaduto, quindi non è stato fatto nulla. Dimmelo di nuovo se lo desideri ancora.',
  pt: 'Esse resumo expirou, por isso nada foi feito. Diga-me novamente se ainda quiser.',
};

const FAILED: Record<string, string> = {
  en: 'Sorry, I could not complete that right now. A person from the team will check it and get back to you here.',
  es: 'Lo siento, no he podido completarlo ahora. Una persona del equipo lo revisará y te responderá aquí.',
  de: 'Das konnte ich gerade leider nicht abschließen. Eine Person aus dem Team prüft es und meldet sich hier.',
  fr: "Désolé, je n'ai pas pu terminer cela pour le moment. Une personne de l'équipe va vérifier et vous répondre ici.",
  it: 'Mi dispiace, non sono riuscito a completarlo ora. Una persona del team controllerà e ti risponderà qui.',
  pt: 'Desculpe, não consegui concluir isso agora. Uma pessoa da equipe vai verificar e responder aqui.',
};

export const expiredReply = (language = 'en') => EXPIRED[language] ?? EXPIRED.en!;
export const actionFailedReply = (language = 'en') => FAILED[language] ?? FAILED.en!;
export const askToConfirm = (language = 'en') => ASK[language] ?? ASK.en!;
export const declinedReply = (language = 'en') => DECLINED[language] ?? DECLINED.en!;
