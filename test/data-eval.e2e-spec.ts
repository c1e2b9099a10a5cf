import { scriptDataQuestions } from './conversations/data-script';
import { DATA_QUESTIONS } from './conversations/data-questions';
import { askDataQuestion, type DataOutcome, prepareDataEval } from './conversations/run-data-questions';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The plumbing of `npm run eval -- data`, with the scripted model playing the verified SQL: evaluation
 * questions asked on WhatsApp by an owner over the demo shop come back with the expected rows
 * (compared by value with the oracle, not by SQL text), stated in the reply, and with a chart picture
 * where the question deserves one. A spread of the set runs here (each question takes a turn, a
 * question workflow and often a chart); `npm run eval -- data` asks them all, and every question's
 * SQL is proven against the oracle directly in data-questions.e2e-spec.
 */
const SAMPLE = [
  'customers-total', 'customers-by-city', 'orders-last-week-by-city', 'revenue-per-day-14d', 'top-products-units', 'average-order-value', 'handoff-rate-30d',
  'reply-time-7d', 'messages-by-sender', 'returns-by-reason', 'appointments-by-service', 'campaign-results', 'delivery-rate-30d', 'repeat-buyers',
];
describe('the data evaluation set, played by the scripted model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    t.openai.respond(scriptDataQuestions(DATA_QUESTIONS.map((q) => ({ question: q.question, sql: q.sql, chart: q.chart ?? null }))));
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the questions are answered with the expected rows, and charted where due', async () => {
    expect(DATA_QUESTIONS.length).toBeGreaterThanOrEqual(40);
    const questions = SAMPLE.map((id) => DATA_QUESTIONS.find((q) => q.id === id)!);
    expect(questions.every(Boolean)).toBe(true);
    const { fixture, conversationSid } = await prepareDataEval(t);
    const outcomes: DataOutcome[] = [];
    for (const [i, q] of questions.entries()) outcomes.push(await askDataQuestion(t, q, fixture, conversationSid, `plumbing-${i}`));
    expect(outcomes.filter((o) => !o.passed).map((o) => `${o.question}: ${o.problem}`)).toEqual([]);
    expect(outcomes.filter((o) => o.chart).length).toBe(questions.filter((q) => q.chart).length);
    // What reached the owner came from the rows: a single figure is stated in the reply.
    const total = outcomes.find((o) => o.id === 'customers-total');
    expect(total?.reply).toBe(`customers: ${fixture.customers.length}`);
  }, 600_000);
});
