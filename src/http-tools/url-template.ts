/**
 * URL templates of custom HTTP tools: `https://api.shop.example/orders/{orderId}?expand={detail}`.
 * Placeholders are filled from the validated arguments, URL-encoded, and only in the path and the
 * query: the scheme, host and port are the business's, never the model's.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]{0,63})\}/g;

export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

/** Why a template is not acceptable, or undefined. */
export function templateProblem(template: string): string | undefined {
  const parts = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(template);
  if (!parts) return 'must be an absolute http:// or https:// URL';
  const [, , authority, rest] = parts as unknown as [string, string, string, string];
  if (/[{}]/.test(authority)) return 'placeholders may appear only in the path and the query, never in the host';
  if (authority.includes('@')) return 'must not contain credentials (use auth)';
  if (rest.includes('#')) return 'must not have a fragment';
  if (/[{}]/.test(rest.replace(PLACEHOLDER, ''))) return 'has a { or } that is not a {placeholder}';
  try {
    new URL(template.replace(PLACEHOLDER, 'x'));
  } catch {
    return 'is not a valid URL once its placeholders are filled';
  }
  return undefined;
}

export class TemplateError extends Error {}

/**
 * The URL with its placeholders filled, and the arguments used. A path placeholder may not be "." or
 * "..", which the URL parser would resolve into another path of the business's API.
 */
export function fillTemplate(template: string, args: Record<string, unknown>): { url: string; used: Set<string> } {
  const used = new Set<string>();
  const queryStart = template.indexOf('?');
  const url = template.replace(PLACEHOLDER, (_match, name: string, offset: number) => {
    const value = args[name];
    if (value === undefined || value === null || typeof value === 'object') throw new TemplateError(`${name} is needed for the URL and must be a string, number or boolean`);
    const text = String(value);
    const inPath = queryStart < 0 || offset < queryStart;
    if (inPath && /^\.{1,2}$/.test(text.trim())) throw new TemplateError(`${name} may not be "${text}"`);
    used.add(name);
    return encodeURIComponent(text);
  });
  return { url, used };
}
