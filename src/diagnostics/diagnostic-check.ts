/** What one check concluded: `skip` when it does not apply here (or cannot run, with the reason). */
export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of the diagnostics: what was checked, the verdict, what was found and what to do about it. */
export interface DiagnosticCheck {
  id: string;
  title: string;
  verdict: Verdict;
  detail: string;
  /** The action that fixes it; null when there is nothing to do. */
  fix: string | null;
}

export type CheckOutcome = Pick<DiagnosticCheck, 'verdict' | 'detail' | 'fix'>;

export const ok = (detail: string): CheckOutcome => ({ verdict: 'ok', detail, fix: null });
export const warn = (detail: string, fix: string | null): CheckOutcome => ({ verdict: 'warn', detail, fix });
export const fail = (detail: string, fix: string | null): CheckOutcome => ({ verdict: 'fail', detail, fix });
export const skip = (detail: string): CheckOutcome => ({ verdict: 'skip', detail, fix: null });

/** How long a check may take unless it says otherwise: a stuck dependency must not stall the others. */
export const CHECK_TIMEOUT_MS = 5_000;

/**
 * Runs one check; never throws. A check that throws or takes longer than `timeoutMs` is a failure
 * that says so (with `timeoutFix` as its fix), since a dependency that does not answer is itself the finding.
 */
export async function runCheck(id: string, title: string, body: () => Promise<CheckOutcome>, opts: { timeoutMs?: number; timeoutFix?: string } = {}): Promise<DiagnosticCheck> {
  const timeoutMs = opts.timeoutMs ?? CHECK_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => resolve(fail(`No answer within ${timeoutMs / 1000} s`, opts.timeoutFix ?? null)), timeoutMs);
  });
  try {
    const outcome = await Promise.race([body(), timeout]);
    return { id, title, ...outcome };
  } catch (err) {
    return { id, title, ...fail(`The check could not run: ${errorMessage(err)}`, null) };
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}

/** The worst verdict of all checks (skips do not count). */
export function overallVerdict(checks: DiagnosticCheck[]): 'ok' | 'warn' | 'fail' {
  if (checks.some((c) => c.verdict === 'fail')) return 'fail';
  return checks.some((c) => c.verdict === 'warn') ? 'warn' : 'ok';
}

/**
 * A last guard before the report leaves the process: a library error that quoted a credential (some
 * echo part of a rejected key) must not put it in the answer or on the terminal.
 */
export function withoutSecrets(check: DiagnosticCheck, secrets: (string | undefined | null)[]): DiagnosticCheck {
  const known = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8);
  const scrub = (text: string) => known.reduce((out, secret) => out.split(secret).join('[secret]'), text);
  return { ...check, detail: scrub(check.detail), fix: check.fix === null ? null : scrub(check.fix) };
}
