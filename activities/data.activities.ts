import { ApplicationFailure, log } from '@temporalio/activity';
import { answerPrompt, DRAFT_SCHEMA, plainAnswer, readDraft, resultSummary, sqlPrompt, summarise } from '../src/analytics/data-prompts';
import type { ScheduledReport } from '../src/analytics/data-questions.service';
import type { DataReport, ReportPeriod } from '../src/analytics/data-reports';
import { DataQueryError } from '../src/analytics/query-runner';
import type { SemanticContext } from '../src/analytics/semantic-layer.service';
import { checkDataQuery as guard, type GuardVerdict } from '../src/analytics/sql-guard';
import type { DataAttempt, DataDraft, DataQuestionInput, DataRun } from '../workflows/data-definitions';
import type { ActivityDeps } from './deps';

/** PostgreSQL refusals worth showing the model (the SQL was wrong), as opposed to the database being down. */
const isQueryError = (err: unknown) => err instanceof DataQueryError;

/**
 * The steps of a staff member's data question, each an activity so the Temporal UI shows where a
 * question went. The model's calls fail like the agent's (a rejected key is not retried); a query the
 * guard refuses, or PostgreSQL rejects, is an answer (`ok: false`) the workflow shows the model.
 */
export function createDataActivities({ dataQuestions, semantic, llm, integrations, policies, usage }: ActivityDeps) {
  /**
   * A model call counted against the day's token budgets of the staff member (as the conversation's
   * customer) and of the integration; null, without calling, when one is spent. Budget alerts are
   * the customer replies' to raise; bookkeeping that fails is logged and never fails the question.
   */
  async function withinBudget<T extends { promptTokens?: number; completionTokens?: number }>(integrationId: string, customerId: string | undefined, call: () => Promise<T>): Promise<T | null> {
    if (!customerId) return call();
    const { integration } = await integrations.resolveById(integrationId);
    const { limits } = policies.effective(integration);
    const spent = await usage.spentBudget(integrationId, customerId, limits, { raise: false }).catch((err: Error) => {
      log.warn('LLM usage unreadable; the budget is not checked for this call', { integrationId, error: err.message });
      return null;
    });
    if (spent) return null;
    const reply = await call();
    await usage.record({ integrationId, customerId, promptTokens: reply.promptTokens ?? 0, completionTokens: reply.completionTokens ?? 0 }, limits, { raise: false }).catch((err: Error) => {
      log.error('LLM usage could not be recorded', { integrationId, error: err.message });
    });
    return reply;
  }

  const modelFailure = (err: unknown) => {
    const status = (err as { status?: number }).status;
    if (status === 401) return ApplicationFailure.create({ message: 'The language model rejected the API key (OPENAI_API_KEY)', type: 'LlmAuthError', nonRetryable: true });
    if (status === 400 || status === 403 || status === 404 || status === 422) return ApplicationFailure.create({ message: `The language model refused the request (${status})`, type: 'LlmRequestRejected', nonRetryable: true });
    return err;
  };

  return {
    async startDataQuestion(input: DataQuestionInput & { workflowId: string }): Promise<{ id: string }> {
      return dataQuestions.start({ integrationId: input.integrationId, staffId: input.staffId, workflowId: input.workflowId, question: input.question });
    },

    async retrieveDataContext(input: { question: string }): Promise<SemanticContext> {
      return semantic.contextFor(input.question);
    },

    async writeDataQuery(input: { integrationId: string; customerId?: string; question: string; context: SemanticContext; previous: DataAttempt[] }): Promise<DataDraft> {
      if (!llm.configured) return { kind: 'no_model' };
      await integrations.resolveById(input.integrationId); // an unknown integration fails here, before the model is paid
      try {
        const reply = await withinBudget(input.integrationId, input.customerId, () =>
          llm.json({ system: sqlPrompt(input.context, input.previous), user: input.question, schemaName: 'data_query', schema: DRAFT_SCHEMA }),
        );
        if (!reply) return { kind: 'over_budget' };
        return readDraft(reply.json);
      } catch (err) {
        if (err instanceof Error && err.message.includes('did not answer in JSON')) return { kind: 'reply', text: 'I could not turn that into a query. Try asking it another way.' };
        throw modelFailure(err);
      }
    },

    async checkDataQuery(input: { sql: string }): Promise<GuardVerdict> {
      return guard(input.sql);
    },

    /** Runs the (again checked) SQL; the database's refusal comes back as data, its absence as a retried failure. */
    async runDataQuery(input: { integrationId: string; sql: string }): Promise<DataRun> {
      try {
        const result = await dataQuestions.run(input.integrationId, input.sql);
        return { ok: true, ...result };
      } catch (err) {
        if (!isQueryError(err)) throw err;
        const { code, message } = err as DataQueryError;
        log.info('Data query not run', { code, error: message });
        return { ok: false, stage: code, error: message };
      }
    },

    /** The answer in words; with the day's budget spent since the SQL was written, the rows as they are. */
    async writeDataAnswer(input: { integrationId: string; customerId?: string; question: string; sql: string; result: Extract<DataRun, { ok: true }> }): Promise<{ text: string }> {
      try {
        const reply = await withinBudget(input.integrationId, input.customerId, () => llm.summarize({ system: answerPrompt(), text: resultSummary(input.question, input.result) }));
        return { text: (reply?.text ?? plainAnswer(summarise(input.result))).slice(0, 1500) };
      } catch (err) {
        throw modelFailure(err);
      }
    },

    async finishDataQuestion(input: { id: string; status: 'answered' | 'unanswerable' | 'failed'; attempts: DataAttempt[]; answer: string; chartId: string | null }): Promise<void> {
      await dataQuestions.finish(input);
    },

    /** A scheduled report's text and chart data; null when the report was deleted. */
    async prepareStaffReport(input: { reportId: string }): Promise<ScheduledReport | null> {
      return dataQuestions.scheduledReport(input.reportId);
    },

    /** "report today": from the named metrics, no model involved. */
    async buildDataReport(input: { integrationId: string; period: ReportPeriod; timeZone?: string; metrics?: string[] }): Promise<DataReport> {
      return dataQuestions.report(input);
    },
  };
}
