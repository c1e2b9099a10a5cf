/**
 * Part of `npm run build`: bundles the workflow code once, into dist/workflow-bundle.js, so workers
 * start from it instead of bundling at every boot (seconds of CPU and hundreds of MB of webpack).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } });
  const file = join(__dirname, '..', 'workflow-bundle.js');
  writeFileSync(file, code);
  console.log(`Workflow bundle: ${file} (${Math.round(code.length / 1024)} KB)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
