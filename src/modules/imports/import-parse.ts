import { parse as parseCsv } from 'csv-parse';
import type { RowError } from '../users/users-bulk.service.ts';

/** The file formats an import reads. `auth0` is NDJSON in Auth0's user export shape. */
export const IMPORT_FORMATS = ['ndjson', 'csv', 'json', 'auth0'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** One record of the file (its number counted from 1, the CSV header not counted), or why it cannot be read. */
export type ParsedRecord = { row: number; record: Record<string, unknown> } | { row: number; error: RowError };

/** A file-level failure (JSON that is not an array): the job fails with it. */
export class FileFormatError extends Error {}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const BOM = [0xef, 0xbb, 0xbf];

function decode(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

const invalidUtf8 = (row: number): ParsedRecord => ({
  row,
  error: { field: null, code: 'invalid_utf8', message: 'the row is not valid UTF-8' },
});

/** Drops a UTF-8 byte order mark at the start of the stream. */
async function* withoutBom(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  let first = true;
  for await (const chunk of chunks) {
    if (first && chunk.length >= 3 && BOM.every((b, i) => chunk[i] === b)) yield chunk.subarray(3);
    else yield chunk;
    first = false;
  }
}

/** NDJSON: one JSON object per line (CRLF or LF; blank lines skipped but counted), each decoded on its own. */
async function* ndjson(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<ParsedRecord> {
  let rest: Uint8Array = new Uint8Array(0);
  let row = 0;
  const line = (bytes: Uint8Array): ParsedRecord | null => {
    row++;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    const text = decode(bytes.subarray(0, end));
    if (text === null) return invalidUtf8(row);
    if (text.trim() === '') return null;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { row, error: { field: null, code: 'invalid_json', message: 'each line must be a JSON object' } };
      }
      return { row, record: value as Record<string, unknown> };
    } catch (error) {
      return { row, error: { field: null, code: 'invalid_json', message: (error as Error).message } };
    }
  };
  for await (const chunk of chunks) {
    const data = rest.length ? concat(rest, chunk) : chunk;
    let start = 0;
    for (let i = data.indexOf(0x0a); i !== -1; i = data.indexOf(0x0a, start)) {
      const out = line(data.subarray(start, i));
      start = i + 1;
      if (out) yield out;
    }
    rest = data.slice(start);
  }
  if (rest.length > 0) {
    const out = line(rest);
    if (out) yield out;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * CSV through csv-parse (quotes, embedded newlines, CRLF, any delimiter), fields kept as bytes so that a row with
 * invalid UTF-8 is that row's error rather than silently replaced characters. The first record is the header.
 */
async function* csv(chunks: AsyncIterable<Uint8Array>, delimiter: string): AsyncGenerator<ParsedRecord> {
  const parser = parseCsv({ encoding: null, delimiter, relax_column_count: true, skip_empty_lines: true });
  const feeding = (async () => {
    try {
      for await (const chunk of chunks) if (!parser.write(chunk)) await new Promise((done) => parser.once('drain', done));
      parser.end();
    } catch (error) {
      parser.destroy(error as Error);
    }
  })();
  let header: string[] | null = null;
  let row = 0;
  try {
    for await (const fields of parser as AsyncIterable<Buffer[]>) {
      const texts = fields.map((f) => decode(f));
      if (!header) {
        if (texts.some((t) => t === null)) throw new FileFormatError('the CSV header is not valid UTF-8');
        header = (texts as string[]).map((t) => t.trim());
        continue;
      }
      row++;
      if (texts.some((t) => t === null)) {
        yield invalidUtf8(row);
        continue;
      }
      if (texts.length > header.length) {
        yield {
          row,
          error: { field: null, code: 'invalid_csv', message: `the row has ${texts.length} fields, the header ${header.length}` },
        };
        continue;
      }
      const record: Record<string, unknown> = {};
      header.forEach((name, i) => {
        if (name) record[name] = texts[i] ?? '';
      });
      yield { row, record };
    }
  } catch (error) {
    if (error instanceof FileFormatError) throw error;
    throw new FileFormatError(`the CSV cannot be read: ${(error as Error).message}`);
  } finally {
    await feeding;
  }
}

/**
 * A JSON array, streamed: a scanner cuts each top-level element out of the text (tracking strings and nesting)
 * and parses it alone, so the array is never held whole.
 */
async function* jsonArray(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<ParsedRecord> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let started = false;
  let ended = false;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let element = '';
  let row = 0;
  const finish = (): ParsedRecord | null => {
    const text = element.trim();
    element = '';
    if (text === '') return null;
    row++;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { row, error: { field: null, code: 'invalid_json', message: 'each element must be a JSON object' } };
      }
      return { row, record: value as Record<string, unknown> };
    } catch (error) {
      return { row, error: { field: null, code: 'invalid_json', message: (error as Error).message } };
    }
  };
  async function* texts() {
    try {
      for await (const chunk of chunks) yield decoder.decode(chunk, { stream: true });
      yield decoder.decode();
    } catch (error) {
      if (error instanceof TypeError) throw new FileFormatError('the JSON file is not valid UTF-8');
      throw error;
    }
  }
  for await (const text of texts()) {
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (!started) {
        if (c === '[') {
          started = true;
          from = i + 1;
        } else if (!/\s/.test(c)) throw new FileFormatError('a JSON import must be an array of user objects');
        continue;
      }
      if (ended) {
        if (!/\s/.test(c)) throw new FileFormatError('text after the end of the JSON array');
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === '\\') escaped = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0 && c === ']') {
          element += text.slice(from, i);
          ended = true;
          const out = finish();
          if (out) yield out;
          continue;
        }
        depth--;
      } else if (c === ',' && depth === 0) {
        element += text.slice(from, i);
        from = i + 1;
        const out = finish();
        if (out) yield out;
        else throw new FileFormatError('an empty element in the JSON array');
      }
    }
    if (started && !ended) element += text.slice(from);
  }
  if (!ended) throw new FileFormatError('the JSON array is not closed');
}

/**
 * Reads the records of an uploaded file, streamed.
 * @throws FileFormatError when the file as a whole cannot be read (a JSON import that is not an array).
 */
export function parseRecords(
  format: ImportFormat,
  chunks: AsyncIterable<Uint8Array>,
  options: { delimiter?: string } = {},
): AsyncGenerator<ParsedRecord> {
  const input = withoutBom(chunks);
  if (format === 'csv') return csv(input, options.delimiter ?? ',');
  if (format === 'json') return jsonArray(input);
  return ndjson(input);
}
