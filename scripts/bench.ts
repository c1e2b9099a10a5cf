/**
 * `npm run bench [-- --json FILE]`: how fast and how far, measured side by side on this machine.
 * Starts the stack as `npm start` does (embedded Temporal and database, or DATABASE_URL), with the
 * Twilio and OpenAI emulators answering at once, and measures: the floor (a bare route, a raw Temporal
 * signal-with-start), webhook ack latency at concurrency 1/20/100, webhook → reply latency, sustained
 * end-to-end throughput over 1,000 conversations (lost and duplicated counted), memory, and recovery
 * after a worker SIGKILL. Prints a table with each figure, its ratio to the floor and its target.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { latency, type Latency, sleep, WebhookClient, withConcurrency } from './bench/load';
import { ACCOUNT_SID, AUTH_TOKEN, cpuSeconds, type Stack, startStack } from './bench/stack';
import { profilePipeline, type Profile } from './bench/profile';

const THROUGHPUT_SECONDS = Number(process.env.BENCH_THROUGHPUT_SECONDS ?? 60);
const OFFERED_RATE = Number(process.env.BENCH_RATE ?? 100);
const CONVERSATIONS = 1000;

interface Results {
  machine: { cpus: number; node: string; database: string };
  floor: { http: Latency; temporalSignalWithStart: Latency };
  ack: Record<'c1' | 'c20' | 'c100', Latency & { non200: number }>;
  pipeline: Latency;
  profile: Profile;
  throughput: {
    offeredPerSecond: number; seconds: number; sent: number; answeredInWindowPerSecond: number; answered: number; lost: number; duplicated: number; drainSeconds: number;
    /** Every message answered, divided by the time from the first message to the last reply. */
    answeredOverallPerSecond: number;
    /** CPU seconds each process used from the first message to the last reply: where the throughput goes. */
    cpuSeconds: Record<string, number>;
  };
  memoryMb: Record<string, number>;
  recoverySeconds: number;
}

