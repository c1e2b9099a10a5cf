import { Resvg } from '@resvg/resvg-js';
import { ChartError, checkIntent } from './chart-intent';
import { CHART_HEIGHT, CHART_WIDTH, MAX_SLICES, renderChart, resvgOptions, ZOOM } from './render-chart';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which follows the signature. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Count of clearly dark pixels in a band of rows (in PNG pixels), rendered as renderChart renders. */
function darkPixels(svg: string, top: number, bottom: number): number {
  const image = new Resvg(svg, resvgOptions()).render();
  const { pixels, width } = image;
  let dark = 0;
  for (let y = top; y < bottom; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (pixels[i]! < 128 && pixels[i + 1]! < 128 && pixels[i + 2]! < 128) dark++;
    }
  }
  return dark;
}

const withoutText = (svg: string) => svg.replace(/<text\b[^>]*>[\s\S]*?<\/text>/g, '');

const sales = [
  { month: '2025-01-01', region: 'North', revenue: '1200.50', orders: 31 },
  { month: '2025-02-01', region: 'North', revenue: '980', orders: 25 },
  { month: '2025-03-01', region: 'North', revenue: '1430', orders: 40 },
  { month: '2025-01-01', region: 'South', revenue: '700', orders: 18 },
  { month: '2025-02-01', region: 'South', revenue: '860', orders: 22 },
  { month: '2025-03-01', region: 'South', revenue: '910', orders: 24 },
];

