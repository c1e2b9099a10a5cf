import { ANSWER_PROMPT_MARKER, plainAnswer, type ResultSummary, SQL_PROMPT_MARKER } from '../../src/analytics/data-prompts';
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

/** "Result: {…}" → the rows as the product states them when the model may not (one formatting for both). */
function statedResult(user: string): string {
  return plainAnswer(JSON.parse(user.slice(user.indexOf('Result: ') + 'Result: '.length)) as ResultSummary);
}
