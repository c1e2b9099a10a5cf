import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { DATABASE_ACTIVITY } from './activity-options';
import { type DataAnswer, type DataAttempt, type DataQuestionInput, type DataRun, BUDGET_DATA_REPLY, NO_MODEL_DATA_REPLY } from './data-definitions';

/** The model's two calls: short retries (the staff member waits), never on a refused request. */
const model = proxyActivities<Activities>({
  startToCloseTimeout: '60s',
  scheduleToCloseTimeout: '3m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3, nonRetryableErrorTypes: ['LlmAuthError', 'LlmRequestRejected'] },
});
const data = proxyActivities<Activities>(DATABASE_ACTIVITY);
/** The question's SQL: its own timeout (statement_timeout inside) and a single retry on a lost worker. */
const query = proxyActivities<Activities>({ startToCloseTimeout: '60s', retry: { maximumAttempts: 2 } });
const charts = proxyActivities<Activities>({ startToCloseTimeout: '60s', retry: { maximumAttempts: 2, nonRetryableErrorTypes: ['ChartError'] } });

/** One try, then one more with the error shown to the model. */
const MAX_ATTEMPTS = 2;

/**
 * One staff question about the business's data, each step an activity (visible in the Temporal UI):
 * retrieve the semantic layer → the model drafts SQL (structured output) → the SQL guard checks it
 * with PostgreSQL's parser → it runs read-only as the select-only role, scoped to the integration,
 * with a timeout and a row cap → the model writes the answer from a bounded summary of the rows → the
 * chart, if asked for, is drawn by the server from the model's intent. A refused or failed query is
 * tried once more with the error given to the model; then the staff member is told plainly.
 */
export async function dataQuestionWorkflow(input: DataQuestionInput): Promise<DataAnswer> {
  const { workflowId } = workflowInfo();
  const { id } = await data.startDataQuestion({ ...input, workflowId });
  const context = await data.retrieveDataContext({ question: input.question });
  const attempts: DataAttempt[] = [];
  const finish = async (answer: DataAnswer) => {
    await data.finishDataQuestion({ id, status: answer.status, attempts, answer: answer.text, chartId: answer.chart?.chartId ?? null });
    return answer;
  };

  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const draft = await model.writeDataQuery({ integrationId: input.integrationId, customerId: input.customerId, question: input.question, context, previous: attempts });
    if (draft.kind === 'no_model') return finish({ status: 'unanswerable', text: NO_MODEL_DATA_REPLY });
    if (draft.kind === 'over_budget') return finish({ status: 'unanswerable', text: BUDGET_DATA_REPLY });
    if (draft.kind === 'reply') return finish({ status: 'unanswerable', text: draft.text });

    const verdict = await data.checkDataQuery({ sql: draft.sql });
    const run: DataRun = verdict.ok ? await query.runDataQuery({ integrationId: input.integrationId, sql: draft.sql }) : { ok: false, stage: 'rejected', error: verdict.reason };
    if (!run.ok) {
      attempts.push({ sql: draft.sql, outcome: run.stage, error: run.error });
      log.info('Data query not answered; trying again with the error', { attempt, stage: run.stage });
      continue;
    }
    attempts.push({ sql: draft.sql, outcome: 'ok', rows: run.rows.length });
    const { text } = await model.writeDataAnswer({ integrationId: input.integrationId, customerId: input.customerId, question: input.question, sql: draft.sql, result: run });
    if (!draft.chart || run.rows.length === 0) return finish({ status: 'answered', text });
    try {
      const chart = await charts.renderDataChart({ integrationId: input.integrationId, conversationSid: input.conversationSid, question: input.question, intent: draft.chart, rows: run.rows });
      return finish({ status: 'answered', text, chart });
    } catch (err) {
      log.warn('The chart could not be drawn; the answer goes without it', { error: (err as Error).message });
      return finish({ status: 'answered', text: `${text}\n\n(The chart could not be drawn.)` });
    }
  }
  const last = attempts[attempts.length - 1];
  return finish({ status: 'failed', text: couldNotAnswer(last?.error) });
}

function couldNotAnswer(error: string | undefined): string {
  const why = error ? ` The last try failed: ${error.length > 200 ? `${error.slice(0, 200)}…` : error}` : '';
  return `I could not answer that from the data.${why} Try asking it another way, or "report today" for the main figures.`;
}
