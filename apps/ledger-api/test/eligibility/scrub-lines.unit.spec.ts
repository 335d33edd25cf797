import { Readable } from 'node:stream';
import { csvLines, type ScrubLine } from '../../src/eligibility/scrub/scrub-lines';

async function read(text: string, chunk = text.length): Promise<ScrubLine[]> {
  const chunks: string[] = [];
  for (let i = 0; i < text.length; i += chunk) chunks.push(text.slice(i, i + chunk));
  const out: ScrubLine[] = [];
  for await (const line of csvLines(Readable.from(chunks), () => undefined)) out.push(line);
  return out;
}

describe('csvLines', () => {
  const list = [
    'subjectId,email,segment',
    'p-1,one@example.com,a',
    'p-2,two@"example.com,b', // a quote inside an unquoted field: unreadable
    'p-3,three@example.com,c',
    'p-4,four@"example.com,d', // unreadable
    'p-5,five@example.com',
    'p-6,six@"example.com,f', // unreadable, last
  ].join('\n');

  it.each([['whole', list.length], ['in 7-byte chunks', 7], ['a byte at a time', 1]])(
    'reports each unreadable line in its place, read %s', async (_, chunk) => {
      const lines = await read(list, chunk);
      expect(lines.map((l) => l.malformed ?? l.subjectId)).toEqual([
        'p-1', 'unreadable CSV line', 'p-3', 'unreadable CSV line', 'expected 3 columns, found 2', 'unreadable CSV line',
      ]);
      expect(lines[1].echo).toEqual(['', '', '']);
      expect(lines[4].echo).toEqual(['p-5', 'five@example.com', '']);
    });

  it('reports unreadable lines right after the header before the first record', async () => {
    const lines = await read('subjectId,email\np-1,a@"b.c\np-2,two@example.com\n');
    expect(lines.map((l) => l.malformed ?? l.subjectId)).toEqual(['unreadable CSV line', 'p-2']);
  });
});
