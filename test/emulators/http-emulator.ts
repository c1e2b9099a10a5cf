import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every injected failure has in common; `path` limits it to matching request paths. */
export interface BaseFailure {
  status: number;
  retryAfterSeconds?: number;
  path?: RegExp;
}

/**
 * Shared plumbing of the in-process HTTP emulators: listening on 127.0.0.1,
 * closing (even with keep-alive connections open), slow answers and failure injection.
 */
export abstract class HttpEmulator<TFailure extends BaseFailure> {
  private server?: Server;
  private delayMs = 0;
  private readonly queuedFailures: { remaining: number; failure: TFailure }[] = [];
  private standingFailure?: TFailure;

  protected get origin(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error(`${this.constructor.name} is not listening`);
    return `http://127.0.0.1:${address.port}`;
  }

  /** The next `n` requests matching `failure.path` (all requests without it) answer with the failure. */
  failNext(n: number, failure: TFailure): void {
    if (n > 0) this.queuedFailures.push({ remaining: n, failure });
  }

  /** Every matching request answers with the failure until `clearFailures()`. */
  failWhile(failure: TFailure): void {
    this.standingFailure = failure;
  }

  clearFailures(): void {
    this.queuedFailures.length = 0;
    this.standingFailure = undefined;
  }

  /** Waits `ms` before answering each request (0 restores immediate answers). */
  setDelay(ms: number): void {
    this.delayMs = ms;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    server.closeAllConnections();
    await closed;
  }

  protected async listen(port = 0): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { message: `Emulator error: ${String(err)}` });
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
  }

  protected async applyDelay(): Promise<void> {
    if (this.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }

  /** Consumes and returns the failure due for this request path, if any (queued ones first). */
  protected takeFailure(path: string): TFailure | undefined {
    const matches = (failure: TFailure) => !failure.path || path.search(failure.path) >= 0;
    const index = this.queuedFailures.findIndex((entry) => matches(entry.failure));
    if (index >= 0) {
      const entry = this.queuedFailures[index];
      if (--entry.remaining === 0) this.queuedFailures.splice(index, 1);
      return entry.failure;
    }
    return this.standingFailure && matches(this.standingFailure) ? this.standingFailure : undefined;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Sends `body` as JSON and returns the status, for the caller's request log. */
export function sendJson(res: ServerResponse, status: number, body: unknown, retryAfterSeconds?: number): number {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (retryAfterSeconds !== undefined) headers['Retry-After'] = String(retryAfterSeconds);
  res.writeHead(status, headers).end(JSON.stringify(body));
  return status;
}