async function main(): Promise<void> {
  const jsonFile = argument('--json');
  const started = Date.now();
  log('starting the stack (embedded Temporal, ' + (process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded database') + ', emulators)…');
  const stack = await startStack();
  const connection = await Connection.connect({ address: stack.temporal.address });
  const temporal = new Client({ connection });
  const client = new WebhookClient({ apiUrl: stack.apiUrl, publicBaseUrl: stack.publicBaseUrl, accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, runId: randomBytes(4).toString('hex') });
  const replies = new ReplyCounter(stack);
  try {
    await warmUp(stack, client, replies);
    const memoryMb: Record<string, number> = {};
    for (const p of stack.processes) memoryMb[`${p.role} idle`] = p.rssMb();

    log('floor: bare route and raw signal-with-start…');
    const floor = { http: await bareRoute(stack), temporalSignalWithStart: await rawSignalWithStart(temporal) };

    const ack = {} as Results['ack'];
    for (const [key, concurrency, total] of [['c1', 1, 200], ['c20', 20, 1000], ['c100', 100, 2000]] as const) {
      log(`webhook ack at concurrency ${concurrency} (${total} messages)…`);
      ack[key] = await webhookAck(client, replies, concurrency, total);
    }

    log('pipeline: webhook → reply accepted by Twilio, one message at a time…');
    const pipeline = await pipelineLatency(client, replies, 200);
    const profile = await profilePipeline(temporal, Array.from({ length: 20 }, (_, i) => client.conversation(`pipeline-${i}`)));

    log(`throughput: ${OFFERED_RATE} messages/s offered for ${THROUGHPUT_SECONDS} s across ${CONVERSATIONS} conversations…`);
    const throughput = await sustained(client, replies, stack, memoryMb);

    log('recovery: SIGKILL the worker, restart it, time to the first reply…');
    const recoverySeconds = await recovery(stack, client, replies);

    const results: Results = {
      machine: { cpus: (await import('node:os')).cpus().length, node: process.version, database: process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded (PGlite)' },
      floor, ack, pipeline, profile, throughput, memoryMb, recoverySeconds,
    };
    printTable(results);
    if (jsonFile) writeFileSync(jsonFile, JSON.stringify(results, null, 2));
    log(`done in ${Math.round((Date.now() - started) / 1000)} s${jsonFile ? `; figures in ${jsonFile}` : ''}`);
  } finally {
    replies.close();
    await connection.close();
    await stack.stop();
  }
}

/** Every reply the Twilio emulator accepts, by the customer text it answers (the model echoes it). */
class ReplyCounter {
  readonly byText = new Map<string, number[]>();
  private readonly waiters = new Map<string, () => void>();
  private readonly unsubscribe: () => void;

  constructor(stack: Stack) {
    this.unsubscribe = stack.twilio.onMessage((m) => {
      const text = (m.body ?? '').replace(/^Echo: /, '');
      const at = performance.now();
      for (const line of text.split('\n')) {
        this.byText.set(line, [...(this.byText.get(line) ?? []), at]);
        this.waiters.get(line)?.();
      }
    });
  }

  /** Resolves with the time the reply to `text` was accepted. */
  replyTo(text: string, timeoutMs = 30_000): Promise<number> {
    const known = this.byText.get(text);
    if (known) return Promise.resolve(known[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to "${text}" in ${timeoutMs} ms`)), timeoutMs);
      this.waiters.set(text, () => {
        clearTimeout(timer);
        this.waiters.delete(text);
        resolve(this.byText.get(text)![0]!);
      });
    });
  }

  /** Waits until every text has a reply (or the timeout); returns the counts. */
  async drain(texts: string[], timeoutMs: number): Promise<{ answered: number; lost: number; duplicated: number; seconds: number }> {
    const start = performance.now();
    while (performance.now() - start < timeoutMs && texts.some((t) => !this.byText.has(t))) await sleep(100);
    const answered = texts.filter((t) => this.byText.has(t)).length;
    const duplicated = texts.reduce((sum, t) => sum + Math.max(0, (this.byText.get(t)?.length ?? 0) - 1), 0);
    return { answered, lost: texts.length - answered, duplicated, seconds: (performance.now() - start) / 1000 };
  }

  close(): void {
    this.unsubscribe();
  }
}

async function warmUp(stack: Stack, client: WebhookClient, replies: ReplyCounter): Promise<void> {
  const texts = Array.from({ length: 20 }, (_, i) => `warm-up ${i}`);
  await withConcurrency(texts.length, 5, async (i) => void (await client.send(client.conversation(`warm-${i}`), texts[i]!)));
  const { lost } = await replies.drain(texts, 60_000);
  if (lost > 0) throw new Error(`the stack did not answer during warm-up (${lost}/20 lost); is it configured? (${stack.apiUrl})`);
}

async function bareRoute(stack: Stack): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < 500; i++) {
    const start = performance.now();
    await (await fetch(`${stack.apiUrl}/health`)).arrayBuffer();
    samples.push(performance.now() - start);
  }
  return latency(samples.slice(50));
}

/** Signal-with-start of a workflow no worker runs: the server's round trip alone. */
async function rawSignalWithStart(temporal: Client): Promise<Latency> {
  const samples: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < 300; i++) {
    const workflowId = `bench-floor-${randomBytes(6).toString('hex')}`;
    ids.push(workflowId);
    const start = performance.now();
    await temporal.workflow.signalWithStart('benchFloor', { workflowId, taskQueue: 'bench-floor', signal: 'ping', signalArgs: [] });
    samples.push(performance.now() - start);
  }
  await withConcurrency(ids.length, 20, async (i) => void (await temporal.workflow.getHandle(ids[i]!).terminate('benchmark floor')));
  return latency(samples.slice(30));
}

async function webhookAck(client: WebhookClient, replies: ReplyCounter, concurrency: number, total: number): Promise<Latency & { non200: number }> {
  const samples: number[] = [];
  const texts: string[] = [];
  let non200 = 0;
  await withConcurrency(total, concurrency, async (i) => {
    const text = `ack c${concurrency} #${i}`;
    texts.push(text);
    const { status, ms } = await client.send(client.conversation(`ack-${i % CONVERSATIONS}`), text);
    if (status !== 200) non200++;
    samples.push(ms);
  });
  const drained = await replies.drain(texts, 180_000); // the next phase starts from a quiet system
  if (drained.lost > 0 || drained.duplicated > 0) log(`  ack phase: ${drained.lost} lost, ${drained.duplicated} duplicated`);
  return { ...latency(samples), non200 };
}

async function pipelineLatency(client: WebhookClient, replies: ReplyCounter, total: number): Promise<Latency> {
  const samples: number[] = [];
  for (let i = 0; i < total; i++) {
    const text = `pipeline #${i}`;
    const start = performance.now();
    const accepted = replies.replyTo(text);
    await client.send(client.conversation(`pipeline-${i % 20}`), text);
    samples.push((await accepted) - start);
  }
  return latency(samples.slice(20));
}

async function sustained(client: WebhookClient, replies: ReplyCounter, stack: Stack, memoryMb: Record<string, number>): Promise<Results['throughput']> {
  const total = OFFERED_RATE * THROUGHPUT_SECONDS;
  const texts = Array.from({ length: total }, (_, i) => `load #${i}`);
  const cpu = cpuMeter(stack);
  const start = performance.now();
  const inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / OFFERED_RATE;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    inFlight.push(client.send(client.conversation(`load-${i % CONVERSATIONS}`), texts[i]!));
  }
  await Promise.all(inFlight);
  const windowEnd = start + THROUGHPUT_SECONDS * 1000;
  for (const p of stack.processes) memoryMb[`${p.role} at ${CONVERSATIONS} conversations`] = p.rssMb();
  const drained = await replies.drain(texts, 180_000);
  const cpuSeconds = cpu();
  const inWindow = texts.filter((t) => (replies.byText.get(t)?.[0] ?? Infinity) <= windowEnd).length;
  return {
    offeredPerSecond: OFFERED_RATE, seconds: THROUGHPUT_SECONDS, sent: total,
    answeredInWindowPerSecond: Math.round((inWindow / THROUGHPUT_SECONDS) * 10) / 10,
    answered: drained.answered, lost: drained.lost, duplicated: drained.duplicated,
    drainSeconds: Math.round(((performance.now() - start) / 1000 - THROUGHPUT_SECONDS) * 10) / 10,
    answeredOverallPerSecond: Math.round((drained.answered / ((lastReply(replies, texts) - start) / 1000)) * 10) / 10,
    cpuSeconds,
  };
}

function lastReply(replies: ReplyCounter, texts: string[]): number {
  return Math.max(...texts.map((t) => replies.byText.get(t)?.[0] ?? 0));
}

/** Starts counting CPU time per process; the returned function reads the seconds used since. */
function cpuMeter(stack: Stack): () => Record<string, number> {
  const pids: Record<string, number> = Object.fromEntries(stack.processes.map((p) => [p.role, p.pid]));
  if (stack.temporalPid) pids['Temporal dev server'] = stack.temporalPid;
  const read = () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const before = read();
  const benchBefore = process.cpuUsage();
  return () => {
    const after = read();
    const bench = process.cpuUsage(benchBefore);
    const used = Object.fromEntries(Object.entries(after).map(([name, v]) => [name, Math.round((v - before[name]!) * 10) / 10]));
    return { ...used, 'bench driver (load, emulators)': Math.round(((bench.user + bench.system) / 1e6) * 10) / 10 };
  };
}

async function recovery(stack: Stack, client: WebhookClient, replies: ReplyCounter): Promise<number> {
  const killedAt = performance.now();
  await stack.worker.kill('SIGKILL');
  const restarting = stack.worker.start();
  const text = 'after the crash';
  const answered = replies.replyTo(text, 120_000);
  // With api and worker in one process the webhook is down too: send as soon as it accepts (Twilio would retry).
  for (;;) {
    const res = await client.send(client.conversation('recovery'), text).catch(() => ({ status: 0 }));
    if (res.status === 200) break;
    await sleep(100);
  }
  const at = await answered;
  await restarting;
  return Math.round(((at - killedAt) / 1000) * 10) / 10;
}

function printTable(r: Results): void {
  const ms = (v: number) => `${v} ms`;
  const ratio = (v: number, floor: number) => `${(v / floor).toFixed(1)}×`;
  const rows: [string, string, string, string][] = [
    ['floor: GET /health p50 / p99', `${ms(r.floor.http.p50)} / ${ms(r.floor.http.p99)}`, '1×', ''],
    ['floor: Temporal signal-with-start p50 / p99', `${ms(r.floor.temporalSignalWithStart.p50)} / ${ms(r.floor.temporalSignalWithStart.p99)}`, '1×', ''],
  ];
  for (const [key, a] of Object.entries(r.ack)) {
    rows.push([`webhook ack ${key} p50 / p95 / p99 / max`, `${a.p50} / ${a.p95} / ${a.p99} / ${a.max} ms${a.non200 ? ` (${a.non200} non-200)` : ''}`, `${ratio(a.p50, r.floor.http.p50)} / ${ratio(a.p99, r.floor.http.p99)} of the bare route`, key === 'c20' ? `p99 < 50 ms ${a.p99 < 50 ? '✓' : '✗'}` : '']);
  }
  rows.push(['pipeline webhook → reply p50 / p99', `${ms(r.pipeline.p50)} / ${ms(r.pipeline.p99)}`, `${ratio(r.pipeline.p50, r.floor.temporalSignalWithStart.p50)} of a signal-with-start`, `p50 < 150 ${r.pipeline.p50 < 150 ? '✓' : '✗'}, p99 < 500 ${r.pipeline.p99 < 500 ? '✓' : '✗'}`]);
  const t = r.throughput;
  rows.push([`throughput (${t.offeredPerSecond}/s offered, ${t.seconds} s, ${CONVERSATIONS} conv.)`, `${t.answeredInWindowPerSecond}/s answered in the window, ${t.answeredOverallPerSecond}/s first message to last reply; ${t.answered}/${t.sent} answered, ${t.lost} lost, ${t.duplicated} duplicated, drained ${t.drainSeconds} s after`, '', `≥ 80/s, 0 lost, 0 dup ${t.answeredOverallPerSecond >= 80 && t.lost === 0 && t.duplicated === 0 ? '✓' : '✗'}`]);
  const atLoad = Object.entries(r.memoryMb).filter(([k]) => k.includes('conversations'));
  const loadTotal = atLoad.reduce((s, [, v]) => s + v, 0);
  for (const [k, v] of Object.entries(r.memoryMb)) rows.push([`RSS ${k}`, `${v} MB`, '', '']);
  rows.push([`RSS api + worker at ${CONVERSATIONS} conversations`, `${loadTotal} MB`, '', `< 400 MB ${loadTotal < 400 ? '✓' : '✗'}`]);
  rows.push(['recovery: worker SIGKILL → first reply', `${r.recoverySeconds} s`, '', `< 15 s ${r.recoverySeconds < 15 ? '✓' : '✗'}`]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((row) => row[i]!.length), ['figure', 'measured', 'ratio to the floor', 'target'][i]!.length));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(`\n${r.machine.cpus} CPUs, Node ${r.machine.node}, ${r.machine.database}\n`);
  console.log(line(['figure', 'measured', 'ratio to the floor', 'target']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log(`\nCPU seconds used during the throughput run (${r.throughput.seconds} s of load + ${r.throughput.drainSeconds} s drain; ${r.machine.cpus} cores = ${Math.round(r.machine.cpus * (r.throughput.seconds + r.throughput.drainSeconds))} CPU-seconds available):`);
  for (const [name, v] of Object.entries(r.throughput.cpuSeconds)) console.log(`  ${name.padEnd(48)} ${v} s`);
  console.log('\nwhere a reply\'s time goes (mean over the pipeline messages, from Temporal event times):');
  for (const [step, v] of Object.entries(r.profile)) console.log(`  ${step.padEnd(48)} ${v} ms`);
}

function argument(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function log(message: string): void {
  console.log(`[bench] ${message}`);
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).stack ?? String(err)}`);
  process.exit(1);
});
