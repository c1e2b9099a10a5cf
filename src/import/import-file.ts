import { basename, extname } from 'node:path';
import { CsvError, type CsvRecord, parseCsv } from './csv';

/** The body of `POST /api/import`; the server validates every part. */
export interface ImportDocument {
  settings?: unknown;
  knowledge?: unknown[];
  products?: unknown[];
  services?: unknown[];
}

export interface ImportProblem {
  field: string;
  message: string;
}

export type Section = 'knowledge' | 'products' | 'services';

/**
 * A file turned into an import document. `lines` gives each CSV row's line in the file
 * (`lines[i]` for row i of `section`), so the server's `products.3.price.amount` becomes "line 5".
 */
export interface ImportFile {
  document: ImportDocument;
  section?: Section;
  lines?: number[];
  /** What could not be read at all (a number that is not one, hours that do not parse…), by line. */
  problems: { line?: number; field: string; message: string }[];
}

const HEADERS: Record<Section, { required: string[]; optional: string[] }> = {
  products: { required: ['sku', 'name', 'price', 'currency', 'stock'], optional: ['description'] },
  knowledge: { required: ['title', 'content'], optional: ['url', 'locale'] },
  services: { required: ['id', 'name', 'durationminutes', 'timezone', 'hours'], optional: ['capacity'] },
};

/** Reads a `.json`, `.csv`, `.md` or `.txt` file's text into an import document. */
export function importFile(path: string, text: string): ImportFile {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') {
    try {
      return { document: JSON.parse(text) as ImportDocument, problems: [] };
    } catch (err) {
      return { document: {}, problems: [{ field: '(file)', message: `not valid JSON: ${(err as Error).message}` }] };
    }
  }
  if (ext === '.csv') return csvFile(text);
  if (ext === '.md' || ext === '.txt' || ext === '.markdown') return { document: { knowledge: [textDocument(path, text)] }, problems: [] };
  return { document: {}, problems: [{ field: '(file)', message: `unsupported file type "${ext || basename(path)}": use .json, .csv, .md or .txt` }] };
}

/** A Markdown or text file as one knowledge document, titled by its first heading, else by its file name. */
export function textDocument(path: string, text: string): { title: string; content: string } {
  const heading = /^#{1,6}\s+(.+?)\s*#*\s*$/m.exec(text)?.[1];
  const title = heading ?? basename(path, extname(path)).replace(/[-_]+/g, ' ').trim();
  return { title, content: text };
}

/** Which kind of CSV by its header; products, knowledge and services each have their own columns. */
export function detectSection(header: string[]): Section | undefined {
  const columns = new Set(header.map(normalise));
  return (Object.keys(HEADERS) as Section[]).find((s) => HEADERS[s].required.every((c) => columns.has(c)));
}

function csvFile(text: string): ImportFile {
  let records: CsvRecord[];
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) return { document: {}, problems: [{ line: err.line, field: '(file)', message: err.message.replace(/^line \d+: /, '') }] };
    throw err;
  }
  const [header, ...rows] = records;
  const section = header && detectSection(header.fields);
  if (!header || !section) {
    const expected = (Object.keys(HEADERS) as Section[]).map((s) => `${s}: ${[...HEADERS[s].required, ...HEADERS[s].optional].join(',')}`).join('; ');
    return { document: {}, problems: [{ line: 1, field: '(header)', message: `not a known CSV header. Expected the columns of ${expected}` }] };
  }
  if (rows.length === 0) return { document: {}, section, problems: [{ line: 1, field: '(file)', message: 'no rows after the header' }] };
  const columns = header.fields.map(normalise);
  const problems: ImportFile['problems'] = [];
  const items = rows.map((record, i) => {
    if (record.fields.length !== columns.length) {
      // Its cells are likely shifted: what they would say about each column would only mislead.
      problems.push({ line: record.line, field: `${section}.${i}`, message: `has ${record.fields.length} columns, the header has ${columns.length}` });
      return null;
    }
    const cells = new Map(columns.map((c, j) => [c, (record.fields[j] ?? '').trim()]));
    const problem = (field: string, message: string) => problems.push({ line: record.line, field: `${section}.${i}.${field}`, message });
    if (section === 'products') return productRow(cells, header.fields, problem);
    if (section === 'knowledge') return knowledgeRow(cells);
    return serviceRow(cells, problem);
  });
  return { document: { [section]: items }, section, lines: rows.map((r) => r.line), problems };
}

type Cells = Map<string, string>;
type Report = (field: string, message: string) => void;

