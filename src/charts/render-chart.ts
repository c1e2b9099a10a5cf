import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { type ChartIntent, ChartError, checkIntent, toNumber } from './chart-intent';

/** Chart size in SVG units; the PNG is ZOOM times larger, sharp on a phone screen. */
export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 500;
export const ZOOM = 2;
/** Bar and line charts show at most this many rows; a pie at most this many slices (the rest is "Other"). */
export const MAX_POINTS = 200;
export const MAX_SLICES = 12;
/** A table shows at most this many rows and columns. */
export const TABLE_ROWS = 20;
export const TABLE_COLUMNS = 6;

const FONT = 'DejaVu Sans';
const FONT_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'];
/** Data labels longer than this are cut before they reach the spec (axes cut them further, in pixels). */
const MAX_LABEL = 80;

export interface RenderedChart {
  png: Buffer;
  /** What was drawn: the Vega-Lite spec, or for a table the cells shown. Stored with the chart. */
  spec: Record<string, unknown>;
  svg: string;
}

type Row = Record<string, unknown>;

/**
 * Draws a chart picture from an intent and the query's rows: the server builds a Vega-Lite spec from
 * the intent (the model never writes one), vega renders it to SVG, resvg turns that into a PNG with
 * the bundled DejaVu font (no system fonts: the picture is the same on every host). Tables are drawn
 * as SVG here. Throws a ChartError when the intent does not fit the rows.
 */
export async function renderChart(intent: ChartIntent, rows: readonly Row[]): Promise<RenderedChart> {
  const checked = checkIntent(intent, columnsOf(rows), rows);
  if (checked.type === 'table') {
    const table = tableOf(checked, rows);
    const svg = tableSvg(checked.title, table);
    return { png: await toPng(svg), spec: { type: 'table', title: checked.title, ...table }, svg };
  }
  const spec = vegaLiteSpec(checked, rows);
  const svg = await toSvg(spec);
  return { png: await toPng(svg), spec, svg };
}

/** Every column of the result, in first-seen order. */
export function columnsOf(rows: readonly Row[]): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

// ---- Vega-Lite -----------------------------------------------------------------------------------

interface Datum {
  x: string;
  y: number;
  s?: string;
}

/**
 * The data reaches the spec under fixed field names (x, y, s): a column called `a.b` or `a[0]` would
 * otherwise be read by Vega-Lite as a nested path. The columns' own names become the axis titles.
 */
function vegaLiteSpec(intent: ChartIntent, rows: readonly Row[]): Record<string, unknown> {
  const all: Datum[] = rows.flatMap((r) => {
    const y = toNumber(r[intent.y]);
    if (y === undefined) return [];
    return [{ x: label(r[intent.x]), y, ...(intent.series === undefined ? {} : { s: label(r[intent.series]) }) }];
  });
  let values: Datum[];
  let note: string | undefined;
  if (intent.type === 'pie') {
    values = slices(all);
    if (values.length === 0) throw new ChartError(`A pie chart needs positive values in "${intent.y}"`);
  } else {
    values = all.slice(0, MAX_POINTS);
    if (all.length > MAX_POINTS) note = `First ${MAX_POINTS} of ${all.length} rows`;
  }
  const series = intent.series !== undefined && intent.type !== 'pie' ? { color: { field: 's', type: 'nominal', title: truncate(intent.series, 40) } } : {};
  const xTitle = truncate(intent.x, 60);
  const yTitle = truncate(intent.y, 60);
  let chart: Record<string, unknown>;
  if (intent.type === 'bar') {
    const many = new Set(values.map((d) => d.x)).size > 8;
    chart = {
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'x', type: 'nominal', sort: null, title: xTitle, axis: { labelAngle: many ? -45 : 0 } },
        y: { field: 'y', type: 'quantitative', title: yTitle },
        ...series,
      },
    };
  } else if (intent.type === 'line') {
    const temporal = values.every((d) => isDateLike(d.x));
    chart = {
      mark: { type: 'line', point: values.length <= 60 },
      encoding: {
        x: temporal ? { field: 'x', type: 'temporal', scale: { type: 'utc' }, title: xTitle } : { field: 'x', type: 'ordinal', sort: null, title: xTitle },
        y: { field: 'y', type: 'quantitative', title: yTitle },
        ...series,
      },
    };
  } else {
    chart = {
      mark: { type: 'arc', stroke: 'white' },
      encoding: {
        theta: { field: 'y', type: 'quantitative', stack: true },
        color: { field: 'x', type: 'nominal', sort: null, title: xTitle },
        order: { field: 'order', type: 'quantitative' },
      },
    };
    values = values.map((d, i) => ({ ...d, order: i }));
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    autosize: { type: 'fit', contains: 'padding' },
    padding: 16,
    background: 'white',
    title: { text: truncate(clean(intent.title), 120), ...(note ? { subtitle: note } : {}), anchor: 'start', fontSize: 20, limit: CHART_WIDTH - 32 },
    config: {
      font: FONT,
      axis: { labelFontSize: 13, titleFontSize: 14, labelLimit: 180, titleLimit: CHART_HEIGHT - 80 },
      legend: { labelFontSize: 13, titleFontSize: 13, labelLimit: 200, titleLimit: 200 },
      view: { stroke: null },
    },
    data: { values },
    ...chart,
  };
}

