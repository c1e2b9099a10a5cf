import { formatMoney } from './money';
import { describeOrder, type Order, type PricedOrder } from './orders.service';

/**
 * What the customer reads about an order, in their language. Rendered from the database, never
 * written by the model: numbers, items and totals are the order's own.
 */
type Texts = {
  confirm: string;
  placed: (number: string, total: string) => string;
  payLink: (number: string, total: string, url: string) => string;
  reminder: (number: string, url: string) => string;
  cancelled: (number: string) => string;
  paid: (number: string) => string;
  status: Record<Order['status'], string>;
};

const TEXTS: Record<string, Texts> = {
  en: {
    confirm: 'Please confirm your order:',
    placed: (n, t) => `Order #${n} is placed (total ${t}). The payment link follows.`,
    payLink: (n, t, u) => `To pay order #${n} (${t}), open: ${u}`,
    reminder: (n, u) => `Reminder: order #${n} is waiting for payment: ${u}. Unpaid orders are cancelled.`,
    cancelled: (n) => `Order #${n} was not paid in time and has been cancelled.`,
    paid: (n) => `Payment received, thank you! Receipt for order #${n}:`,
    status: { awaiting_payment: 'waiting for payment', paid: 'paid', cancelled: 'cancelled' },
  },
  es: {
    confirm: 'Confirma tu pedido, por favor:',
    placed: (n, t) => `El pedido #${n} está hecho (total ${t}). Ahora te envío el enlace de pago.`,
    payLink: (n, t, u) => `Para pagar el pedido #${n} (${t}), abre: ${u}`,
    reminder: (n, u) => `Recordatorio: el pedido #${n} está pendiente de pago: ${u}. Los pedidos sin pagar se cancelan.`,
    cancelled: (n) => `El pedido #${n} no se pagó a tiempo y se ha cancelado.`,
    paid: (n) => `¡Pago recibido, gracias! Recibo del pedido #${n}:`,
    status: { awaiting_payment: 'pendiente de pago', paid: 'pagado', cancelled: 'cancelado' },
  },
  de: {
    confirm: 'Bitte bestätigen Sie Ihre Bestellung:',
    placed: (n, t) => `Bestellung #${n} ist aufgegeben (Summe ${t}). Der Zahlungslink folgt.`,
    payLink: (n, t, u) => `Zum Bezahlen der Bestellung #${n} (${t}) öffnen Sie: ${u}`,
    reminder: (n, u) => `Erinnerung: Bestellung #${n} wartet auf Zahlung: ${u}. Unbezahlte Bestellungen werden storniert.`,
    cancelled: (n) => `Bestellung #${n} wurde nicht rechtzeitig bezahlt und ist storniert.`,
    paid: (n) => `Zahlung erhalten, danke! Beleg für Bestellung #${n}:`,
    status: { awaiting_payment: 'wartet auf Zahlung', paid: 'bezahlt', cancelled: 'storniert' },
  },
  fr: {
    confirm: 'Merci de confirmer votre commande :',
    placed: (n, t) => `La commande #${n} est passée (total ${t}). Le lien de paiement suit.`,
    payLink: (n, t, u) => `Pour payer la commande #${n} (${t}), ouvrez : ${u}`,
    reminder: (n, u) => `Rappel : la commande #${n} attend son paiement : ${u}. Les commandes non payées sont annulées.`,
    cancelled: (n) => `La commande #${n} n'a pas été payée à temps et a été annulée.`,
    paid: (n) => `Paiement reçu, merci ! Reçu de la commande #${n} :`,
    status: { awaiting_payment: 'en attente de paiement', paid: 'payée', cancelled: 'annulée' },
  },
  it: {
    confirm: 'Conferma il tuo ordine, per favore:',
    placed: (n, t) => `L'ordine #${n} è stato creato (totale ${t}). Segue il link di pagamento.`,
    payLink: (n, t, u) => `Per pagare l'ordine #${n} (${t}), apri: ${u}`,
    reminder: (n, u) => `Promemoria: l'ordine #${n} attende il pagamento: ${u}. Gli ordini non pagati vengono annullati.`,
    cancelled: (n) => `L'ordine #${n} non è stato pagato in tempo ed è stato annullato.`,
    paid: (n) => `Pagamento ricevuto, grazie! Ricevuta dell'ordine #${n}:`,
    status: { awaiting_payment: 'in attesa di pagamento', paid: 'pagato', cancelled: 'annullato' },
  },
  pt: {
    confirm: 'Confirme o seu pedido, por favor:',
    placed: (n, t) => `O pedido #${n} foi feito (total ${t}). O link de pagamento vem a seguir.`,
    payLink: (n, t, u) => `Para pagar o pedido #${n} (${t}), abra: ${u}`,
    reminder: (n, u) => `Lembrete: o pedido #${n} aguarda pagamento: ${u}. Pedidos não pagos são cancelados.`,
    cancelled: (n) => `O pedido #${n} não foi pago a tempo e foi cancelado.`,
    paid: (n) => `Pagamento recebido, obrigado! Recibo do pedido #${n}:`,
    status: { awaiting_payment: 'aguardando pagamento', paid: 'pago', cancelled: 'cancelado' },
  },
};

const texts = (language: string) => TEXTS[language] ?? TEXTS.en!;
const total = (o: PricedOrder) => formatMoney(o.total, o.currency);

export const orderMessages = {
  confirm: (language: string, order: PricedOrder) => `${texts(language).confirm}\n${describeOrder(order)}`,
  placed: (language: string, order: Order) => texts(language).placed(order.number, total(order)),
  payLink: (language: string, order: Order, url: string) => texts(language).payLink(order.number, total(order), url),
  reminder: (language: string, order: Order, url: string) => texts(language).reminder(order.number, url),
  cancelled: (language: string, order: Order) => texts(language).cancelled(order.number),
  receipt: (language: string, order: Order) => `${texts(language).paid(order.number)}\n${describeOrder(order)}`,
  status: (language: string, status: Order['status']) => texts(language).status[status],
};
