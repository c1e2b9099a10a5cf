/** One CSV record and the file line it starts on (1-based), for problems a person can find. */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/**
 * RFC 4180 CSV: comma-separated, fields in double quotes may hold commas, line breaks and `""` for a
 * quote. CRLF or LF line ends, an optional UTF-8 BOM; blank lines are skipped. Spreadsheets export
 * exactly this, so no dependency is needed.
 */
export function parseCsv(text: string): CsvRecord[] {
  const input = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  /** Whether the current field was quoted: a quoted empty field still counts as a field. */
  let quoted = false;
  let i = 0;

  const endRecord = () => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !quoted)) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quoted = false;
  };

  while (i < input.length) {
    const c = input[i]!;
    if (c === '"' && field === '' && !quoted) {
      // A quoted field: read up to the closing quote, keeping commas and line breaks.
      const start = line;
      quoted = true;
      i++;
      for (;;) {
        if (i >= input.length) throw new CsvError(start, 'a quoted field is never closed');
        const q = input[i]!;
        if (q === '"' && input[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (q === '"') {
          i++;
          break;
        } else {
          if (q === '\n') line++;
          field += q;
          i++;
        }
      }
      const next = input[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') throw new CsvError(line, 'unexpected text after a closing quote (write "" for a quote inside a quoted field)');
    } else if (c === ',') {
      fields.push(field);
      field = '';
      quoted = false;
      i++;
    } else if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && input[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += c;
      i++;
    }
  }
  if (field !== '' || fields.length > 0 || quoted) endRecord();
  return records;
}