/** Pie slices: equal labels summed, largest first, beyond MAX_SLICES - 1 folded into "Other". */
function slices(data: readonly Datum[]): Datum[] {
  const sums = new Map<string, number>();
  for (const d of data) if (d.y > 0) sums.set(d.x, (sums.get(d.x) ?? 0) + d.y);
  const sorted = [...sums].map(([x, y]) => ({ x, y })).sort((a, b) => b.y - a.y);
  if (sorted.length <= MAX_SLICES) return sorted;
  const kept = sorted.slice(0, MAX_SLICES - 1);
  const other = sorted.slice(MAX_SLICES - 1).reduce((sum, d) => sum + d.y, 0);
  return [...kept, { x: sums.has('Other') ? 'Other (rest)' : 'Other', y: other }];
}

const DATE_LIKE = /^\d{4}-\d{2}(-\d{2})?([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

function isDateLike(value: string): boolean {
  return DATE_LIKE.test(value) && !Number.isNaN(Date.parse(value));
}

/**
 * vega and vega-lite are ES modules with top-level await: they run in a worker thread
 * (`vega-worker.mjs`), started on the first chart and kept (unreferenced, so it never holds the
 * process open). Requests and answers are matched by id.
 */
let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, { resolve: (svg: string) => void; reject: (err: Error) => void }>();

function vegaWorker(): Worker {
  if (worker) return worker;
  const started = new Worker(join(__dirname, 'vega-worker.mjs'));
  started.unref();
  started.on('message', ({ id, svg, error }: { id: number; svg?: string; error?: string }) => {
    const request = waiting.get(id);
    waiting.delete(id);
    if (error !== undefined || svg === undefined) request?.reject(new Error(`The chart could not be drawn: ${error ?? 'no SVG'}`));
    else request?.resolve(svg);
  });
  const fail = (err: Error) => {
    worker = undefined;
    for (const request of waiting.values()) request.reject(err);
    waiting.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`The chart worker stopped (exit ${code})`)));
  worker = started;
  return started;
}

function toSvg(spec: Record<string, unknown>): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    vegaWorker().postMessage({ id, spec });
  });
}

// ---- Table ---------------------------------------------------------------------------------------

interface Table {
  columns: string[];
  rows: string[][];
  /** Rows and columns of the result left out of the picture. */
  moreRows: number;
  moreColumns: number;
}

/** x, y and series first among the columns kept (in the result's order), then the others up to the cap. */
function tableOf(intent: ChartIntent, rows: readonly Row[]): Table {
  const all = columnsOf(rows);
  const wanted = new Set([intent.x, intent.y, ...(intent.series ? [intent.series] : [])]);
  for (const column of all) if (wanted.size < TABLE_COLUMNS) wanted.add(column);
  const columns = all.filter((c) => wanted.has(c)).slice(0, TABLE_COLUMNS);
  return {
    columns,
    rows: rows.slice(0, TABLE_ROWS).map((r) => columns.map((c) => cell(r[c]))),
    moreRows: Math.max(0, rows.length - TABLE_ROWS),
    moreColumns: all.length - columns.length,
  };
}

const ROW_HEIGHT = 30;
const PAD = 16;
const TABLE_TOP = 64;
/** DejaVu Sans at 13 px averages about 7.5 px a character. */
const CHAR_WIDTH = 7.5;

