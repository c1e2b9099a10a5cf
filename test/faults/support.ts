import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { findTemporalCli } from '../../src/temporal/embedded-temporal';
import { isHoldingReply } from '../../workflows/replies';
import type { TestApp } from '../support/test-app';

export { freePort } from '../support/free-port';

/**
 * The production worker (`node dist/src/worker.js`) as a real child process, so a test can SIGKILL it.
 * It shares the suite's PostgreSQL database and Temporal server through the same environment.
 */
export class WorkerProcess {
  private constructor(private readonly child: ChildProcess) {}

  static async start(env: Record<string, string>): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [join(__dirname, '../../dist/src/worker.js')], {
      env: { ...process.env, ...env, PORT: '0', NODE_ENV: 'production' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start in 60 s:\n${output.join('')}`)), 60_000);
      const watch = (chunk: Buffer) => {
        output.push(chunk.toString());
        if (chunk.toString().includes('Worker polling')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', watch);
      child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it started:\n${output.join('')}`)));
    });
    child.stdout!.resume();
    child.stderr!.resume();
    return new WorkerProcess(child);
  }

  /** SIGKILL: no shutdown hooks, in-flight activities simply vanish. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGKILL');
    await exited;
  }
}

/** The suite runs api and worker as separate processes, so they must share a PostgreSQL database. */
export function requirePostgres(): void {
  if (!process.env.DATABASE_URL) {
    throw new Error('The fault-injection suite needs DATABASE_URL: api and worker run as separate processes sharing PostgreSQL.');
  }
}

/** Per-conversation reply counts at the Twilio emulator: what was answered, lost and duplicated. */
/**
 * The agent's answers in a conversation. A holding message ("One moment…", sent when a reply is not
 * out within HOLDING_MESSAGE_SECONDS, as it is during an outage) is not an answer: it is counted apart.
 */
export const repliesOf = (t: TestApp, sid: string) => t.twilio.messagesFor(sid).filter((m) => !isHoldingReply(m.body ?? ''));
const holdingMessagesOf = (t: TestApp, sid: string) => t.twilio.messagesFor(sid).filter((m) => isHoldingReply(m.body ?? ''));

export function tally(t: TestApp, conversations: string[]) {
  const counts = conversations.map((sid) => repliesOf(t, sid).length);
  const holding = conversations.map((sid) => holdingMessagesOf(t, sid).length);
  return {
    conversations: conversations.length,
    answered: counts.filter((n) => n > 0).length,
    lost: counts.filter((n) => n === 0).length,
    duplicates: counts.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
    holdingMessages: holding.reduce((a, b) => a + b, 0),
    /** More than one holding message for one answer would be a duplicate too. */
    repeatedHolding: holding.reduce((sum, n) => sum + Math.max(0, n - 1), 0),
  };
}

/** Most requests matching `filter` within any one-second window. */
export function maxPerSecond(times: Date[]): number {
  const sorted = times.map((d) => d.getTime()).sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= 1_000) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

export function report(name: string, figures: Record<string, number | string>): void {
  process.stdout.write(`\nFAULT ${name}: ${Object.entries(figures).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
}

/** Sends `count` webhooks with at most `concurrency` in flight; returns the status codes. */
export async function sendAll<T>(items: T[], concurrency: number, send: (item: T, i: number) => Promise<number>): Promise<number[]> {
  const statuses: number[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        statuses[i] = await send(items[i]!, i);
      }
    }),
  );
  return statuses;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Temporal dev server as a plain child process on a fixed port and database file, so a test can
 * stop it hard (SIGKILL) and start it again on the same state.
 */
export class TemporalServerProcess {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly dbFilename: string,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const cli = findTemporalCli(process.env.TEMPORAL_CLI_PATH);
    if (!cli) throw new Error('The Temporal CLI is needed (TEMPORAL_CLI_PATH or temporal on PATH)');
    const attributes = ['IntegrationId', 'CustomerPhone', 'ConversationStatus'].flatMap((name) => ['--search-attribute', `${name}=Keyword`]);
    this.child = spawn(cli, ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(this.port), '--db-filename', this.dbFilename, '--log-level', 'error', ...attributes], { stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!(await canConnect(this.port))) {
      if (Date.now() > deadline) throw new Error(`Temporal did not listen on ${this.port} within 60 s`);
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}


/** Waits, up to one overall deadline, until every conversation has `replies` replies at the Twilio emulator. */
export async function waitForReplies(t: TestApp, conversations: string[], replies: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !conversations.every((sid) => repliesOf(t, sid).length >= replies)) await sleep(100);
}
