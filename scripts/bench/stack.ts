import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startEmbeddedTemporal, type EmbeddedTemporal } from '../../src/temporal/embedded-temporal';
import { OpenAIEmulator } from '../../test/emulators/openai-emulator';
import { TwilioEmulator } from '../../test/emulators/twilio-emulator';
import { freePort } from '../../test/support/free-port';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database';

export const ACCOUNT_SID = `AC${'be'.repeat(16)}`;
export const AUTH_TOKEN = 'bench-token-0123456789';
const DIST = join(__dirname, '..', '..', 'src');

/** One product process (`main.js` = api + worker, or `api.js` / `worker.js`), restartable and killable. */
export class ProductProcess {
  private child?: ChildProcess;

  constructor(readonly role: 'main' | 'api' | 'worker', private readonly env: Record<string, string>) {}

  get pid(): number {
    return this.child!.pid!;
  }

  /** Starts the process and resolves once it serves (api) and polls Temporal (worker). */
  async start(): Promise<void> {
    const child = spawn(process.execPath, [join(DIST, `${this.role}.js`)], { env: { ...process.env, ...this.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const output: string[] = [];
    const ready = this.role === 'api' ? /Nest application successfully started|listening/i : /Worker polling/;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.role} did not start in 90 s:\n${output.join('').slice(-3000)}`)), 90_000);
      const watch = (chunk: Buffer) => {
        output.push(chunk.toString());
        if (ready.test(output.join(''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', watch);
      child.stderr!.on('data', watch);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.role} exited with ${code} before it was ready:\n${output.join('').slice(-3000)}`));
      });
    });
    child.removeAllListeners('exit');
    // Keep reading (and dropping) the output so the process never blocks on a full pipe.
    child.stdout!.removeAllListeners('data').resume();
    child.stderr!.removeAllListeners('data').resume();
  }

  /** Resident memory in MB, from /proc. */
  rssMb(): number {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024);
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}

/** CPU time (user + system) a process has used, in seconds, from /proc (clock ticks of 10 ms). */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The pid of the embedded Temporal server, found by its database file. */
export function temporalServerPid(dbFilename: string): number | undefined {
  for (const entry of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmdline.includes('start-dev') && cmdline.includes(dbFilename)) return Number(entry);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return undefined;
}

export interface Stack {
  twilio: TwilioEmulator;
  openai: OpenAIEmulator;
  temporal: EmbeddedTemporal;
  temporalPid?: number;
  database: TestDatabase;
  /** The processes serving webhooks and running workflows: one (`main`) on the embedded database, else api + worker. */
  processes: ProductProcess[];
  /** The process that runs the workers (killed for the recovery figure). */
  worker: ProductProcess;
  apiUrl: string;
  publicBaseUrl: string;
  env: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * The stack as `npm start` runs it: the Temporal CLI's dev server with a database file, the embedded
 * database (or a fresh database on DATABASE_URL's server), and the product. On the embedded database
 * api and worker share one process, as with `npm start`; on PostgreSQL they run as separate processes.
 * Twilio and OpenAI are the in-process emulators, answering at once.
 */
export async function startStack(): Promise<Stack> {
  const twilio = await TwilioEmulator.start();
  twilio.addAccount(ACCOUNT_SID, AUTH_TOKEN);
  const openai = await OpenAIEmulator.start();
  const database = await createTestDatabase();
  const dbFilename = join(database.dataDir, 'temporal.db');
  const temporal = await startEmbeddedTemporal({ dbFilename, cliPath: process.env.TEMPORAL_CLI_PATH });
  const port = await freePort();
  const publicBaseUrl = 'https://bench.example.test';
  const env: Record<string, string> = {
    PORT: String(port),
    PUBLIC_BASE_URL: publicBaseUrl,
    DATA_DIR: database.dataDir,
    ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: `bench-${randomBytes(3).toString('hex')}`,
    OPENAI_API_KEY: openai.apiKey,
    OPENAI_BASE_URL: openai.baseUrl,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: '+14155238886',
    TWILIO_API_BASE_URL: twilio.baseUrl,
    ADMIN_API_KEY: `bench-admin-${randomBytes(8).toString('hex')}`,
    CREDENTIALS_KEY: randomBytes(32).toString('hex'),
    COALESCE_WINDOW_MS: '0',
    // Above the offered load, so the figure is the product's capacity, not the configured Twilio limit.
    TWILIO_SENDS_PER_SECOND: process.env.TWILIO_SENDS_PER_SECOND ?? '200',
  };
  const processes = database.databaseUrl
    ? [new ProductProcess('api', env), new ProductProcess('worker', { ...env, PORT: '0' })]
    : [new ProductProcess('main', env)];
  for (const p of processes) await p.start();
  return {
    twilio, openai, temporal, database, processes, env, publicBaseUrl,
    temporalPid: temporalServerPid(dbFilename),
    worker: processes.at(-1)!,
    apiUrl: `http://127.0.0.1:${port}`,
    async stop() {
      for (const p of processes) await p.kill('SIGTERM');
      await temporal.stop();
      await twilio.close();
      await openai.close();
      await database.drop();
    },
  };
}
