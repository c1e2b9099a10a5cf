import type { SummarySource, SummaryTrigger } from './conversation-summaries.service';

/** The longest summary stored: a glance for the person picking the conversation up, not a report. */
export const SUMMARY_MAX_LENGTH = 600;

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', es: 'Spanish', de: 'German', fr: 'French', it: 'Italian', pt: 'Portuguese', nl: 'Dutch' };

/** The language's English name for the prompt (a code the table does not know is passed as it is). */
export const languageName = (code: string | undefined) => LANGUAGE_NAMES[code ?? 'en'] ?? code ?? 'English';

/** The model's instructions: four points, short, in the business's language, only what the transcript says. */
export function summaryPrompt(trigger: SummaryTrigger, language: string | undefined): string {
  return [
    'You write an internal note for the team of a business about one WhatsApp conversation with a customer.',
    trigger === 'handoff' ? 'The conversation has just been handed to a person from the team, who will read this before answering.' : 'The conversation has just been closed; the note is kept with it.',
    'Say in plain sentences: who the customer is, what they want, what was done (by the assistant, its tools or the team), and what is still pending.',
    `Write in ${languageName(language)}. At most ${SUMMARY_MAX_LENGTH} characters. Use only what the transcript says; do not invent facts. Output only the note.`,
  ].join('\n');
}

/** The transcript as the model reads it: one line per message or tool call, oldest first. */
export function transcriptText(source: SummarySource): string {
  const customer = source.customerName ? `${source.customerName} (${source.customerPhone})` : source.customerPhone;
  const header = [`Customer: ${customer}`];
  if (source.escalation) header.push(`Handed to a person because: ${source.escalation.cause}${source.escalation.reason ? ` (${source.escalation.reason})` : ''}`);
  return [...header, 'Transcript:', ...source.lines.map((l) => `[${l.at.slice(0, 16).replace('T', ' ')}] ${l.who}: ${l.text}`)].join('\n');
}

/**
 * The summary without a model (none configured, budget spent, or the call failed): who the customer is,
 * why a person was asked for, what the customer wrote last and what the tools did. Deterministic.
 */
export function extractiveSummary(trigger: SummaryTrigger, source: SummarySource): string {
  const customer = source.customerName ? `${source.customerName} (${source.customerPhone})` : source.customerPhone;
  const parts: string[] = [];
  if (trigger === 'handoff') {
    const why = source.escalation ? `${source.escalation.cause.replace(/_/g, ' ')}${source.escalation.reason ? `: ${source.escalation.reason}` : ''}` : 'requested';
    parts.push(`Handed to a person (${why}).`);
  } else {
    parts.push(source.closedBy ? `Closed by ${source.closedBy.replace(/^agent:/, '')}.` : 'Closed.');
  }
  parts.push(`Customer: ${customer}.`);
  const said = source.lines.filter((l) => l.who === 'Customer').slice(-3).map((l) => `"${oneLine(l.text, 140)}"`);
  if (said.length > 0) parts.push(`Last from the customer: ${said.join(' / ')}.`);
  const tools = source.lines.filter((l) => l.who === 'Tool').slice(-3).map((l) => oneLine(l.text.replace(/ \{.*\} → /, ' → '), 60));
  if (tools.length > 0) parts.push(`Tools: ${tools.join('; ')}.`);
  return clip(parts.join(' '));
}

/** Cuts a text to SUMMARY_MAX_LENGTH at a word boundary. */
export function clip(text: string, max = SUMMARY_MAX_LENGTH): string {
  const clean = text.trim();
  if (clean.length <= max) return clean;
  const cut = clean.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

const oneLine = (text: string, max: number) => clip(text.replace(/\s+/g, ' '), max);
