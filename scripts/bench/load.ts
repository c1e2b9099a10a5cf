import { createHash } from 'node:crypto';
import twilio from 'twilio';

/** Latency figures in milliseconds. */
export interface Latency {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function latency(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? NaN) };
}

/** Signed `onMessageAdd` pre-events, exactly as Twilio posts them, to one integration's webhook. */
export class WebhookClient {
  private seq = 0;

  constructor(private readonly opts: { apiUrl: string; publicBaseUrl: string; accountSid: string; authToken: string; runId: string }) {}

  /** A conversation sid that is stable for a name within this run. */
  conversation(name: string): string {
    return `CH${createHash('sha256').update(`${this.opts.runId}:${name}`).digest('hex').slice(0, 32)}`;
  }

  /** Posts one customer message; resolves with the status and the milliseconds until the answer. */
  async send(conversationSid: string, body: string): Promise<{ status: number; ms: number }> {
    const n = ++this.seq;
    const params: Record<string, string> = {
      EventType: 'onMessageAdd',
      AccountSid: this.opts.accountSid,
      ChatServiceSid: `IS${'b'.repeat(32)}`,
      ConversationSid: conversationSid,
      ParticipantSid: `MB${conversationSid.slice(2)}`,
      Author: `whatsapp:+1555${createHash('md5').update(conversationSid).digest('hex').replace(/\D/g, '').padEnd(7, '0').slice(0, 7)}`,
      Body: body,
      Attributes: '{}',
      Source: 'WHATSAPP',
      RetryCount: '0',
    };
    const path = '/api/twilio/webhook';
    const signature = twilio.getExpectedTwilioSignature(this.opts.authToken, this.opts.publicBaseUrl + path, params);
    const started = performance.now();
    const res = await fetch(this.opts.apiUrl + path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'i-twilio-idempotency-token': `${this.opts.runId}-${n}` },
      body: new URLSearchParams(params),
    });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started };
  }
}

/** Runs `task(i)` for i in [0, total) with at most `concurrency` in flight. */
export async function withConcurrency(total: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, total) }, async () => {
    while (next < total) await task(next++);
  });
  await Promise.all(lanes);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
