import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../common/tokens';

const WINDOW_MS = 60_000;
/** Beyond this many tracked keys, windows already over are dropped (keys are few; this bounds memory). */
const SWEEP_AT = 10_000;

/** A call over the limit: when to try again, and whether it is the window's first refusal (the one audited). */
export interface RateLimited {
  limit: number;
  retryAfterSeconds: number;
  firstRefusal: boolean;
}

/**
 * ADMIN_RATE_LIMIT_PER_MINUTE per API key: fixed one-minute windows counted in this process (each
 * api process counts on its own, so N processes allow up to N × the limit). A runaway script or a
 * leaked key cannot flood the database through the admin API; webhooks never come here.
 */
@Injectable()
export class AdminRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number; refused: boolean }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Counts a call of `callerId`; null when it is within the limit. */
  take(callerId: string, now = Date.now()): RateLimited | null {
    const limit = this.config.adminRateLimitPerMinute;
    if (limit === 0) return null;
    let window = this.windows.get(callerId);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size >= SWEEP_AT) this.sweep(now);
      window = { start: now, count: 0, refused: false };
      this.windows.set(callerId, window);
    }
    window.count++;
    if (window.count <= limit) return null;
    const firstRefusal = !window.refused;
    window.refused = true;
    return { limit, retryAfterSeconds: Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)), firstRefusal };
  }

  private sweep(now: number): void {
    for (const [id, w] of this.windows) if (now - w.start >= WINDOW_MS) this.windows.delete(id);
  }
}
