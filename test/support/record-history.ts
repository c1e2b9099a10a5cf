import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

/**
 * With RECORD_HISTORIES=1, writes the workflow's history to test/histories/<file> for the replay
 * test (test/replay.spec.ts lists each file with its workflow id). Does nothing otherwise.
 */
export async function recordHistory(handle: WorkflowHandle, file: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  writeFileSync(join(__dirname, '..', 'histories', file), historyToJSON(await handle.fetchHistory()));
  console.log(`Recorded ${file} for workflow ${handle.workflowId}`);
}
