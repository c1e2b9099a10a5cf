/**
 * What the customer reads around a custom `write` tool, in their language: the summary they confirm
 * (the tool's name and its validated arguments, nothing the model wrote), and the outcome.
 */

const CONFIRM: Record<string, string> = {
  en: 'Please confirm this action',
  es: 'Confirma esta acción',
  de: 'Bitte bestätigen Sie diese Aktion',
  fr: 'Veuillez confirmer cette action',
  it: 'Conferma questa azione',
  pt: 'Confirme esta ação',
};

const DONE: Record<string, string> = {
  en: 'Done ✅',
  es: 'Hecho ✅',
  de: 'Erledigt ✅',
  fr: "C'est fait ✅",
  it: 'Fatto ✅',
  pt: 'Feito ✅',
};

const NOT_DONE: Record<string, string> = {
  en: 'That could not be done, so nothing was changed.',
  es: 'No se ha podido hacer, así que no se ha cambiado nada.',
  de: 'Das ließ sich nicht ausführen, es wurde nichts geändert.',
  fr: "Cela n'a pas pu être fait, rien n'a donc été modifié.",
  it: 'Non è stato possibile farlo, quindi non è stato cambiato nulla.',
  pt: 'Não foi possível fazer isso, por isso nada foi alterado.',
};

const pick = (table: Record<string, string>, language: string) => table[language] ?? table.en!;

/** `update_delivery_address` → "Update delivery address". */
const label = (name: string) => name.charAt(0).toUpperCase() + name.slice(1).replace(/_/g, ' ');
const readable = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export const httpToolMessages = {
  summary(language: string, tool: string, args: Record<string, unknown>): string {
    const lines = Object.entries(args).filter(([, v]) => v !== undefined).map(([name, value]) => `• ${name}: ${readable(value)}`);
    return [`${pick(CONFIRM, language)}: ${label(tool)}`, ...lines].join('\n');
  },
  done: (language: string) => pick(DONE, language),
  notDone: (language: string) => pick(NOT_DONE, language),
};
