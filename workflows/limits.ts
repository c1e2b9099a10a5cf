import type { CarriedState } from './definitions';

/** Arrival times kept per conversation: enough to count any allowed rate over one minute. */
const RATE_MEMORY = 200;
const MINUTE_MS = 60_000;

/** Notes a customer message's arrival (workflow time) for the rate limit. */
export function noteArrival(state: CarriedState, now: number): void {
  const recent = (state.recentInbound ?? []).filter((t) => t > now - MINUTE_MS);
  recent.push(now);
  state.recentInbound = recent.slice(-RATE_MEMORY);
}

/**
 * How long the next turn must wait under the customer's message-rate limit: 0 within the limit;
 * beyond it, until one throttled-reply interval after the previous turn started, so a flood is
 * coalesced into at most one reply (and one model call) per interval. No policy yet, no limit.
 */
export function throttleWaitMs(state: CarriedState, now: number): number {
  const policy = state.policy;
  if (!policy || state.lastTurnAt === undefined) return 0;
  const lastMinute = (state.recentInbound ?? []).filter((t) => t > now - MINUTE_MS).length;
  if (lastMinute <= policy.messagesPerMinute) return 0;
  return Math.max(0, state.lastTurnAt + policy.throttledReplyIntervalMs - now);
}
