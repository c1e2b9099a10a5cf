/**
 * Spaces this process's Twilio REST calls at least 1/rate seconds apart, so no one-second window ever
 * holds more than `rate` calls. The sends task queue's server-side limit keeps the average across all
 * workers; this keeps each worker from bursting above it (the server's limiter allows short bursts).
 */
/**
 * 25 % wider spacing than the rate: `rate` intervals then span 1.25 s, so up to 250 ms of jitter between a
 * call's slot and its arrival at Twilio cannot squeeze rate + 1 calls into one second. 5 % and 10 % were
 * both seen to fail on a loaded machine (a 100–150 ms stall bunches the calls behind it).
 */
export const SAFETY = 1.25;

export class SendPacer {
  private nextSlot = 0;

  constructor(private readonly perSecond: number) {}

  /** Resolves when this call may go out. */
  async slot(): Promise<void> {
    const now = Date.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + (1_000 / this.perSecond) * SAFETY;
    if (at > now) await new Promise((r) => setTimeout(r, at - now));
  }
}