function productRow(cells: Cells, header: string[], problem: Report) {
  const known = new Set([...HEADERS.products.required, ...HEADERS.products.optional]);
  // Every other column is an attribute under its header as written; empty cells are left out.
  const attributes = Object.fromEntries(header.filter((h) => !known.has(normalise(h)) && cells.get(normalise(h))).map((h) => [h.trim(), cells.get(normalise(h))!]));
  return {
    sku: cells.get('sku'),
    name: cells.get('name'),
    ...(cells.get('description') ? { description: cells.get('description') } : {}),
    price: { amount: number(cells.get('price'), 'price.amount', problem), currency: cells.get('currency')!.toUpperCase() },
    stock: number(cells.get('stock'), 'stock', problem),
    ...(Object.keys(attributes).length > 0 ? { attributes } : {}),
  };
}

function knowledgeRow(cells: Cells) {
  return {
    title: cells.get('title'),
    content: cells.get('content'),
    ...(cells.get('url') ? { url: cells.get('url') } : {}),
    ...(cells.get('locale') ? { locale: cells.get('locale') } : {}),
  };
}

function serviceRow(cells: Cells, problem: Report) {
  let hours: Record<string, string[]> | undefined;
  try {
    hours = parseHours(cells.get('hours') ?? '');
  } catch (err) {
    problem('hours', (err as Error).message);
  }
  return {
    id: cells.get('id'),
    name: cells.get('name'),
    durationMinutes: number(cells.get('durationminutes'), 'durationMinutes', problem),
    timeZone: cells.get('timezone'),
    hours,
    ...(cells.get('capacity') ? { capacity: number(cells.get('capacity'), 'capacity', problem) } : {}),
  };
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/**
 * Opening hours in shorthand: `mon-fri 09:00-17:00; sat 10:00-14:00`. Days are single days, ranges
 * (`mon-fri`, `fri-mon` wraps) or lists (`mon,wed`); several ranges per day are separated by commas
 * (`mon-fri 09:00-13:00, 15:00-19:00`). The server checks the times themselves.
 */
export function parseHours(text: string): Record<string, string[]> {
  const hours: Record<string, string[]> = {};
  const parts = text.split(';').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new Error('no opening hours: write them like "mon-fri 09:00-17:00; sat 10:00-14:00"');
  for (const part of parts) {
    const match = /^([a-z,\s-]+?)\s+(\d.*)$/i.exec(part);
    if (!match) throw new Error(`"${part}" is not like "mon-fri 09:00-17:00"`);
    const ranges = match[2]!.split(/[\s,]+/).filter(Boolean).map((r) => r.replace(/(^|-)(\d):/g, (_, sep: string, h: string) => `${sep}0${h}:`));
    for (const day of expandDays(match[1]!, part)) hours[day] = [...(hours[day] ?? []), ...ranges];
  }
  return hours;
}

function expandDays(spec: string, part: string): string[] {
  const index = (name: string) => {
    const i = DAYS.indexOf(name.trim().toLowerCase().slice(0, 3) as (typeof DAYS)[number]);
    if (i < 0 || name.trim().length < 3) throw new Error(`"${name.trim()}" in "${part}" is not a day (mon, tue, wed, thu, fri, sat, sun)`);
    return i;
  };
  return spec.split(',').map((s) => s.trim()).filter(Boolean).flatMap((item) => {
    const [from, to, ...rest] = item.split('-');
    if (rest.length > 0) throw new Error(`"${item}" in "${part}" is not a day or a range of days`);
    if (to === undefined) return [DAYS[index(from!)]!];
    const days: string[] = [];
    for (let d = index(from!), end = index(to); ; d = (d + 1) % 7) {
      days.push(DAYS[d]!);
      if (d === end) return days;
    }
  });
}

/** A whole or decimal number from a cell; the cell itself when it is not one, after reporting it. */
function number(cell: string | undefined, field: string, problem: Report): number | string | undefined {
  if (!cell) {
    problem(field, 'is empty');
    return undefined;
  }
  const value = Number(cell.replace(/^(\d+),(\d{1,2})$/, '$1.$2'));
  if (!Number.isFinite(value)) {
    problem(field, `"${cell}" is not a number`);
    return cell;
  }
  return value;
}

const normalise = (column: string) => column.trim().toLowerCase();

/** Where a problem the server reported is in the file: `line 5, products.3.price.amount` for a CSV row. */
export function locate(file: ImportFile, problem: ImportProblem): string {
  const match = /^(knowledge|products|services)\.(\d+)(\.|$)/.exec(problem.field);
  const line = match && match[1] === file.section ? file.lines?.[Number(match[2])] : undefined;
  return line === undefined ? problem.field : `line ${line}, ${problem.field}`;
}
