import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { AppConfig } from '../config/config';
import { searchAttributes } from '../../workflows/definitions';
import { type CheckOutcome, CHECK_TIMEOUT_MS, errorMessage, fail, ok, skip, warn } from './diagnostic-check';

const { TaskQueueType, TaskQueueKind } = temporal.api.enums.v1;

/**
 * A live worker renews its long poll about every minute; Temporal remembers a poller for a few
 * minutes after it stopped, so only pollers seen recently count as polling.
 */
const POLLER_FRESH_MS = 2 * 60_000;

/** What to do when Temporal does not answer, embedded or not. */
export const startTemporalFix = (config: AppConfig) =>
  config.temporal.address
    ? `Check that Temporal answers at TEMPORAL_ADDRESS (${config.temporal.address}) and that TEMPORAL_NAMESPACE and TEMPORAL_API_KEY are right`
    : 'Start the agent with npm start (it runs the embedded Temporal), or set TEMPORAL_ADDRESS';

/** Every call is bounded, so an unreachable Temporal is reported instead of waited for. */
const bounded = <T>(connection: Connection, call: () => Promise<T>) => connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS - 500, call);

export async function checkTemporal(connection: Connection, config: AppConfig): Promise<CheckOutcome> {
  const { namespace } = config.temporal;
  try {
    const described = await bounded(connection, () => connection.workflowService.describeNamespace({ namespace }));
    const state = described.namespaceInfo?.state;
    if (state !== undefined && state !== null && state !== temporal.api.enums.v1.NamespaceState.NAMESPACE_STATE_REGISTERED) {
      return fail(`Namespace ${namespace} is not active (state ${state})`, 'Use an active namespace in TEMPORAL_NAMESPACE');
    }
    return ok(`Namespace ${namespace} answers at ${config.temporal.address ?? 'the embedded server'}`);
  } catch (err) {
    return fail(`Temporal does not answer for namespace ${namespace}: ${errorMessage(err)}. Webhooks are still kept in the inbox and handed over once it is back`, startTemporalFix(config));
  }
}

/** The conversation workflows set these attributes; without them their workflow tasks fail. */
export async function checkSearchAttributes(connection: Connection, config: AppConfig): Promise<CheckOutcome> {
  const { namespace } = config.temporal;
  let custom: Record<string, unknown>;
  try {
    custom = (await bounded(connection, () => connection.operatorService.listSearchAttributes({ namespace }))).customAttributes ?? {};
  } catch (err) {
    return skip(`Could not list the search attributes: ${errorMessage(err)}`);
  }
  const missing = searchAttributes.map((a) => a.name).filter((name) => !(name in custom));
  if (missing.length > 0) {
    return fail(`Namespace ${namespace} lacks the search attributes ${missing.join(', ')}: conversation workflows cannot record their state`,
      `Start the worker (it registers them on the embedded and self-hosted servers); on Temporal Cloud create them as Keyword attributes in the namespace settings (docs/temporal-cluster.md)`);
  }
  return ok(`${searchAttributes.map((a) => a.name).join(', ')} registered`);
}

/**
 * Whether a worker polls a task queue: `conversations` runs the workflows (a workflow poller is
 * enough to tell), `sends` only the Twilio send activities.
 */
export async function checkPollers(connection: Connection, config: AppConfig, queue: { name: string; kind: 'conversations' | 'sends' }): Promise<CheckOutcome> {
  const taskQueueType = queue.kind === 'conversations' ? TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW : TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY;
  let pollers: { lastAccessTime?: { seconds?: unknown } | null; identity?: string | null }[];
  try {
    const described = await bounded(connection, () =>
      connection.workflowService.describeTaskQueue({
        namespace: config.temporal.namespace,
        taskQueue: { name: queue.name, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
        taskQueueType,
      }),
    );
    pollers = described.pollers ?? [];
  } catch (err) {
    return skip(`Could not describe task queue ${queue.name}: ${errorMessage(err)}`);
  }
  const fresh = pollers.filter((p) => Date.now() - Number(p.lastAccessTime?.seconds ?? 0) * 1000 < POLLER_FRESH_MS);
  if (fresh.length === 0) {
    const consequence = queue.kind === 'conversations' ? 'messages are recorded but nobody answers them' : 'replies are written but not sent';
    const stale = pollers.length > 0 ? ` (last seen ${Math.round((Date.now() - Math.max(...pollers.map((p) => Number(p.lastAccessTime?.seconds ?? 0) * 1000))) / 1000)} s ago)` : '';
    return warn(`No worker polls ${queue.name}${stale}: ${consequence}`, `Start the worker: npm start, or npm run start:worker with TEMPORAL_TASK_QUEUE=${config.temporal.taskQueue} and the same TEMPORAL_ADDRESS`);
  }
  return ok(`${fresh.length} poller(s) on ${queue.name}`);
}
