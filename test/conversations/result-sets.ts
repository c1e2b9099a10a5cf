/**
 * Compares a data question's result with the expected one by values, not names: a model's SQL may
 * call its columns anything, so each row is a tuple in column order. Numbers agree within a
 * tolerance; numeric strings count as numbers; a day written as a date or as midnight UTC is the
 * same day. Without `orderMatters`, rows are matched as a multiset.
 */

export type ResultRow = Record<string, unknown> | readonly unknown[];

export interface CompareOptions {
  orderMatters: boolean;
  /** Absolute tolerance for numbers; 1e-6 by default. */
  tolerance?: number;
}

export interface Comparison {
  equal: boolean;
  why?: string;
}

type Value = string | number | boolean | null;

const MIDNIGHT = /^(\d{4}-\d{2}-\d{2})(?:[T ]00:00:00(?:\.0+)?(?:Z|[+-]00(?::?00)?)?)?$/;
const NUMERIC = /^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$/i;

function normalize(v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return normalize(v.toISOString());
  if (typeof v === 'string') {
    if (NUMERIC.test(v)) return Number(v);
    const day = MIDNIGHT.exec(v);
    if (day) return day[1]!;
    if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
    return v;
  }
  return JSON.stringify(v);
}

const tuple = (row: ResultRow): Value[] => (Array.isArray(row) ? row : Object.values(row)).map(normalize);
const show = (t: Value[]) => JSON.stringify(t);

function sameValue(a: Value, b: Value, tolerance: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tolerance;
  return a === b;
}

function sameRow(a: Value[], b: Value[], tolerance: number): boolean {
  return a.length === b.length && a.every((v, i) => sameValue(v, b[i]!, tolerance));
}

export function compareResultSets(actual: readonly ResultRow[], expected: readonly ResultRow[], opts: CompareOptions): Comparison {
  const tolerance = opts.tolerance ?? 1e-6;
  const got = actual.map(tuple);
  const want = expected.map(tuple);
  // A single value: compare the value, whatever the column is called or how it is typed.
  if (want.length === 1 && want[0]!.length === 1 && got.length === 1 && got[0]!.length === 1) {
    return sameValue(got[0]![0]!, want[0]![0]!, tolerance) ? { equal: true } : { equal: false, why: `value ${show(got[0]!)} instead of ${show(want[0]!)}` };
  }
  if (got.length !== want.length) return { equal: false, why: `${got.length} rows instead of ${want.length}` };
  const widths = new Set([...got, ...want].map((t) => t.length));
  if (widths.size > 1) return { equal: false, why: `rows have ${got[0]?.length} columns instead of ${want[0]?.length}` };
  if (opts.orderMatters) {
    const i = want.findIndex((w, k) => !sameRow(got[k]!, w, tolerance));
    if (i < 0) return { equal: true };
    const elsewhere = got.some((g) => sameRow(g, want[i]!, tolerance));
    return { equal: false, why: `row ${i} is ${show(got[i]!)} instead of ${show(want[i]!)}${elsewhere ? ' (it is there, in another place: wrong order)' : ''}` };
  }
  const unmatched = [...got];
  for (const w of want) {
    const k = unmatched.findIndex((g) => sameRow(g, w, tolerance));
    if (k < 0) return { equal: false, why: `missing row ${show(w)}; unmatched: ${unmatched.slice(0, 5).map(show).join(', ')}` };
    unmatched.splice(k, 1);
  }
  return { equal: true };
}
