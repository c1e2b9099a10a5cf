import { startTestApp, type TestApp } from '../support/test-app';
import { scriptDataQuestions } from './data-script';
import { DATA_QUESTIONS } from './data-questions';
import { askDataQuestion, type DataOutcome, dataReport, prepareDataEval } from './run-data-questions';

/**
 * `npm run eval -- data`: the evaluation set of data questions against the model OPENAI_API_KEY /
 * OPENAI_BASE_URL / OPENAI_MODEL point at, asked on WhatsApp by an owner over the demo shop, scored by
 * comparing the rows of the SQL that ran with the expected rows. Prints the pass rate and latency; it
 * reports, it does not fail on a low pass rate. Without OPENAI_API_KEY the scripted model plays the
 * verified SQL, which checks the plumbing only (as `npm test` does).
 */
const model = process.env.OPENAI_API_KEY
  ? Object.fromEntries(Object.entries({ OPENAI_API_KEY: process.env.OPENAI_API_KEY, OPENAI_BASE_URL: process.env.OPENAI_BASE_URL, OPENAI_MODEL: process.env.OPENAI_MODEL }).filter((e): e is [string, string] => Boolean(e[1])))
  : undefined;

describe(`data questions against ${model ? `the model ${model.OPENAI_MODEL ?? 'gpt-4o-mini'}` : 'the scripted model (OPENAI_API_KEY is not set)'}`, () => {
  let t: TestApp;
  const outcomes: DataOutcome[] = [];
  beforeAll(async () => {
    t = await startTestApp({ env: model ?? {} });
    t.openai.respond(scriptDataQuestions(DATA_QUESTIONS.map((q) => ({ question: q.question, sql: q.sql, chart: q.chart ?? null }))));
  });
  afterAll(async () => {
    process.stdout.write(`${dataReport(outcomes)}\n`);
    await t?.close();
  });

  test('every question', async () => {
    const { fixture, conversationSid } = await prepareDataEval(t);
    for (const [i, q] of DATA_QUESTIONS.entries()) outcomes.push(await askDataQuestion(t, q, fixture, conversationSid, `eval-${i}`));
    expect(outcomes).toHaveLength(DATA_QUESTIONS.length);
  });
});
