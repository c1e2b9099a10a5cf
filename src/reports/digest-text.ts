import { formatMoney } from '../orders/money';
import type { DigestFigures } from './daily-digest.service';

/** The digest as owners read it on WhatsApp: one line per figure, quiet figures left out. */
export function digestText(business: string, date: string, f: DigestFigures): string {
  const revenue = f.revenue.length > 0 ? ` (revenue ${f.revenue.map((r) => formatMoney(r.amount, r.currency)).join(', ')})` : '';
  const lines = [
    `${business}: daily report for ${date}`,
    `Messages: ${f.messagesIn} in, ${f.messagesOut} out`,
    `New customers: ${f.newCustomers}`,
    `Handed to a person: ${f.handedOff} · closed: ${f.closed}`,
    f.ordersPlaced + f.ordersPaid > 0 ? `Orders: ${f.ordersPlaced} placed, ${f.ordersPaid} paid${revenue}` : undefined,
    f.appointmentsBooked > 0 ? `Appointments booked: ${f.appointmentsBooked}` : undefined,
    f.returnsRequested > 0 ? `Returns requested: ${f.returnsRequested}` : undefined,
    f.campaignSends > 0 ? `Campaign messages sent: ${f.campaignSends}` : undefined,
    f.knowledgeGaps > 0 ? `Questions the agent could not answer: ${f.knowledgeGaps}${f.topKnowledgeGaps.length ? ` (${f.topKnowledgeGaps.map((q) => `"${q.slice(0, 80)}"`).join(', ')})` : ''}` : undefined,
  ];
  return lines.filter((l): l is string => l !== undefined).join('\n');
}
