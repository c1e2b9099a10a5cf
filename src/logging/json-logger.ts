import { type LoggerService, type LogLevel } from '@nestjs/common';
import { redactFields, redactText } from './redact';

/** One log event as written: these four keys first, then the event's own fields. */
export interface LogLine {
  time: string;
  level: string;
  context?: string;
  msg: string;
  [field: string]: unknown;
}

const RESERVED = new Set(['time', 'level', 'context', 'msg']);

/**
 * Ids a log pipeline filters by, lifted out of the text when the line does not carry them as
 * fields: a Twilio ConversationSid and a workflow id that carries one (`conversation:<integration>:<CH…>`).
 */
const CONVERSATION_SID = /\bCH[0-9a-fA-F]{32}\b/;
const WORKFLOW_ID = /\b(?:conversation|turn|order|alert|campaign|follow-up|automation-run|appointment|return):[^\s,;)]+/;

/**
 * Builds one line: `time`, `level`, `context`, `msg`, then the fields, every value redacted (see
 * redact.ts). A field named like a reserved key is kept under `field.<name>`. Pure, for the tests.
 */
export function formatLine(input: { level: string; context?: string; msg: string; fields?: Record<string, unknown>; time?: Date }, logMessageBodies: boolean): string {
  const msg = redactText(input.msg);
  const fields = (redactFields(input.fields ?? {}, logMessageBodies) ?? {}) as Record<string, unknown>;
  const line: LogLine = { time: (input.time ?? new Date()).toISOString(), level: input.level, ...(input.context ? { context: input.context } : {}), msg };
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    line[RESERVED.has(key) ? `field.${key}` : key] = value;
  }
  if (line.workflowId === undefined) {
    const id = WORKFLOW_ID.exec(msg)?.[0];
    if (id) line.workflowId = id;
  }
  if (line.conversationSid === undefined) {
    const sid = CONVERSATION_SID.exec(`${msg} ${typeof line.workflowId === 'string' ? line.workflowId : ''}`)?.[0];
    if (sid) line.conversationSid = sid;
  }
  return JSON.stringify(line);
}

/**
 * Nest's logger for LOG_FORMAT=json: one JSON object per line on stdout, for a log pipeline. Takes
 * what Nest's `Logger` passes (a message, then optional fields or a stack, then the context) and an
 * object message (`logger.log({ msg, conversationSid, workflowId })`) as fields.
 */
export class JsonLogger implements LoggerService {
  private levels: Set<LogLevel> | undefined;

  constructor(
    private readonly opts: { logMessageBodies: boolean; write?: (line: string) => void },
  ) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('log', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('verbose', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }
  setLogLevels(levels: LogLevel[]): void {
    this.levels = new Set(levels);
  }

  private write(level: LogLevel, message: unknown, params: unknown[]): void {
    if (this.levels && !this.levels.has(level)) return;
    const rest = [...params];
    // Nest's Logger always appends its context last.
    const context = rest.length > 0 && typeof rest[rest.length - 1] === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = {};
    let msg: string;
    if (message instanceof Error) {
      msg = message.message;
      fields.error = message;
    } else if (typeof message === 'object' && message !== null) {
      const { msg: m, message: text, ...own } = message as Record<string, unknown>;
      msg = typeof m === 'string' ? m : typeof text === 'string' ? text : '';
      Object.assign(fields, own);
    } else {
      msg = String(message);
    }
    for (const param of rest) {
      if (param === undefined) continue;
      if (typeof param === 'string') fields.stack = param; // logger.error(message, stack, context)
      else if (param instanceof Error) fields.error = param;
      else if (typeof param === 'object' && param !== null) Object.assign(fields, param);
      else msg = `${msg} ${String(param)}`;
    }
    // `info` for Nest's `log`: the level name log pipelines and the Temporal lines use.
    const line = formatLine({ level: level === 'log' ? 'info' : level, context, msg, fields }, this.opts.logMessageBodies);
    (this.opts.write ?? ((l: string) => process.stdout.write(`${l}\n`)))(line);
  }
}

/** The application's logger: JSON lines with LOG_FORMAT=json; undefined keeps Nest's readable output. */
export function appLogger(config: { logFormat: 'json' | 'pretty'; logMessageBodies: boolean }): JsonLogger | undefined {
  return config.logFormat === 'json' ? new JsonLogger({ logMessageBodies: config.logMessageBodies }) : undefined;
}
