/**
 * Data questions from staff: the shapes the question workflow and its activities share, and how a
 * staff member's message is read (a report, help, or a free question). Pure definitions: imported
 * from inside the workflow sandbox.
 */

/** A chart the model asks for: what to plot, never code. The server builds and renders it. */
export interface ChartRequest {
  type: 'bar' | 'line' | 'pie' | 'table';
  x: string;
  y: string;
  series?: string;
  title: string;
}

/** The model's draft for a question: SQL with an optional chart, or a plain reply (no data needed). */
export type DataDraft =
  | { kind: 'query'; sql: string; chart: ChartRequest | null }
  | { kind: 'reply'; text: string }
  | { kind: 'no_model' }
  /** The day's token budget (the staff member's or the integration's) is spent: the model was not called. */
  | { kind: 'over_budget' };

export type DataRun =
  | { ok: true; columns: { name: string; type: string }[]; rows: Record<string, unknown>[]; truncated: boolean }
  | { ok: false; stage: 'rejected' | 'too_costly' | 'timeout' | 'failed'; error: string };

/** One try at a question, kept in `data_questions.attempts` (the trail a person reads). */
export interface DataAttempt {
  sql: string;
  outcome: 'ok' | 'rejected' | 'too_costly' | 'timeout' | 'failed';
  error?: string;
  rows?: number;
}

export interface DataQuestionInput {
  integrationId: string;
  conversationSid: string;
  staffId: string;
  question: string;
  /** The staff member's customer record in this conversation: whose daily token budget the model's calls count against. */
  customerId?: string;
}

export interface DataAnswer {
  text: string;
  status: 'answered' | 'unanswerable' | 'failed';
  /** The chart drawn for it, sent with the answer. */
  chart?: { chartId: string; path?: string };
}

/** The staff member a message comes from, as the database says for this turn (never the message). */
export interface StaffSender {
  id: string;
  name: string;
  role: 'owner' | 'analyst' | 'agent';
}

/** Roles that reach the data tools. */
export const DATA_ROLES: readonly StaffSender['role'][] = ['owner', 'analyst'];

export type ReportPeriodName = 'today' | 'yesterday' | 'this_week' | 'last_week' | 'this_month';

export type StaffRequest = { kind: 'report'; period: ReportPeriodName } | { kind: 'help' } | { kind: 'question'; question: string };

const REPORT_WORDS = /^(?:report|reporte|informe|rapport|bericht|relatório|relatorio)\b/i;
const PERIOD_WORDS: [RegExp, ReportPeriodName][] = [
  [/\b(last week|semana pasada|semaine dernière|letzte woche|semana passada)\b/i, 'last_week'],
  [/\b(yesterday|ayer|hier|gestern|ontem)\b/i, 'yesterday'],
  [/\b(week|semana|semaine|woche)\b/i, 'this_week'],
  [/\b(month|mes|mois|monat|mês)\b/i, 'this_month'],
];
const HELP = /^(help|ayuda|aide|hilfe|ajuda|menu|menú|\?)$/i;

/** "report this week" → a report; "help" → the help text; anything else is a question. */
export function readStaffRequest(text: string): StaffRequest {
  const t = text.trim();
  if (HELP.test(t)) return { kind: 'help' };
  if (REPORT_WORDS.test(t) && t.split(/\s+/).length <= 4) {
    return { kind: 'report', period: PERIOD_WORDS.find(([re]) => re.test(t))?.[1] ?? 'today' };
  }
  return { kind: 'question', question: t };
}

export const STAFF_HELP =
  'Ask me about your business data in your own words, e.g. "how many orders last week by city?" or "chart revenue per day this month".\n' +
  'Reports from the named metrics: "report today", "report yesterday", "report this week", "report last week", "report this month".';

export const BUDGET_DATA_REPLY =
  "Today's language-model budget is spent, so free questions wait until tomorrow (UTC). " +
  'Reports still work: "report today", "report this week", "report this month".';

export const NO_MODEL_DATA_REPLY =
  'Free questions need a language model (OPENAI_API_KEY), which is not configured. ' +
  'Reports work without one: "report today", "report this week", "report this month".';

export const dataQuestionWorkflowId = (turnKey: string) => `${turnKey}:question`;
