import { PDFDocument, type PDFFont, type PDFImage, type PDFPage, rgb, StandardFonts } from 'pdf-lib';
import type { IntentAct, SignerRole } from '@app/domain';
import { type FormContent, instantInWords } from './form-content';
import { applicable, type FormTemplate } from './forms';

/** Who signed, how, when and from where (E1, E3); everything the certificate page shows. */
export interface SigningRecord {
  signerName: string;
  signedAt: string;
  signerRole: SignerRole;
  representativeAuthority: string | null;
  method: 'typed' | 'drawn';
  /** The drawn mark as PNG bytes (method `drawn`). */
  image?: Uint8Array | null;
  intentAct?: IntentAct | null;
  authentication?: { method: string; ip: string | null; userAgent: string | null; sessionId: string | null } | null;
}

export interface RenderInput {
  form: FormTemplate;
  content: FormContent;
  /** SHA-256 of `content` (contentSha256), printed on the certificate page. */
  contentSha256: string;
  authorizationId: string;
  subjectId: string;
  signing: SigningRecord;
  /** The ledger key that signs the document hash, named so a reader knows which public key to use. */
  ledgerKeyId: string;
}

const PAGE = { width: 612, height: 792, margin: 56 } as const;
const BODY = PAGE.width - 2 * PAGE.margin;
const GREY = rgb(0.35, 0.35, 0.35);
const PRODUCER = 'Consent Ledger (pdf-lib)';

const ROLE_WORDS: Record<SignerRole, string> = { self: 'the patient', 'personal-representative': 'personal representative' };

/** Characters the standard fonts can draw (WinAnsi); anything else becomes "?" rather than failing the grant. */
const WIN_ANSI_EXTRA = new Set('€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ');
export function toWinAnsi(text: string): string {
  return [...text.normalize('NFC')]
    .map((ch) => {
      if (ch === '\t') return ' ';
      const code = ch.codePointAt(0)!;
      if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) return ch;
      if (ch === '\n') return ch;
      return '?';
    })
    .join('');
}

interface Fonts { regular: PDFFont; bold: PDFFont; italic: PDFFont }

/** A cursor over pages: writes wrapped text downwards and starts a new page when the current one is full. */
class Writer {
  page!: PDFPage;
  y = 0;

  constructor(private readonly doc: PDFDocument, readonly fonts: Fonts) {
    this.newPage();
  }

  newPage(): void {
    this.page = this.doc.addPage([PAGE.width, PAGE.height]);
    this.y = PAGE.height - PAGE.margin;
  }

  ensure(height: number): void {
    if (this.y - height < PAGE.margin + 24) this.newPage();
  }

  /** The height `text` would take, to keep a short block on one page. */
  height(text: string, font: PDFFont, size: number): number {
    return wrap(toWinAnsi(text), font, size, BODY).length * size * 1.35;
  }

  gap(points: number): void {
    this.y -= points;
  }

  text(text: string, options: { font?: PDFFont; size?: number; colour?: ReturnType<typeof rgb>; indent?: number } = {}): void {
    const font = options.font ?? this.fonts.regular;
    const size = options.size ?? 10;
    const indent = options.indent ?? 0;
    const lineHeight = size * 1.35;
    for (const line of wrap(toWinAnsi(text), font, size, BODY - indent)) {
      this.ensure(lineHeight);
      this.y -= lineHeight;
      this.page.drawText(line, { x: PAGE.margin + indent, y: this.y, font, size, color: options.colour ?? rgb(0, 0, 0) });
    }
  }

  image(image: PDFImage, maxWidth: number, maxHeight: number): void {
    const scale = Math.min(maxWidth / image.width, maxHeight / image.height, 1);
    const width = image.width * scale;
    const height = image.height * scale;
    this.ensure(height + 4);
    this.y -= height + 4;
    this.page.drawImage(image, { x: PAGE.margin, y: this.y, width, height });
  }

  rule(): void {
    this.ensure(8);
    this.y -= 6;
    this.page.drawLine({ start: { x: PAGE.margin, y: this.y }, end: { x: PAGE.width - PAGE.margin, y: this.y }, thickness: 0.5, color: GREY });
  }
}

/** Greedy word wrap by measured width; a word longer than the line (a hash) is cut. */
export function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/).filter((w) => w.length > 0)) {
      const candidate = line ? `${line} ${word}` : word;
      if (font.widthOfTextAtSize(candidate, size) <= width) {
        line = candidate;
        continue;
      }
      if (line) lines.push(line);
      let rest = word;
      while (font.widthOfTextAtSize(rest, size) > width) {
        let cut = rest.length - 1;
        while (cut > 1 && font.widthOfTextAtSize(rest.slice(0, cut), size) > width) cut--;
        lines.push(rest.slice(0, cut));
        rest = rest.slice(cut);
      }
      line = rest;
    }
    lines.push(line);
  }
  return lines;
}

/**
 * The signed copy: the form text with every element filled in, the signature, and a signature certificate page.
 * Deterministic: the same input gives the same bytes (fixed dates from `signedAt`, fixed producer, no random ids).
 */
