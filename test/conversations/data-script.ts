import { ANSWER_PROMPT_MARKER, SQL_PROMPT_MARKER } from '../../src/analytics/data-prompts';
import type { ChartRequest } from '../../workflows/data-definitions';
import type { ChatHandler, ChatMessage, ChatRequest } from '../emulators/openai-emulator';

/** A question the scripted model knows: the SQL it answers with, and the chart it asks for. */
export interface ScriptedQuestion {
  question: string;
  sql: string;
  chart?: ChartRequest | null;
}

const textOf = (m: ChatMessage | undefined) =>
  typeof m?.content === 'string' ? m.content : Array.isArray(m?.content) ? m.content.map((p) => p.text ?? '').join('') : '';

const normalise = (q: string) => q.trim().toLowerCase().replace(/\s+/g, ' ').replace(/[?!.¿¡]+$/g, '');

/**
 * The model for data questions, scripted: the SQL step answers a known question with its SQL (and
 * chart), an unknown one with a plain reply; the answer step reads the result it is shown and states
 * it, so what reaches the staff member comes from the database, not from the script. `sqlFor` may
 * override the SQL per attempt (a first try the guard refuses, say). Other requests go to `fallback`.
 */
export function scriptDataQuestions(
  questions: ScriptedQuestion[],
  opts: { fallback?: ChatHandler; sqlFor?: (question: string, attempt: number) => string | undefined } = {},
): ChatHandler {
  const known = new Map(questions.map((q) => [normalise(q.question), q]));
  const attempts = new Map<string, number>();
  return (req: ChatRequest) => {
    const system = textOf(req.messages.find((m) => m.role === 'system'));
    const user = textOf([...req.messages].reverse().find((m) => m.role === 'user'));
    if (system.startsWith(SQL_PROMPT_MARKER)) {
      const key = normalise(user);
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const scripted = known.get(key);
      const sql = opts.sqlFor?.(user, attempt) ?? scripted?.sql;
      if (!sql) return { content: JSON.stringify({ sql: null, chart: null, reply: 'I cannot answer that from the data I can see.' }) };
      return { content: JSON.stringify({ sql, chart: scripted?.chart ? { series: null, ...scripted.chart } : null, reply: null }) };
    }
    if (system.startsWith(ANSWER_PROMPT_MARKER)) return { content: statedResult(user) };
    return opts.fallback ? opts.fallback(req) : { content: `Echo: ${user}` };
  };
}

/** "Result: {columns, rows…}" → the rows, one line each, as the model would state them. */
function statedResult(user: string): string {
  const json = user.slice(user.indexOf('Result: ') + 'Result: '.length);
  const result = JSON.parse(json) as { columns: string[]; rows: unknown[][]; rowCount: number; truncatedAtRowLimit: boolean };
  if (result.rowCount === 0) return 'There is no data for that.';
  const lines = result.rows.slice(0, 10).map((row) => row.map((v, i) => `${result.columns[i]}: ${v === null ? '–' : String(v)}`).join(', '));
  const more = result.rowCount > 10 ? [`…and ${result.rowCount - 10} more rows.`] : [];
  return [...lines, ...more, ...(result.truncatedAtRowLimit ? ['(cut at the row limit)'] : [])].join('\n');
}