/** A plain SVG table: every text escaped, cut to its column's width. */
export function tableSvg(title: string, table: Table): string {
  const width = CHART_WIDTH;
  const columnWidth = (width - 2 * PAD) / Math.max(1, table.columns.length);
  const fit = Math.max(3, Math.floor((columnWidth - 12) / CHAR_WIDTH));
  const footer = [table.moreRows ? `${table.moreRows} more rows` : '', table.moreColumns ? `${table.moreColumns} more columns` : ''].filter(Boolean).join(', ');
  const bodyRows = Math.max(1, table.rows.length);
  const height = TABLE_TOP + (bodyRows + 1) * ROW_HEIGHT + (footer ? ROW_HEIGHT : 0) + PAD;
  const numeric = table.columns.map((_, i) => table.rows.length > 0 && table.rows.every((r) => r[i] === '' || toNumber(r[i]) !== undefined));
  const text = (value: string, i: number, y: number, extra = '') => {
    const x = numeric[i] ? PAD + (i + 1) * columnWidth - 6 : PAD + i * columnWidth + 6;
    return `<text x="${x.toFixed(1)}" y="${y}"${numeric[i] ? ' text-anchor="end"' : ''}${extra}>${escapeXml(truncate(value, fit))}</text>`;
  };
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="${FONT}" font-size="13" fill="#222">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${PAD}" y="${PAD + 22}" font-size="20" font-weight="bold">${escapeXml(truncate(clean(title), 70))}</text>`,
    `<rect x="${PAD}" y="${TABLE_TOP}" width="${width - 2 * PAD}" height="${ROW_HEIGHT}" fill="#e8eef6"/>`,
    ...table.columns.map((c, i) => text(clean(c), i, TABLE_TOP + 20, ' font-weight="bold"')),
  ];
  table.rows.forEach((row, r) => {
    const top = TABLE_TOP + (r + 1) * ROW_HEIGHT;
    if (r % 2 === 1) parts.push(`<rect x="${PAD}" y="${top}" width="${width - 2 * PAD}" height="${ROW_HEIGHT}" fill="#f6f6f6"/>`);
    row.forEach((value, i) => parts.push(text(value, i, top + 20)));
  });
  if (table.rows.length === 0) parts.push(`<text x="${PAD + 6}" y="${TABLE_TOP + ROW_HEIGHT + 20}" fill="#777">No rows</text>`);
  if (footer) parts.push(`<text x="${PAD + 6}" y="${TABLE_TOP + (bodyRows + 1) * ROW_HEIGHT + 20}" fill="#777">${escapeXml(footer)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

// ---- Text ----------------------------------------------------------------------------------------

/** A cell as text: dates in ISO form, numbers up to 4 decimals, objects as JSON. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : String(Math.round(value * 10_000) / 10_000);
  if (typeof value === 'string') return clean(value);
  if (typeof value === 'object') return clean(JSON.stringify(value));
  return clean(String(value));
}

/** A category label: a cell, cut before it reaches the spec. */
function label(value: unknown): string {
  return truncate(cell(value), MAX_LABEL);
}

/** Characters XML 1.0 cannot hold (control characters, lone surrogates) become spaces. */
function clean(text: string): string {
  return text.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ' ');
}

/** At most `max` characters (whole code points), ending in … when cut. */
function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('').trimEnd()}…`;
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---- PNG -----------------------------------------------------------------------------------------

let fontFiles: string[] | undefined;

/**
 * The bundled fonts: `assets/fonts` beside `src/` when run from the sources (ts, jest), copied to
 * `dist/assets/fonts` by the build for `dist/src/`; the repository's copy as a fallback.
 */
export function bundledFontFiles(): string[] {
  if (fontFiles) return fontFiles;
  const dirs = [resolve(__dirname, '../../assets/fonts'), resolve(__dirname, '../../../assets/fonts')];
  const dir = dirs.find((d) => existsSync(join(d, FONT_FILES[0]!)));
  if (!dir) throw new Error(`The chart font ${FONT_FILES[0]} is missing (looked in ${dirs.join(', ')})`);
  fontFiles = FONT_FILES.map((f) => join(dir, f)).filter((f) => existsSync(f));
  return fontFiles;
}

/** SVG → PNG off the event loop (resvg renders on its own thread), white background, no system fonts. */
export async function toPng(svg: string): Promise<Buffer> {
  return (await renderAsync(svg, resvgOptions())).asPng();
}

export function resvgOptions(): ResvgRenderOptions {
  return {
    background: 'white',
    fitTo: { mode: 'zoom', value: ZOOM },
    font: { loadSystemFonts: false, fontFiles: bundledFontFiles(), defaultFontFamily: FONT, sansSerifFamily: FONT },
    logLevel: 'off',
  };
}
