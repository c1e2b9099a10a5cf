import type { DiagnosticCheck, Verdict } from './diagnostic-check';

const SYMBOLS: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/**
 * The diagnostics as `npm run doctor` prints them: one line per check (symbol, title, what was
 * found), the fix indented under it, and a closing count.
 */
export function formatChecks(checks: DiagnosticCheck[]): string {
  const width = Math.min(Math.max(0, ...checks.map((c) => c.title.length)), 48);
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${SYMBOLS[check.verdict]} ${check.title.padEnd(width)}  ${check.detail}`);
    if (check.fix) lines.push(`  ${' '.repeat(width)}  fix: ${check.fix}`);
  }
  const count = (v: Verdict) => checks.filter((c) => c.verdict === v).length;
  lines.push('');
  lines.push(`${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failure(s), ${count('skip')} skipped`);
  return lines.join('\n');
}
