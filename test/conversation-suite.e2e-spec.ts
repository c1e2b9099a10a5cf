import { CASES } from './conversations/suites';
import { loadFixture, runCase } from './conversations/run-case';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The conversation suites with the scripted model: the tools called, what reached the customer and
 * what changed in the database, turn by turn. `npm run eval` runs the same cases against a real model.
 */
describe('conversation suites (scripted model)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await loadFixture(t);
  });
  afterAll(() => t?.close());

  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const outcome = await runCase(t, c, 'scripted');
    expect(outcome.turns.flatMap((turn) => turn.problems.map((p) => `"${turn.customer}": ${p} — replies: ${JSON.stringify(turn.replies)}`))).toEqual([]);
  });
});
