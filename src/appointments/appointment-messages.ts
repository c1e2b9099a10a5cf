import { describeTime } from './slots';

/**
 * What the customer reads about an appointment, in their language, rendered from the database:
 * the service's name and the time in the service's time zone.
 */
type Texts = {
  confirmBook: (what: string, when: string) => string;
  confirmCancel: (what: string, when: string) => string;
  confirmMove: (what: string, from: string, to: string) => string;
  booked: (what: string, when: string) => string;
  cancelled: (what: string, when: string) => string;
  moved: (what: string, when: string) => string;
  reminder: (what: string, when: string) => string;
};

const TEXTS: Record<string, Texts> = {
  en: {
    confirmBook: (w, t) => `Please confirm your booking: ${w} on ${t}.`,
    confirmCancel: (w, t) => `Please confirm you want to cancel: ${w} on ${t}.`,
    confirmMove: (w, f, t) => `Please confirm the change: ${w} moves from ${f} to ${t}.`,
    booked: (w, t) => `Booked: ${w} on ${t}. You will get a reminder the day before and an hour before.`,
    cancelled: (w, t) => `Cancelled: ${w} on ${t}.`,
    moved: (w, t) => `Done: ${w} is now on ${t}.`,
    reminder: (w, t) => `Reminder: ${w} on ${t}. Reply here if you need to change it.`,
  },
  es: {
    confirmBook: (w, t) => `Confirma tu reserva, por favor: ${w} el ${t}.`,
    confirmCancel: (w, t) => `Confirma que quieres cancelar: ${w} el ${t}.`,
    confirmMove: (w, f, t) => `Confirma el cambio: ${w} pasa del ${f} al ${t}.`,
    booked: (w, t) => `Reservado: ${w} el ${t}. Te enviaremos un recordatorio el día antes y una hora antes.`,
    cancelled: (w, t) => `Cancelado: ${w} el ${t}.`,
    moved: (w, t) => `Hecho: ${w} queda el ${t}.`,
    reminder: (w, t) => `Recordatorio: ${w} el ${t}. Responde aquí si necesitas cambiarlo.`,
  },
  de: {
    confirmBook: (w, t) => `Bitte bestätigen Sie Ihre Buchung: ${w} am ${t}.`,
    confirmCancel: (w, t) => `Bitte bestätigen Sie die Stornierung: ${w} am ${t}.`,
    confirmMove: (w, f, t) => `Bitte bestätigen Sie die Änderung: ${w} wird von ${f} auf ${t} verschoben.`,
    booked: (w, t) => `Gebucht: ${w} am ${t}. Sie erhalten am Vortag und eine Stunde vorher eine Erinnerung.`,
    cancelled: (w, t) => `Storniert: ${w} am ${t}.`,
    moved: (w, t) => `Erledigt: ${w} ist jetzt am ${t}.`,
    reminder: (w, t) => `Erinnerung: ${w} am ${t}. Antworten Sie hier, wenn Sie etwas ändern möchten.`,
  },
  fr: {
    confirmBook: (w, t) => `Merci de confirmer votre réservation : ${w} le ${t}.`,
    confirmCancel: (w, t) => `Merci de confirmer l'annulation : ${w} le ${t}.`,
    confirmMove: (w, f, t) => `Merci de confirmer le changement : ${w} passe du ${f} au ${t}.`,
    booked: (w, t) => `Réservé : ${w} le ${t}. Vous recevrez un rappel la veille et une heure avant.`,
    cancelled: (w, t) => `Annulé : ${w} le ${t}.`,
    moved: (w, t) => `C'est fait : ${w} est maintenant le ${t}.`,
    reminder: (w, t) => `Rappel : ${w} le ${t}. Répondez ici si vous devez le modifier.`,
  },
  it: {
    confirmBook: (w, t) => `Conferma la prenotazione, per favore: ${w} il ${t}.`,
    confirmCancel: (w, t) => `Conferma che vuoi annullare: ${w} il ${t}.`,
    confirmMove: (w, f, t) => `Conferma la modifica: ${w} passa da ${f} a ${t}.`,
    booked: (w, t) => `Prenotato: ${w} il ${t}. Riceverai un promemoria il giorno prima e un'ora prima.`,
    cancelled: (w, t) => `Annullato: ${w} il ${t}.`,
    moved: (w, t) => `Fatto: ${w} ora è il ${t}.`,
    reminder: (w, t) => `Promemoria: ${w} il ${t}. Rispondi qui se devi cambiarlo.`,
  },
  pt: {
    confirmBook: (w, t) => `Confirme a sua reserva, por favor: ${w} em ${t}.`,
    confirmCancel: (w, t) => `Confirme que quer cancelar: ${w} em ${t}.`,
    confirmMove: (w, f, t) => `Confirme a alteração: ${w} passa de ${f} para ${t}.`,
    booked: (w, t) => `Reservado: ${w} em ${t}. Você receberá um lembrete no dia anterior e uma hora antes.`,
    cancelled: (w, t) => `Cancelado: ${w} em ${t}.`,
    moved: (w, t) => `Feito: ${w} agora é em ${t}.`,
    reminder: (w, t) => `Lembrete: ${w} em ${t}. Responda aqui se precisar alterar.`,
  },
};

interface Described {
  serviceName: string;
  startsAt: number;
  timeZone: string;
}

const texts = (language: string) => TEXTS[language] ?? TEXTS.en!;
const when = (a: Described, language: string) => describeTime(a.startsAt, a.timeZone, language);

export const appointmentMessages = {
  confirmBook: (l: string, a: Described) => texts(l).confirmBook(a.serviceName, when(a, l)),
  confirmCancel: (l: string, a: Described) => texts(l).confirmCancel(a.serviceName, when(a, l)),
  confirmMove: (l: string, a: Described, to: number) => texts(l).confirmMove(a.serviceName, when(a, l), describeTime(to, a.timeZone, l)),
  booked: (l: string, a: Described) => texts(l).booked(a.serviceName, when(a, l)),
  cancelled: (l: string, a: Described) => texts(l).cancelled(a.serviceName, when(a, l)),
  moved: (l: string, a: Described) => texts(l).moved(a.serviceName, when(a, l)),
  reminder: (l: string, a: Described) => texts(l).reminder(a.serviceName, when(a, l)),
};
