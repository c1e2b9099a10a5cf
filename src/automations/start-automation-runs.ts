import { Logger } from '@nestjs/common';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { AppConfig } from '../config/config';
import type { EventStore } from '../events/event-store.service';
import { type AutomationRunInput, automationRunWorkflowId } from '../../workflows/automation-definitions';
import { taskQueues } from '../../workflows/definitions';

const logger = new Logger('AutomationRuns');

/**
 * Starts the workflows of an event's automation runs, beside its webhook deliveries. A closed
 * workflow's id is never reused, so a retried publish runs each once. Starting never fails the
 * event's publishing: a run that could not be started is logged and stays unstarted in its table,
 * where a retried publish or the api's sweep (AutomationRunSweeper) starts it.
 */
export async function startAutomationRuns(
  client: Client,
  config: AppConfig,
  store: Pick<EventStore, 'automationRunsStarted'>,
  runs: AutomationRunInput[],
): Promise<{ started: number; failed: number }> {
  const taskQueue = taskQueues(config.temporal.taskQueue).conversations;
  const results = await Promise.all(
    runs.map(async (run) => {
      try {
        await client.workflow.start('automationRun', {
          workflowId: automationRunWorkflowId(run.automationId, run.eventId),
          taskQueue,
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          args: [run],
          staticSummary: `Automation ${run.automationId} for event ${run.eventId}`,
        });
        return run;
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return run;
        logger.warn(`Automation run ${automationRunWorkflowId(run.automationId, run.eventId)} not started; it will be started again: ${(err as Error).message}`);
        return undefined;
      }
    }),
  );
  const started = results.filter((r): r is AutomationRunInput => r !== undefined);
  try {
    await store.automationRunsStarted(started);
  } catch (err) {
    // Unmarked runs are only started again, which their workflow ids make harmless.
    logger.warn(`Automation runs started but not marked so: ${(err as Error).message}`);
  }
  return { started: started.length, failed: runs.length - started.length };
}
