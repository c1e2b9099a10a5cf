import { redact as redactMessage } from '../policies/redaction';

/**
 * The redaction every log line goes through, whatever wrote it (our services, Nest, the Temporal
 * SDK): a log pipeline is read by more people, and kept longer, than the database.
 */

export const REDACTED = '[redacted]';

/** Fields whose value is a secret whatever it looks like. */
const SECRET_FIELD = /(token|tokens?[_-]?encrypted|signing[_-]?tokens|secret|secret[_-]?key|private[_-]?key|api[_-]?key|password|passwd|authorization|cookie|credentials?[_-]?key|signature)$/i;

/** Fields that hold what a customer or the agent wrote: their length is kept, not their words. */
const BODY_FIELD = /^(body|text|content|message[_-]?body|message[_-]?text|messages|transcript|prompt|reply|completion)$/i;

/**
 * Secret shapes inside free text, replaced wherever they appear. Order matters: the `name=value`
 * form goes first so that the value is gone before the shapes below look at what is left.
 */
const SECRET_SHAPES: [RegExp, string][] = [
  // `authToken=…`, `"apiKey": "…"`, `password: …` in a message or a serialized object.
  [/\b([A-Za-z_-]*(?:token|api[_-]?key|secret|secret[_-]?key|password))(["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi, `$1$2${REDACTED}`],
  // HTTP credentials, including Twilio's `Basic base64(AC…:token)`.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // Credentials in a URL: https://user:secret@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
  // This product's API keys (wa_<role>_…).
  [/\bwa_[a-z]+_[A-Za-z0-9_-]{16,}/g, REDACTED],
  // OpenAI-style keys, Stripe secret, restricted and webhook signing keys.
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]{8,}/g, REDACTED],
  [/\bwhsec_[A-Za-z0-9+/=]{8,}/g, REDACTED],
  // A Twilio auth token (32 hex) or a 64-hex key such as CREDENTIALS_KEY. Hex after two letters is a
  // Twilio SID (AC…, CH…, IM…): an identifier that logs need, so it is kept.
  [/(?<![A-Za-z0-9])[0-9a-fA-F]{32}(?:[0-9a-fA-F]{32})?(?![0-9a-zA-Z])/g, REDACTED],
];

/** UUIDs (ids in every other line) are digit groups split by dashes too; the card check skips them. */
const UUID = /([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})/;

/** Secrets and card numbers in free text → `[redacted]` / `[card •••• 4242]`. */
export function redactText(text: string): string {
  let result = text;
  for (const [shape, replacement] of SECRET_SHAPES) result = result.replace(shape, replacement);
  // The same Luhn-checked card detection as customers' messages get at the webhook (split() keeps
  // the UUIDs at the odd indexes).
  return result
    .split(UUID)
    .map((part, i) => (i % 2 === 1 ? part : redactMessage(part, { cards: true, patterns: [] }).text))
    .join('');
}

/** What a message body becomes in the logs unless LOG_MESSAGE_BODIES=true. */
export const redactedBody = (value: string) => `[redacted ${value.length} chars]`;

/**
 * A log line's fields, redacted: secret-named fields dropped to `[redacted]`, body-named fields to
 * their length (unless `logMessageBodies`), and every other string through `redactText`. Nested
 * objects and arrays are walked (a cycle is cut); errors keep their name, message and stack.
 */
export function redactFields(value: unknown, logMessageBodies: boolean): unknown {
  return walk(value, logMessageBodies, new WeakSet(), 0);
}

function walk(value: unknown, bodies: boolean, seen: WeakSet<object>, depth: number, key?: string): unknown {
  if (key !== undefined && SECRET_FIELD.test(key) && value !== null && value !== undefined && value !== '') return REDACTED;
  if (typeof value === 'string') {
    if (key !== undefined && !bodies && BODY_FIELD.test(key)) return redactedBody(value);
    return redactText(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (key !== undefined && !bodies && BODY_FIELD.test(key)) return `[redacted ${Array.isArray(value) ? `${value.length} items` : 'object'}]`;
  if (value instanceof Error) {
    const { name, message, stack } = value;
    return walk({ name, message, ...(stack ? { stack } : {}), ...ownFields(value) }, bodies, seen, depth + 1);
  }
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => walk(item, bodies, seen, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, bodies, seen, depth + 1, k)]));
}

/** An error's own enumerable fields (e.g. a Twilio error's `code`, `status`), beside name/message/stack. */
function ownFields(err: Error): Record<string, unknown> {
  return Object.fromEntries(Object.entries(err).filter(([k]) => !['name', 'message', 'stack'].includes(k)));
}