describe('renderChart', () => {
  test.each([
    ['bar', { type: 'bar', x: 'region', y: 'orders', title: 'Orders by region' }],
    ['bar with series', { type: 'bar', x: 'month', y: 'revenue', series: 'region', title: 'Revenue' }],
    ['line', { type: 'line', x: 'month', y: 'revenue', series: 'region', title: 'Revenue by month' }],
    ['pie', { type: 'pie', x: 'region', y: 'orders', title: 'Share of orders' }],
  ] as const)('%s renders a %s PNG of the chart size with its title', async (_, intent) => {
    const chart = await renderChart(intent, sales);
    expect(pngSize(chart.png)).toEqual({ width: CHART_WIDTH * ZOOM, height: CHART_HEIGHT * ZOOM });
    expect(chart.svg).toContain(intent.title);
    expect(chart.spec).toMatchObject({ data: { values: expect.any(Array) } });
  });

  test('a line over dates has a temporal x; over words an ordinal one, in the given order', async () => {
    const dated = await renderChart({ type: 'line', x: 'month', y: 'orders', title: 'Orders' }, sales);
    expect(dated.spec).toMatchObject({ encoding: { x: { type: 'temporal' } } });
    const worded = await renderChart({ type: 'line', x: 'step', y: 'n', title: 'Funnel' }, [{ step: 'visit', n: 10 }, { step: 'cart', n: 4 }, { step: 'paid', n: 2 }]);
    expect(worded.spec).toMatchObject({ encoding: { x: { type: 'ordinal', sort: null } } });
    expect(worded.svg.indexOf('visit')).toBeLessThan(worded.svg.indexOf('paid'));
  });

  test('labels are drawn with the bundled font: the title band has ink, and none without the text', async () => {
    const chart = await renderChart({ type: 'bar', x: 'region', y: 'orders', title: 'WWWWWWWWWW Orders by region' }, sales);
    // The title sits in the top 16..44 SVG units (padding, 20 px font): rows 32..88 of the PNG.
    const band = [16 * ZOOM, 44 * ZOOM] as const;
    expect(darkPixels(chart.svg, ...band)).toBeGreaterThan(200);
    expect(darkPixels(withoutText(chart.svg), ...band)).toBe(0);
    const table = await renderChart({ type: 'table', x: 'region', y: 'orders', title: 'WWWWWWWWWW table' }, sales);
    expect(darkPixels(table.svg, ...band)).toBeGreaterThan(200);
  });

  test('a pie keeps the largest slices and folds the rest into "Other"', async () => {
    const rows = Array.from({ length: 20 }, (_, i) => ({ product: `P${i}`, units: 100 - i }));
    const chart = await renderChart({ type: 'pie', x: 'product', y: 'units', title: 'Units' }, rows);
    const values = (chart.spec as { data: { values: { x: string; y: number }[] } }).data.values;
    expect(values).toHaveLength(MAX_SLICES);
    expect(values[0]).toMatchObject({ x: 'P0', y: 100 });
    const other = rows.slice(MAX_SLICES - 1).reduce((s, r) => s + r.units, 0);
    expect(values.at(-1)).toMatchObject({ x: 'Other', y: other });
  });

  test('a bar chart caps its points and says so', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => ({ day: `d${i}`, n: i }));
    const chart = await renderChart({ type: 'bar', x: 'day', y: 'n', title: 'Many' }, rows);
    const spec = chart.spec as { data: { values: unknown[] }; title: { subtitle?: string } };
    expect(spec.data.values).toHaveLength(200);
    expect(spec.title.subtitle).toBe('First 200 of 500 rows');
  });

  test('a table escapes its text and caps rows and columns', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({
      name: i === 0 ? '<script>&co' : `Customer ${i}`,
      total: i * 10, a: 1, b: 2, c: 3, d: 4, e: 5, f: 6,
    }));
    const chart = await renderChart({ type: 'table', x: 'name', y: 'total', title: 'Top <b>customers</b> & more' }, rows);
    expect(chart.svg).not.toContain('<script>');
    expect(chart.svg).not.toContain('<b>');
    expect(chart.svg).toContain('&#60;script&#62;');
    expect(chart.svg).toContain('&#60;script&#62;&#38;co');
    expect(chart.svg).toContain('Top &#60;b&#62;customers&#60;/b&#62; &#38; more');
    expect(chart.svg).toContain('10 more rows');
    expect(chart.svg).toContain('2 more columns');
    expect(chart.svg).not.toContain('Customer 20');
    const { width, height } = pngSize(chart.png);
    expect(width).toBe(CHART_WIDTH * ZOOM);
    expect(height).toBeGreaterThan(20 * 30 * ZOOM);
    expect(chart.spec).toMatchObject({ type: 'table', columns: ['name', 'total', 'a', 'b', 'c', 'd'], moreRows: 10, moreColumns: 2 });
  });

  test('hostile labels in a vega chart are escaped too', async () => {
    const chart = await renderChart({ type: 'bar', x: 'name', y: 'n', title: 'A <script>x</script> & B' }, [{ name: '<img src=x onerror=1>', n: 1 }]);
    expect(chart.svg).not.toContain('<script>');
    expect(chart.svg).not.toContain('<img');
    expect(pngSize(chart.png).width).toBe(CHART_WIDTH * ZOOM);
  });

  test('a bad intent is a ChartError', async () => {
    await expect(renderChart({ type: 'bar', x: 'nope', y: 'orders', title: 'T' }, sales)).rejects.toThrow(ChartError);
    await expect(renderChart({ type: 'bar', x: 'region', y: 'orders', series: 'ghost', title: 'T' }, sales)).rejects.toThrow(/series "ghost" is not a column/);
    await expect(renderChart({ type: 'line', x: 'month', y: 'region', title: 'T' }, sales)).rejects.toThrow(/must be numeric/);
    await expect(renderChart({ type: 'pie', x: 'region', y: 'orders', title: 'T' }, [])).rejects.toThrow(ChartError);
    // A table does not need a numeric y.
    await expect(renderChart({ type: 'table', x: 'month', y: 'region', title: 'T' }, sales)).resolves.toBeDefined();
  });
});

describe('checkIntent', () => {
  test('parses a valid intent and rejects a malformed one', () => {
    expect(checkIntent({ type: 'pie', x: 'a', y: 'b', title: ' Share ', extra: 'dropped' }, ['a', 'b'])).toEqual({ type: 'pie', x: 'a', y: 'b', title: 'Share' });
    expect(() => checkIntent({ type: 'scatter', x: 'a', y: 'b', title: 'T' }, ['a', 'b'])).toThrow(ChartError);
    expect(() => checkIntent({ type: 'bar', x: 'a', y: 'b', title: 'x'.repeat(121) }, ['a', 'b'])).toThrow(/title/);
    expect(() => checkIntent({ type: 'bar', x: 'a', y: 'c', title: 'T' }, ['a', 'b'])).toThrow(/y "c" is not a column of the result \(columns: a, b\)/);
  });

  test('y must be numeric in the rows (numeric strings from PostgreSQL count; nulls are skipped)', () => {
    expect(() => checkIntent({ type: 'bar', x: 'a', y: 'b', title: 'T' }, ['a', 'b'], [{ a: 'x', b: '12' }, { a: 'y', b: null }])).not.toThrow();
    expect(() => checkIntent({ type: 'bar', x: 'a', y: 'b', title: 'T' }, ['a', 'b'], [{ a: 'x', b: '12 units' }])).toThrow(ChartError);
  });
});
