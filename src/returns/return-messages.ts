import { formatMoney } from '../orders/money';
import type { ReturnRecord, ReturnStatus } from './returns.service';

/** What the customer reads about a return, in their language, from the return as stored. */
type Texts = { confirm: string; kind: Record<ReturnRecord['kind'], string>; status: Record<ReturnStatus, (r: ReturnRecord, amount: string) => string> };

const TEXTS: Record<string, Texts> = {
  en: {
    confirm: 'Please confirm your return request:',
    kind: { refund: 'refund', exchange: 'exchange' },
    status: {
      requested: (r) => `Return request for order #${r.orderNumber} received. We will tell you here when it is approved.`,
      approved: (r) => `Your return for order #${r.orderNumber} is approved. Please send the items back; we will confirm when they arrive.`,
      rejected: (r) => `Sorry, your return for order #${r.orderNumber} was not approved.`,
      received: (r) => `We received the items you returned from order #${r.orderNumber}.`,
      refunded: (r, a) => `Your refund of ${a} for order #${r.orderNumber} has been issued.`,
      exchanged: (r) => `Your exchange for order #${r.orderNumber} is on its way.`,
    },
  },
  es: {
    confirm: 'Confirma tu solicitud de devolución, por favor:',
    kind: { refund: 'reembolso', exchange: 'cambio' },
    status: {
      requested: (r) => `Hemos recibido la solicitud de devolución del pedido #${r.orderNumber}. Te avisaremos aquí cuando esté aprobada.`,
      approved: (r) => `Tu devolución del pedido #${r.orderNumber} está aprobada. Envíanos los artículos; te confirmaremos cuando lleguen.`,
      rejected: (r) => `Lo sentimos, tu devolución del pedido #${r.orderNumber} no ha sido aprobada.`,
      received: (r) => `Hemos recibido los artículos devueltos del pedido #${r.orderNumber}.`,
      refunded: (r, a) => `Hemos emitido tu reembolso de ${a} del pedido #${r.orderNumber}.`,
      exchanged: (r) => `Tu cambio del pedido #${r.orderNumber} está en camino.`,
    },
  },
  de: {
    confirm: 'Bitte bestätigen Sie Ihre Rücksendung:',
    kind: { refund: 'Erstattung', exchange: 'Umtausch' },
    status: {
      requested: (r) => `Ihre Rücksendung für Bestellung #${r.orderNumber} ist eingegangen. Wir melden uns hier, sobald sie genehmigt ist.`,
      approved: (r) => `Ihre Rücksendung für Bestellung #${r.orderNumber} ist genehmigt. Bitte schicken Sie die Artikel zurück.`,
      rejected: (r) => `Ihre Rücksendung für Bestellung #${r.orderNumber} wurde leider nicht genehmigt.`,
      received: (r) => `Die zurückgesendeten Artikel aus Bestellung #${r.orderNumber} sind angekommen.`,
      refunded: (r, a) => `Ihre Erstattung von ${a} für Bestellung #${r.orderNumber} ist veranlasst.`,
      exchanged: (r) => `Ihr Umtausch für Bestellung #${r.orderNumber} ist unterwegs.`,
    },
  },
  fr: {
    confirm: 'Merci de confirmer votre demande de retour :',
    kind: { refund: 'remboursement', exchange: 'échange' },
    status: {
      requested: (r) => `Demande de retour pour la commande #${r.orderNumber} reçue. Nous vous dirons ici quand elle sera approuvée.`,
      approved: (r) => `Votre retour pour la commande #${r.orderNumber} est approuvé. Renvoyez-nous les articles.`,
      rejected: (r) => `Désolé, votre retour pour la commande #${r.orderNumber} n'a pas été approuvé.`,
      received: (r) => `Nous avons reçu les articles retournés de la commande #${r.orderNumber}.`,
      refunded: (r, a) => `Votre remboursement de ${a} pour la commande #${r.orderNumber} a été émis.`,
      exchanged: (r) => `Votre échange pour la commande #${r.orderNumber} est en route.`,
    },
  },
  it: {
    confirm: 'Conferma la tua richiesta di reso, per favore:',
    kind: { refund: 'rimborso', exchange: 'cambio' },
    status: {
      requested: (r) => `Richiesta di reso per l'ordine #${r.orderNumber} ricevuta. Ti avviseremo qui quando sarà approvata.`,
      approved: (r) => `Il reso per l'ordine #${r.orderNumber} è approvato. Rispediscici gli articoli.`,
      rejected: (r) => `Ci dispiace, il reso per l'ordine #${r.orderNumber} non è stato approvato.`,
      received: (r) => `Abbiamo ricevuto gli articoli resi dell'ordine #${r.orderNumber}.`,
      refunded: (r, a) => `Il rimborso di ${a} per l'ordine #${r.orderNumber} è stato emesso.`,
      exchanged: (r) => `Il cambio per l'ordine #${r.orderNumber} è in arrivo.`,
    },
  },
  pt: {
    confirm: 'Confirme o seu pedido de devolução, por favor:',
    kind: { refund: 'reembolso', exchange: 'troca' },
    status: {
      requested: (r) => `Pedido de devolução da encomenda #${r.orderNumber} recebido. Avisaremos aqui quando for aprovado.`,
      approved: (r) => `A devolução da encomenda #${r.orderNumber} foi aprovada. Envie-nos os artigos.`,
      rejected: (r) => `Lamentamos, a devolução da encomenda #${r.orderNumber} não foi aprovada.`,
      received: (r) => `Recebemos os artigos devolvidos da encomenda #${r.orderNumber}.`,
      refunded: (r, a) => `O reembolso de ${a} da encomenda #${r.orderNumber} foi emitido.`,
      exchanged: (r) => `A troca da encomenda #${r.orderNumber} está a caminho.`,
    },
  },
};

const texts = (language: string) => TEXTS[language] ?? TEXTS.en!;

export const returnMessages = {
  confirm: (language: string, r: { orderNumber: string; kind: ReturnRecord['kind']; reason: string; items: ReturnRecord['items']; amount: number; currency: string }) =>
    [
      texts(language).confirm,
      ...r.items.map((i) => `• ${i.quantity} × ${i.name} (${i.sku})`),
      `#${r.orderNumber} · ${texts(language).kind[r.kind]} · ${r.reason} · ${formatMoney(r.amount, r.currency)}`,
    ].join('\n'),
  status: (language: string, r: ReturnRecord, note?: string) => {
    const text = texts(language).status[r.status](r, formatMoney(r.amount, r.currency));
    return note ? `${text}\n${note}` : text;
  },
};
