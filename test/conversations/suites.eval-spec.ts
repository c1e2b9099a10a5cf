import { CASES } from './suites';
import { type CaseOutcome, loadFixture, runCase } from './run-case';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * `npm run eval`: every conversation suite against the model OPENAI_API_KEY / OPENAI_BASE_URL /
 * OPENAI_MODEL point at (any OpenAI-compatible endpoint), through the real webhook, workflows and
 * database (Twilio emulated). Prints the pass rate, latency and tokens per case; it reports, it does
 * not fail on a low pass rate. Without OPENAI_API_KEY the scripted model answers, which checks the
 * plumbing only.
 */
const model = process.env.OPENAI_API_KEY
  ? Object.fromEntries(Object.entries({ OPENAI_API_KEY: process.env.OPENAI_API_KEY, OPENAI_BASE_URL: process.env.OPENAI_BASE_URL, OPENAI_MODEL: process.env.OPENAI_MODEL }).filter((e): e is [string, string] => Boolean(e[1])))
  : undefined;
const runs = Number(process.env.EVAL_RUNS ?? 1);

describe(`conversation suites against ${model ? `the model ${model.OPENAI_MODEL ?? 'gpt-4o-mini'}` : 'the scripted model (OPENAI_API_KEY is not set)'}`, () => {
  let t: TestApp;
  const outcomes: CaseOutcome[] = [];
  beforeAll(async () => {
    t = await startTestApp({ env: model ?? {} });
    await loadFixture(t);
  });
  afterAll(async () => {
    report(outcomes);
    await t?.close();
  });

  test('every case', async () => {
    for (let run = 0; run < runs; run++) for (const c of CASES) outcomes.push(await runCase(t, c, model ? 'model' : 'scripted'));
    expect(outcomes).toHaveLength(CASES.length * runs);
  });
});

function report(outcomes: CaseOutcome[]): void {
  const latencies = outcomes.flatMap((o) => o.turns.map((t) => t.latencyMs)).sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
  const passed = outcomes.filter((o) => o.passed).length;
  const lines = [
    '',
    '| case | skill | result | turns | latency (ms, per turn) | tokens |',
    '|---|---|---|---|---|---|',
    ...outcomes.map((o) => `| ${o.name} | ${o.skill} | ${o.passed ? 'pass' : 'FAIL'} | ${o.turns.length} | ${o.turns.map((t) => t.latencyMs).join(', ')} | ${o.tokens} |`),
    '',
    `pass rate: ${passed}/${outcomes.length} (${Math.round((100 * passed) / Math.max(1, outcomes.length))} %) · reply latency p50 ${pct(50)} ms, p95 ${pct(95)} ms · tokens ${outcomes.reduce((s, o) => s + o.tokens, 0)}`,
    ...outcomes.filter((o) => !o.passed).flatMap((o) => [`- ${o.name}:`, ...o.turns.flatMap((t) => t.problems.map((p) => `    "${t.customer}": ${p}; replies: ${JSON.stringify(t.replies)}`))]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
