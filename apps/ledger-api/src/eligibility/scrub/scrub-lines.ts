import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';

/** One line of the list as read: the fields to echo, and the identifiers found in it. */
export interface ScrubLine {
  /** CSV: the fields in header order (padded or cut to the header). NDJSON: the object read, or null. */
  echo: string[] | Record<string, unknown> | null;
  subjectId?: string;
  email?: string;
  phone?: string;
  /** Why the line could not be read, if it could not. */
  malformed?: string;
}

export const ID_COLUMNS = ['subjectId', 'email', 'phone'] as const;

export class ScrubHeaderError extends Error {}

function identifiers(get: (name: string) => unknown): Pick<ScrubLine, 'subjectId' | 'email' | 'phone' | 'malformed'> {
  const out: Pick<ScrubLine, 'subjectId' | 'email' | 'phone' | 'malformed'> = {};
  for (const name of ID_COLUMNS) {
    const value = get(name);
    if (value === undefined || value === null || value === '') continue;
    if (typeof value !== 'string') return { malformed: `${name} must be a string` };
    out[name] = value;
  }
  if (!out.subjectId && !out.email && !out.phone) out.malformed = 'neither subjectId, email nor phone';
  return out;
}

/**
 * Reads a CSV list with a header row naming subjectId and/or email / phone. A line with the wrong number of columns
 * or broken quoting is reported (malformed) in its place and never stops the stream.
 */
export async function* csvLines(body: Readable, onHeader: (header: string[]) => void): AsyncGenerator<ScrubLine> {
  // Each unreadable line is remembered with the number of records read before it (the parser skips it while parsing,
  // before it hands on the records after it), and reported in its place. Counting beats asking the parser for each
  // record's line number (`info: true`), which builds an object per record.
  const skipped: number[] = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: () => {
      skipped.push(parser.info.records);
      return undefined;
    },
  });
  body.pipe(parser);
  body.on('error', (error) => parser.destroy(error));
  let header: string[] | undefined;
  let records = 0;
  const malformed = (reason: string): ScrubLine => ({ echo: header!.map(() => ''), malformed: reason });
  for await (const record of parser as AsyncIterable<string[]>) {
    records++;
    if (!header) {
      header = record.map((h) => h.trim());
      if (!ID_COLUMNS.some((c) => header!.includes(c))) throw new ScrubHeaderError('the header row must name subjectId, email or phone');
      onHeader(header);
      continue;
    }
    while (skipped.length > 0 && skipped[0] < records) {
      skipped.shift();
      yield malformed('unreadable CSV line');
    }
    const echo = header.map((_, i) => record[i] ?? '');
    if (record.length !== header.length) {
      yield { echo, malformed: `expected ${header.length} columns, found ${record.length}` };
      continue;
    }
    yield { echo, ...identifiers((name) => { const i = header!.indexOf(name); return i < 0 ? undefined : record[i]; }) };
  }
  if (!header) throw new ScrubHeaderError('the list is empty: a header row is required');
  for (const _ of skipped) yield malformed('unreadable CSV line');
}

/** Reads an NDJSON list of { subjectId, email, phone } objects, one per line. */
export async function* ndjsonLines(body: Readable): AsyncGenerator<ScrubLine> {
  const lines = createInterface({ input: body, crlfDelay: Infinity });
  for await (const text of lines) {
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      yield { echo: null, malformed: 'invalid JSON' };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { echo: null, malformed: 'a line must be a JSON object' };
      continue;
    }
    const object = value as Record<string, unknown>;
    yield { echo: object, ...identifiers((name) => object[name]) };
  }
}
