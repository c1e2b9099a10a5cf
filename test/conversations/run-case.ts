import type { ChatRequest, ScriptedReply } from '../emulators/openai-emulator';
import { messageEvent, newConversationSid, type TestApp } from '../support/test-app';
import { type ConversationCase, FIXTURE, type ScriptStep } from './suites';

export interface TurnOutcome {
  customer: string;
  replies: string[];
  tools: string[];
  problems: string[];
  latencyMs: number;
}

export interface CaseOutcome {
  name: string;
  skill: string;
  passed: boolean;
  turns: TurnOutcome[];
  tokens: number;
}

/** How long after the last reply a turn counts as finished (a confirmed order sends two messages). */
const SETTLE_MS = { scripted: 300, model: 1_500 };

/** Loads the suites' shop into the app. */
export async function loadFixture(t: TestApp): Promise<void> {
  for (const [method, path, body] of [
    ['PUT', '/api/settings', FIXTURE.settings],
    ['PUT', '/api/products', FIXTURE.products],
    ['PUT', '/api/services', FIXTURE.services],
    ...FIXTURE.knowledge.map((k) => ['POST', '/api/knowledge', k] as const),
  ] as const) {
    const res = await t.api(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  }
}

/**
 * Runs one case in a new conversation through the real webhook. `scripted`: the OpenAI emulator
 * answers from each turn's script; `model`: a real model answers and the scripts are ignored.
 */
export async function runCase(t: TestApp, c: ConversationCase, mode: 'scripted' | 'model', author = `whatsapp:+3460${Math.floor(1e6 + Math.random() * 8e6)}`): Promise<CaseOutcome> {
  const sid = newConversationSid();
  const turns: TurnOutcome[] = [];
  let seen = 0;
  for (const [i, turn] of c.turns.entries()) {
    if (mode === 'scripted') t.openai.respond(scripted(turn.script ?? []));
    const startedAt = new Date();
    const started = Date.now();
    await t.webhook(messageEvent({ ConversationSid: sid, Body: turn.customer, Author: author }), { idempotencyToken: `${sid}-${i}` });
    const replies: string[] = [];
    let latencyMs = 0;
    try {
      await t.twilio.waitForMessages(seen + 1, { conversationSid: sid, timeoutMs: mode === 'model' ? 90_000 : 20_000 });
      latencyMs = Date.now() - started;
      for (let count = -1; count !== t.twilio.messagesFor(sid).length; ) {
        count = t.twilio.messagesFor(sid).length;
        await new Promise((r) => setTimeout(r, SETTLE_MS[mode]));
      }
    } catch {
      latencyMs = Date.now() - started;
    }
    const all = t.twilio.messagesFor(sid);
    replies.push(...all.slice(seen).map((m) => m.body ?? ''));
    seen = all.length;

    const tools = ((await t.db.query(`SELECT tool FROM tool_calls WHERE conversation_sid = $1 AND created_at >= $2 ORDER BY created_at`, [sid, startedAt])) as { tool: string }[]).map((r) => r.tool);
    const problems: string[] = [];
    if (replies.length === 0) problems.push('no reply');
    for (const tool of turn.expect.tools ?? []) if (!tools.includes(tool)) problems.push(`${tool} was not called (called: ${tools.join(', ') || 'none'})`);
    const text = replies.join('\n');
    for (const pattern of turn.expect.reply ?? []) if (!pattern.test(text)) problems.push(`reply does not match ${pattern}`);
    for (const [table, expected] of Object.entries(turn.expect.records ?? {})) {
      const [{ n }] = (await t.db.query(`SELECT count(*)::int AS n FROM ${table} WHERE conversation_sid = $1`, [sid])) as { n: number }[];
      if (n !== expected) problems.push(`${table}: ${n}, expected ${expected}`);
    }
    turns.push({ customer: turn.customer, replies, tools, problems, latencyMs });
  }
  const [{ tokens }] = (await t.db.query(
    `SELECT coalesce(sum(u.prompt_tokens + u.completion_tokens), 0)::int AS tokens FROM llm_usage u JOIN customers c ON c.id = u.customer_id WHERE c.phone = $1`, [author],
  )) as { tokens: number }[];
  return { name: c.name, skill: c.skill, passed: turns.every((t) => t.problems.length === 0), turns, tokens };
}

/** The emulator's handler for one turn: the script's steps in order, one per model call. */
function scripted(steps: ScriptStep[]) {
  let next = 0;
  return (req: ChatRequest): ScriptedReply => {
    const step = steps[next++];
    if (!step) return { content: '(the script has no answer for this call)' };
    if (typeof step !== 'function') return step;
    const last = [...req.messages].reverse().find((m) => m.role === 'tool');
    return step(last ? JSON.parse(String(last.content)) : undefined);
  };
}
