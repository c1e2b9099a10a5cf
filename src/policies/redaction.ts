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
  /** Payment card numbers (13–19 digits, spaced or dashed, Luhn-checked). */
  cards: boolean;
  patterns: RedactionPattern[];
}

export interface Redacted {
  text: string;
  /** What was removed: `card` and/or the names of the configured patterns. Empty when nothing was. */
  kinds: string[];
}

/** Runs of digits separated by single spaces or dashes: where a card number can hide. */
const DIGIT_GROUPS = /\d+(?:[ -]\d+)*/g;

export function redact(text: string, settings: RedactionSettings): Redacted {
  const kinds = new Set<string>();
  let result = text;
  if (settings.cards) {
    result = result.replace(DIGIT_GROUPS, (run) => {
      const replaced = redactCardsIn(run);
      if (replaced !== run) kinds.add('card');
      return replaced;
    });
  }
  for (const p of settings.patterns) {
    result = result.replace(compile(p), () => {
      kinds.add(p.name);
      return `[${p.name} redacted]`;
    });
  }
  return { text: result, kinds: [...kinds] };
}

/**
 * Within one run of digit groups ("4242 4242 4242 4242 12 27"), replaces each card number: the
 * longest sequence of whole groups that has 13–19 digits and passes the Luhn check.
 */
function redactCardsIn(run: string): string {
  const groups = run.split(/([ -])/); // digits, separator, digits, …
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

const compiled = new Map<string, RegExp>();

function compile(p: RedactionPattern): RegExp {
  const key = `${p.flags ?? ''}/${p.pattern}`;
  let re = compiled.get(key);
  if (!re) {
    re = new RegExp(p.pattern, `g${p.flags ?? ''}u`);
    if (compiled.size > 1000) compiled.clear();
    compiled.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Longest pattern source accepted. */
export const MAX_PATTERN_LENGTH = 200;

/**
 * Why a configured pattern cannot be used, or null. Patterns run on every message on the request
 * path, so besides compiling they must not match the empty string (it would redact everywhere) and
 * must not nest quantifiers, the shape of catastrophic backtracking (`(a+)+`, `(\d*)*`, `(x{2,})+`).
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
