import vm from 'node:vm';
import { Logger } from '@nestjs/common';

const logger = new Logger('Redaction');

/**
 * Redaction of sensitive data in a customer's message, on the webhook's request path (pure and fast:
 * the pre-action hook answers Twilio within its budget). What it returns is the only text Twilio,
 * the database, the logs and the language model ever hold.
 */

/** A pattern the business configured, e.g. a national id format. */
export interface RedactionPattern {
  /** Shown in place of the match: `[<name> redacted]`. */
  name: string;
  /** A JavaScript regular expression source, matched case-sensitively unless `flags` has `i`. */
  pattern: string;
  flags?: '' | 'i';
}

export interface RedactionSettings {
  /** Payment card numbers (13–19 digits, plain or split by spaces, dashes or dots, Luhn-checked). */
  cards: boolean;
  patterns: RedactionPattern[];
}

export interface Redacted {
  text: string;
  /** What was removed: `card` and/or the names of the configured patterns. Empty when nothing was. */
  kinds: string[];
  /** A configured pattern did not finish in time: the whole text was withheld (fail closed). */
  timedOut?: boolean;
}

/** Runs of digit groups separated by a space, non-breaking space, dot or dash (one or two): where a card number can hide. */
const DIGIT_GROUPS = /\d+(?:[ \u00a0.-]{1,2}\d+)*/g;

/** Longest time the configured patterns may take on one message, on the request path. */
export const PATTERN_TIMEOUT_MS = 50;

/** What replaces a message whose configured patterns did not finish in time. */
export const WITHHELD = '[message withheld: it could not be checked for personal data]';

/**
 * Redacts the configured patterns first (so that e.g. an IBAN pattern sees the whole IBAN), then
 * card numbers.
 */
export function redact(text: string, settings: RedactionSettings): Redacted {
  const kinds = new Set<string>();
  let result = text;
  if (settings.patterns.length > 0) {
    const matched = runPatterns(result, settings.patterns);
    if (matched === 'timeout') return { text: WITHHELD, kinds: ['unchecked'], timedOut: true };
    result = matched.text;
    matched.kinds.forEach((k) => kinds.add(k));
  }
  if (settings.cards) {
    result = result.replace(DIGIT_GROUPS, (run) => {
      const replaced = redactCardsIn(run);
      if (replaced !== run) kinds.add('card');
      return replaced;
    });
  }
  return { text: result, kinds: [...kinds] };
}

/**
 * The configured patterns run in a separate V8 context under a hard time limit: a pattern that
 * backtracks catastrophically on some input is interrupted instead of stalling every request.
 */
const sandbox = vm.createContext({ input: '', patterns: [] as { name: string; re: RegExp }[], output: null as null | { text: string; kinds: string[] } });
const applyPatterns = new vm.Script(`
  (() => {
    const kinds = [];
    let text = input;
    for (const p of patterns) {
      text = text.replace(p.re, () => {
        if (!kinds.includes(p.name)) kinds.push(p.name);
        return '[' + p.name + ' redacted]';
      });
    }
    output = { text, kinds };
  })();
`);

function runPatterns(text: string, patterns: RedactionPattern[]): { text: string; kinds: string[] } | 'timeout' {
  const compiledPatterns = patterns.flatMap((p) => {
    const re = compile(p);
    return re ? [{ name: p.name, re }] : [];
  });
  if (compiledPatterns.length === 0) return { text, kinds: [] };
  Object.assign(sandbox, { input: text, patterns: compiledPatterns, output: null });
  try {
    applyPatterns.runInContext(sandbox, { timeout: PATTERN_TIMEOUT_MS });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') return 'timeout';
    throw err;
  } finally {
    sandbox.input = '';
  }
  const output = sandbox.output as unknown as { text: string; kinds: string[] };
  return { text: String(output.text), kinds: [...output.kinds].map(String) };
}

/**
 * Within one run of digit groups ("4242 4242 4242 4242 12 27"), replaces each card number: the
 * longest sequence of whole groups that has 13–19 digits and passes the Luhn check.
 */
function redactCardsIn(run: string): string {
  const groups = run.split(/([ \u00a0.-]{1,2})/); // digits, separator, digits, …
  const digits = groups.filter((_, i) => i % 2 === 0);
  const out: string[] = [];
  for (let start = 0; start < digits.length; ) {
    let end = -1;
    let joined = '';
    for (let j = start; j < digits.length; j++) {
      joined += digits[j];
      if (joined.length > 19) break;
      if (joined.length >= 13 && luhn(joined)) end = j;
    }
    if (end >= 0) {
      const number = digits.slice(start, end + 1).join('');
      out.push(`[card •••• ${number.slice(-4)}]`);
      start = end + 1;
    } else {
      out.push(digits[start]!);
      start += 1;
    }
    if (start < digits.length) out.push(groups[2 * start - 1]!);
  }
  return out.join('');
}

/** The Luhn checksum every payment card number satisfies. */
export function luhn(number: string): boolean {
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = number.charCodeAt(number.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const compiled = new Map<string, RegExp | null>();

/** The pattern as a global RegExp (`replace` resets its position), compiled once; null (skipped, logged once) if it no longer compiles. */
function compile(p: RedactionPattern): RegExp | null {
  const key = `${p.flags ?? ''}/${p.pattern}`;
  let re = compiled.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(p.pattern, `g${p.flags ?? ''}u`);
    } catch (err) {
      logger.error(`Redaction pattern "${p.name}" does not compile and is skipped: ${(err as Error).message}`);
      re = null;
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, re);
  }
  return re;
}

/** Longest pattern source accepted. */
export const MAX_PATTERN_LENGTH = 200;

/**
 * Why a configured pattern cannot be used, or null. Patterns run on every message on the request
 * path, so besides compiling they must not match the empty string (it would redact everywhere) and
 * must not nest quantifiers, the commonest shape of catastrophic backtracking (`(a+)+`, `(x{2,})+`).
 * This check cannot catch every slow pattern: the time limit at run time is what bounds them.
 */
export function patternProblem(p: RedactionPattern): string | null {
  if (p.pattern.length > MAX_PATTERN_LENGTH) return `must be at most ${MAX_PATTERN_LENGTH} characters`;
  let re: RegExp;
  try {
    re = new RegExp(p.pattern, `${p.flags ?? ''}u`);
  } catch (err) {
    return `is not a valid regular expression: ${(err as Error).message}`;
  }
  if (re.test('')) return 'matches the empty text, so it would redact everything';
  if (/\((?:[^()\\]|\\.)*(?:[+*]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[+*]|\{\d+,\d*\})/.test(p.pattern)) {
    return 'nests quantifiers (like (a+)+), which can take exponential time; simplify it';
  }
  return null;
}
