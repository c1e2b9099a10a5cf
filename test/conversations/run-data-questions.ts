import { performance } from 'node:perf_hooks';
import { queryLimits, runDataQuery } from '../../src/analytics/query-runner';
import { readDemoCatalogue } from '../../src/demo/demo-catalogue';
import { type DemoFixture, generateDemoData } from '../../src/demo/demo-data';
import { DemoDataService } from '../../src/demo/demo-data.service';
import { ACCOUNT_SID, messageEvent, newConversationSid, type TestApp } from '../support/test-app';
import type { DataQuestion } from './data-questions';
import { compareResultSets } from './result-sets';

export const EVAL_OWNER = '+34600333001';

export interface DataOutcome {
  id: string;
  question: string;
  passed: boolean;
  /** Why it failed: no SQL ran, the rows differ (and how), no chart where one was due. */
  problem?: string;
  attempts: number;
  chart: boolean;
  reply: string;
  latencyMs: number;
}

/**
 * The demo shop in the test app's database, an owner to ask as, and the fixture the expected rows are
 * computed from (built with the same `now` as the rows loaded).
 */
export async function prepareDataEval(t: TestApp): Promise<{ fixture: DemoFixture; conversationSid: string }> {
  const now = new Date();
  await new DemoDataService(t.db).load(t.integrationId, now);
  const res = await t.api('POST', '/api/staff', { phone: EVAL_OWNER, name: 'Eval owner', role: 'owner' });
  if (res.status !== 201) throw new Error(`Registering the owner failed: ${res.status} ${await res.text()}`);
  // The owner asks back to back, faster than a customer may write (20 a minute by default, then one
  // reply per 30 s): the evaluation measures answers, not the rate limit.
  const policy = await t.api('PUT', `/api/integrations/${t.integrationId}/policies`, { limits: { customerMessagesPerMinute: 120 } });
  if (policy.status !== 200) throw new Error(`Raising the message rate limit failed: ${policy.status} ${await policy.text()}`);
  return { fixture: generateDemoData({ integrationId: t.integrationId, now, catalogue: await readDemoCatalogue() }), conversationSid: newConversationSid() };
}

/**
 * Asks one question on WhatsApp as the owner (the real webhook, conversation, question workflow and
 * database; Twilio emulated) and scores it by results: the SQL that ran last is run again as any data
 * question is, and its rows are compared with the oracle's. The SQL text itself is never compared.
 */
export async function askDataQuestion(t: TestApp, q: DataQuestion, fixture: DemoFixture, conversationSid: string, token: string): Promise<DataOutcome> {
  const before = t.twilio.messages.filter((m) => m.conversationSid === conversationSid).length;
  t.twilio.addCustomerMessage(ACCOUNT_SID, conversationSid, { author: `whatsapp:${EVAL_OWNER}`, body: q.question, dateCreated: new Date() });
  const started = performance.now();
  const res = await t.webhook(messageEvent({ ConversationSid: conversationSid, Body: q.question, Author: `whatsapp:${EVAL_OWNER}` }), { idempotencyToken: token });
  if (res.status !== 200) throw new Error(`The webhook answered ${res.status}`);
  const [reply] = (await t.twilio.waitForMessages(before + 1, { conversationSid, timeoutMs: 120_000 })).slice(before);
  const latencyMs = Math.round(performance.now() - started);
  const [row] = (await t.db.query(`SELECT attempts, status FROM data_questions WHERE question = $1 ORDER BY created_at DESC LIMIT 1`, [q.question])) as { attempts: { sql: string; outcome: string }[]; status: string }[];
  const attempts = row?.attempts ?? [];
  const outcome = { id: q.id, question: q.question, attempts: attempts.length, chart: Boolean(reply?.mediaSid), reply: reply?.body ?? '', latencyMs };
  const ran = [...attempts].reverse().find((a) => a.outcome === 'ok');
  if (!ran) return { ...outcome, passed: false, problem: `no query ran (${row?.status ?? 'no record'})` };
  const result = await runDataQuery(t.db, { integrationId: t.integrationId, sql: ran.sql }, queryLimits(t.config));
  const rows = result.rows.map((r) => result.columns.map((c) => r[c.name]));
  const compared = compareResultSets(rows, q.expected(fixture), { orderMatters: q.orderMatters, tolerance: q.tolerance });
  if (!compared.equal) return { ...outcome, passed: false, problem: `rows differ: ${compared.why}` };
  // A chart where one was due: only when there were rows to draw.
  if (q.chart && rows.length > 0 && !outcome.chart) return { ...outcome, passed: false, problem: 'no chart' };
  return { ...outcome, passed: true };
}

export function dataReport(outcomes: DataOutcome[]): string {
  const latencies = outcomes.map((o) => o.latencyMs).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const passed = outcomes.filter((o) => o.passed).length;
  return [
    '',
    '| question | result | tries | chart | latency (ms) |',
    '|---|---|---|---|---|',
    ...outcomes.map((o) => `| ${o.question} | ${o.passed ? 'pass' : `FAIL: ${o.problem}`} | ${o.attempts} | ${o.chart ? 'yes' : ''} | ${o.latencyMs} |`),
    '',
    `data questions: ${passed}/${outcomes.length} answered with the expected rows (${Math.round((100 * passed) / Math.max(1, outcomes.length))} %) · latency p50 ${pct(50)} ms, p95 ${pct(95)} ms`,
  ].join('\n');
}