export async function renderAuthorizationPdf(input: RenderInput): Promise<Uint8Array> {
  const { form, content, signing } = input;
  const signedAt = new Date(signing.signedAt);
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(toWinAnsi(content.title));
  doc.setSubject(`${content.formId} ${content.version}, authorization ${input.authorizationId}`);
  doc.setProducer(PRODUCER);
  doc.setCreator(PRODUCER);
  doc.setCreationDate(signedAt);
  doc.setModificationDate(signedAt);
  const fonts: Fonts = {
    regular: await doc.embedFont(StandardFonts.Helvetica),
    bold: await doc.embedFont(StandardFonts.HelveticaBold),
    italic: await doc.embedFont(StandardFonts.HelveticaOblique),
  };
  const w = new Writer(doc, fonts);

  w.text(content.title, { font: fonts.bold, size: 16 });
  w.text(`Form ${content.formId}, version ${content.version} (${form.regulation})`, { size: 8, colour: GREY });
  w.gap(6);
  w.text(content.introduction);
  for (const section of content.sections) {
    w.gap(8);
    // Keep a section on one page, so no statement is split by a page break.
    w.ensure(w.height(section.heading, fonts.bold, 11) + w.height(section.text, fonts.regular, 10) + 12);
    w.text(section.heading, { font: fonts.bold, size: 11 });
    w.text(section.text);
    w.text(section.rule, { size: 7, colour: GREY });
  }

  // Signature block: the elements of 164.508(c)(1)(vi) (or 42 CFR 2.31(a)(9), (a)(10)), with their form labels.
  const labels = new Map(applicable(form.elements, {
    remunerationInvolved: false,
    personalRepresentative: signing.signerRole === 'personal-representative',
  }).map((e) => [e.element, e.label]));
  w.gap(14);
  w.ensure(150);
  w.rule();
  w.gap(4);
  w.text(labels.get('signature') ?? 'Signature', { font: fonts.bold, size: 11 });
  if (signing.method === 'drawn' && signing.image && signing.image.length > 0) {
    w.image(await doc.embedPng(signing.image), 240, 80);
  } else {
    w.text(signing.signerName, { font: fonts.italic, size: 20 });
  }
  w.text(`Signed electronically by ${signing.signerName}, ${ROLE_WORDS[signing.signerRole]}.`);
  if (labels.has('representativeAuthority')) {
    w.gap(4);
    w.text(labels.get('representativeAuthority')!, { font: fonts.bold, size: 11 });
    w.text(signing.representativeAuthority ?? '');
  }
  w.gap(4);
  w.text(labels.get('signedAt') ?? 'Date signed', { font: fonts.bold, size: 11 });
  w.text(instantInWords(signing.signedAt));

  // Certificate page.
  w.newPage();
  w.text('Signature certificate', { font: fonts.bold, size: 16 });
  w.text('How and when this document was signed, as recorded by the ledger.', { size: 9, colour: GREY });
  w.gap(8);
  const auth = signing.authentication ?? null;
  const rows: [string, string][] = [
    ['Signer', signing.signerName],
    ['Role', ROLE_WORDS[signing.signerRole]],
    ...(signing.signerRole === 'personal-representative' ? [['Representative authority', signing.representativeAuthority ?? ''] as [string, string]] : []),
    ['Signature method', signing.method === 'drawn' ? 'drawn mark' : 'typed name'],
    ['Intent act', signing.intentAct ?? (signing.method === 'drawn' ? 'drawn-mark' : 'typed-name')],
    ['Authentication method', auth?.method ?? 'not given'],
    ['Signed at', `${signing.signedAt} (${instantInWords(signing.signedAt)})`],
    ...(auth?.ip ? [['IP address', auth.ip] as [string, string]] : []),
    ...(auth?.userAgent ? [['User agent', auth.userAgent] as [string, string]] : []),
    ['Form', `${content.formId}, version ${content.version}`],
    ['Authorization id', input.authorizationId],
    ['Subject id', input.subjectId],
    ['SHA-256 of the form content shown and signed', input.contentSha256],
    ['Ledger signing key', input.ledgerKeyId],
  ];
  for (const [label, value] of rows) {
    w.gap(4);
    w.text(label, { font: fonts.bold, size: 9 });
    w.text(value, { size: 10, indent: 12 });
  }
  w.gap(12);
  w.text(
    'The SHA-256 of this PDF file, and the ledger\'s ES256 signature over {authorizationId, documentSha256, signedAt}, ' +
      'are recorded in the authorization\'s grant event (a file cannot contain its own hash). Verify them with the ' +
      'ledger\'s public keys at /.well-known/jwks.json.',
    { size: 8, colour: GREY },
  );

  const pages = doc.getPages();
  pages.forEach((page, i) => {
    const footer = toWinAnsi(`Authorization ${input.authorizationId} - ${content.formId} ${content.version} - page ${i + 1} of ${pages.length}`);
    page.drawText(footer, { x: PAGE.margin, y: PAGE.margin - 20, font: fonts.regular, size: 7, color: GREY });
  });
  return doc.save({ useObjectStreams: false });
}
