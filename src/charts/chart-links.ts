import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a chart's public link works: long enough for Twilio to fetch it, and for a late delivery. */
const LINK_DAYS = 7;

const signature = (key: string, chartId: string, expires: number) =>
  createHmac('sha256', Buffer.from(key, 'hex')).update(`chart-link:${chartId}:${expires}`).digest('hex').slice(0, 32);

/**
 * The path (under `PUBLIC_BASE_URL/media/`) of a chart's PNG that Twilio fetches for a media
 * template: `charts/<id>/<expires>/<signature>.png`. Only someone holding CREDENTIALS_KEY can make
 * one, and it stops working after a week.
 */
export function signedChartPath(chartId: string, key: string, now = Date.now()): string {
  const expires = Math.floor(now / 1000) + LINK_DAYS * 86_400;
  return `charts/${chartId}/${expires}/${signature(key, chartId, expires)}.png`;
}

/** True when the link was made here for this chart and has not expired. */
export function verifyChartLink(chartId: string, expires: string, sig: string, key: string, now = Date.now()): boolean {
  const at = Number(expires);
  if (!/^\d{1,12}$/.test(expires) || at * 1000 < now || !/^[0-9a-f]{32}$/.test(sig)) return false;
  return timingSafeEqual(Buffer.from(signature(key, chartId, at)), Buffer.from(sig));
}
