import { spawn } from 'node:child_process';
import { crc32, deflateSync } from 'node:zlib';
import type { FormTerms } from '../src';

/** A small PNG (RGBA) with a diagonal stroke, standing in for a drawn signature. */
export function strokePng(width = 120, height = 40): Uint8Array {
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0;
    for (let x = 0; x < width; x++) {
      const at = y * (width * 4 + 1) + 1 + x * 4;
      const ink = Math.abs(Math.round((x * height) / width) - y) <= 1;
      raw[at + 3] = ink ? 255 : 0;
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  return new Uint8Array(Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]));
}

/*
 * unpdf loads its bundled PDF.js with a dynamic import(), which Jest's CommonJS runtime cannot run, so the text is
 * extracted by a plain Node process.
 */
const EXTRACT = `
const { extractText, getDocumentProxy } = require('unpdf');
const chunks = [];
process.stdin.on('data', (c) => chunks.push(c)).on('end', async () => {
  const pdf = await getDocumentProxy(new Uint8Array(Buffer.concat(chunks)));
  const { text } = await extractText(pdf, { mergePages: true });
  process.stdout.write(text);
});`;

/** Every text of the PDF (extracted by unpdf / PDF.js), whitespace collapsed, so wrapped lines compare with their text. */
export function pdfText(bytes: Uint8Array): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', EXTRACT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(collapse(Buffer.concat(out).toString('utf8')));
      else reject(new Error(`text extraction failed (${code}): ${Buffer.concat(err).toString('utf8')}`));
    });
    child.stdin.end(Buffer.from(bytes));
  });
}

export const collapse = (text: string) => text.replace(/\s+/g, ' ').trim();

export function marketingTerms(overrides: Partial<FormTerms> = {}): FormTerms {
  return {
    purposes: ['marketing'],
    channels: ['email', 'sms'],
    informationDescription: 'Name, email address and the services I have received',
    disclosers: ['Acme Health'],
    recipients: ['Acme Health Marketing', 'Brightmail Inc.'],
    purposeStatement: 'To send me information about new wellness programs',
    expiresAt: '2027-11-23T00:00:00Z',
    expiresOn: null,
    expirationEvent: null,
    remuneration: { involved: true, statement: 'Acme Health receives payment from Brightmail Inc.' },
    ...overrides,
  };
}
