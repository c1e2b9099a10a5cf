/** Splitting a knowledge document into passages the search can return and the agent can cite. */

/** Longest passage, in characters; longer paragraphs are cut at sentence ends. */
const MAX_CHUNK = 900;

export interface Chunk {
  /** The nearest Markdown heading above the passage, if any. */
  heading: string | null;
  text: string;
}

/**
 * Text and Markdown: passages follow headings and paragraphs, merged while they fit in MAX_CHUNK, so
 * a FAQ's question stays with its answer.
 */
export function chunkDocument(content: string): Chunk[] {
  const chunks: Chunk[] = [];
  let heading: string | null = null;
  let current = '';
  const flush = () => {
    if (current.trim()) chunks.push({ heading, text: current.trim() });
    current = '';
  };
  for (const block of content.replace(/\r\n/g, '\n').split(/\n\s*\n/)) {
    const lines = block.split('\n');
    const headingLine = lines[0]!.match(/^#{1,6}\s+(.*)$/);
    if (headingLine) {
      flush();
      heading = headingLine[1]!.trim();
      const rest = lines.slice(1).join('\n').trim();
      if (rest) current = rest;
      continue;
    }
    for (const piece of splitLong(block.trim())) {
      if (current && current.length + piece.length + 2 > MAX_CHUNK) flush();
      current = current ? `${current}\n\n${piece}` : piece;
    }
  }
  flush();
  return chunks;
}

function splitLong(text: string): string[] {
  if (text.length <= MAX_CHUNK) return text ? [text] : [];
  const pieces: string[] = [];
  let piece = '';
  for (const sentence of text.split(/(?<=[.!?])\s+/)) {
    if (piece && piece.length + sentence.length + 1 > MAX_CHUNK) {
      pieces.push(piece);
      piece = '';
    }
    piece = piece ? `${piece} ${sentence}` : sentence.slice(0, MAX_CHUNK);
  }
  if (piece) pieces.push(piece);
  return pieces;
}

/** PostgreSQL's text-search configuration for a locale (`es`, `es-MX`, `de_DE`); `simple` when none fits. */
export function textSearchConfig(locale: string | null | undefined): string {
  const language = (locale ?? '').toLowerCase().slice(0, 2);
  return TS_CONFIGS[language] ?? 'simple';
}

const TS_CONFIGS: Record<string, string> = {
  en: 'english',
  es: 'spanish',
  de: 'german',
  fr: 'french',
  it: 'italian',
  pt: 'portuguese',
  nl: 'dutch',
  sv: 'swedish',
  da: 'danish',
  no: 'norwegian',
  fi: 'finnish',
  ru: 'russian',
  tr: 'turkish',
};
