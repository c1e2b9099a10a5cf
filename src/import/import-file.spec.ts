import { parseCsv } from './csv';
import { detectSection, importFile, locate, parseHours, textDocument } from './import-file';

describe('CSV', () => {
  test('quoted fields keep commas, doubled quotes and line breaks; each record knows its first line', () => {
    const csv = 'a,b,c\r\n"x, y","say ""hi""","two\nlines"\r\n\r\nplain,,"" \n';
    expect(parseCsv(csv.replace('"" \n', '""\n'))).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 5, fields: ['plain', '', ''] },
    ]);
  });

  test('a BOM and a missing final line break are fine; an unclosed quote names its line', () => {
    expect(parseCsv('\uFEFFsku,name\nA,"B"')).toEqual([{ line: 1, fields: ['sku', 'name'] }, { line: 2, fields: ['A', 'B'] }]);
    expect(() => parseCsv('a,b\n1,2\n3,"never\nclosed')).toThrow('line 3: a quoted field is never closed');
    expect(() => parseCsv('a\n"x"y')).toThrow(/^line 2: unexpected text after a closing quote/);
  });
});

describe('import files', () => {
  test('the kind of CSV comes from its header, in any order and case', () => {
    expect(detectSection(['SKU', 'Name', 'Description', 'Price', 'Currency', 'Stock', 'color'])).toBe('products');
    expect(detectSection(['title', 'content', 'url', 'locale'])).toBe('knowledge');
    expect(detectSection(['id', 'name', 'durationMinutes', 'timeZone', 'hours', 'capacity'])).toBe('services');
    expect(detectSection(['name', 'email'])).toBeUndefined();
    expect(importFile('x.csv', 'name,email\na,b\n').problems).toEqual([{ line: 1, field: '(header)', message: expect.stringContaining('not a known CSV header') }]);
  });

  test('a products CSV: numbers parsed, extra columns become attributes, empty cells left out', () => {
    const csv = 'sku,name,description,price,currency,stock,color,size\nHELM-1,Helmet,"Light, ventilated",89.90,eur,14,black,\nTUBE,Tube,,"6,50",EUR,120,,\n';
    const file = importFile('p.csv', csv);
    expect(file.problems).toEqual([]);
    expect(file.document.products).toEqual([
      { sku: 'HELM-1', name: 'Helmet', description: 'Light, ventilated', price: { amount: 89.9, currency: 'EUR' }, stock: 14, attributes: { color: 'black' } },
      { sku: 'TUBE', name: 'Tube', price: { amount: 6.5, currency: 'EUR' }, stock: 120 },
    ]);
  });

  test('problems name the CSV line, also after a field with line breaks', () => {
    const csv = 'title,content,url,locale\nA,"line one\nline two",,\nB,x,,\n';
    const file = importFile('k.csv', csv);
    expect(file.lines).toEqual([2, 4]);
    expect(locate(file, { field: 'knowledge.1.url', message: 'bad' })).toBe('line 4, knowledge.1.url');
    expect(locate(file, { field: '(body)', message: 'bad' })).toBe('(body)');

    const bad = importFile('p.csv', 'sku,name,description,price,currency,stock\nA,a,,1,EUR,1\nB,b,,cheap,EUR,\nC,c,,1,EUR\n');
    expect(bad.problems).toEqual([
      { line: 3, field: 'products.1.price.amount', message: '"cheap" is not a number' },
      { line: 3, field: 'products.1.stock', message: 'is empty' },
      { line: 4, field: 'products.2', message: 'has 5 columns, the header has 6' },
    ]);
  });

  test('the hours shorthand', () => {
    expect(parseHours('mon-fri 09:00-17:00; sat 10:00-14:00')).toEqual({
      mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'], sat: ['10:00-14:00'],
    });
    expect(parseHours('Mon, Wed 9:00-13:00, 15:00-19:00; fri-sun 10:00-12:00')).toEqual({
      mon: ['09:00-13:00', '15:00-19:00'], wed: ['09:00-13:00', '15:00-19:00'], fri: ['10:00-12:00'], sat: ['10:00-12:00'], sun: ['10:00-12:00'],
    });
    expect(() => parseHours('')).toThrow('no opening hours');
    expect(() => parseHours('mon-fry 09:00-17:00')).toThrow('"fry" in "mon-fry 09:00-17:00" is not a day');
    expect(() => parseHours('weekdays')).toThrow('is not like');
  });

  test('a services CSV; a bad hours cell is a problem on its line', () => {
    const csv = 'id,name,durationMinutes,timeZone,hours,capacity\nbike-repair,Repair,60,Europe/Madrid,"mon-fri 10:00-19:00",2\nfitting,Fitting,30,Europe/Madrid,someday,\n';
    const file = importFile('s.csv', csv);
    expect(file.document.services![0]).toEqual({
      id: 'bike-repair', name: 'Repair', durationMinutes: 60, timeZone: 'Europe/Madrid', capacity: 2,
      hours: { mon: ['10:00-19:00'], tue: ['10:00-19:00'], wed: ['10:00-19:00'], thu: ['10:00-19:00'], fri: ['10:00-19:00'] },
    });
    expect(file.problems).toEqual([{ line: 3, field: 'services.1.hours', message: expect.stringContaining('"someday" is not like') }]);
  });

  test('Markdown and text become one knowledge document, titled by the first heading or the file name', () => {
    expect(textDocument('/x/returns.md', 'Intro\n\n## Returns policy\n\nWithin 30 days.')).toEqual({ title: 'Returns policy', content: 'Intro\n\n## Returns policy\n\nWithin 30 days.' });
    expect(textDocument('/x/opening_hours.txt', 'Open 10 to 20.')).toEqual({ title: 'opening hours', content: 'Open 10 to 20.' });
    expect(importFile('a.md', '# A\ntext').document).toEqual({ knowledge: [{ title: 'A', content: '# A\ntext' }] });
    expect(importFile('a.json', '{"products": [').problems[0]!.message).toMatch(/^not valid JSON/);
    expect(importFile('a.xlsx', '').problems[0]!.message).toMatch(/unsupported file type/);
  });
});
