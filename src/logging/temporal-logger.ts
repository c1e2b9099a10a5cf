import { DefaultLogger, type LogEntry, type TelemetryOptions } from '@temporalio/worker';
import type { AppConfig } from '../config/config';
import { formatLine } from './json-logger';

/** Components whose lines are ours (`log` in workflows and activities); the rest is the SDK talking. */
const OUR_COMPONENTS = new Set(['workflow', 'activity']);

/**
 * The Temporal runtime's logger. Pretty: the SDK's own format, WARN and above (the application's
 * logs say what happened). JSON: the same line format as the application's logs, so a workflow's or
 * an activity's `log.info(…, { conversationSid })` comes out with its workflowId, runId and
 * activityType as fields; the SDK's own lines (worker, core) still only from WARN.
 */
export function temporalLogger(config: Pick<AppConfig, 'logFormat' | 'logMessageBodies'>, write: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): DefaultLogger {
  if (config.logFormat !== 'json') return new DefaultLogger('WARN');
  return new DefaultLogger('INFO', (entry: LogEntry) => {
    // An activity's task token would let anyone complete it: never written. Its run id is named as a workflow's is.
    const { sdkComponent, workflowRunId, ...fields } = entry.meta ?? {};
    delete fields.taskToken;
    if (workflowRunId !== undefined && fields.runId === undefined) fields.runId = workflowRunId;
    const ours = typeof sdkComponent === 'string' && OUR_COMPONENTS.has(sdkComponent);
    if (!ours && entry.level !== 'WARN' && entry.level !== 'ERROR') return;
    const time = new Date(Number(entry.timestampNanos / 1_000_000n));
    write(formatLine({ level: entry.level.toLowerCase(), context: `temporal.${typeof sdkComponent === 'string' ? sdkComponent : 'sdk'}`, msg: entry.message, fields, time }, config.logMessageBodies));
  });
}

/** With JSON logs, the SDK's native (core) lines go through the same logger instead of straight to the console. */
export function temporalCoreLogging(config: Pick<AppConfig, 'logFormat'>): Pick<TelemetryOptions, 'logging'> {
  return config.logFormat === 'json' ? { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } } : {};
}
