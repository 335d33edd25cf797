import { join } from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { KeySet } from '@app/security';
import {
  applicable, contentSha256, fillForm, findForm, type FormTemplate, type FormTerms, renderAuthorizationPdf,
  type SigningRecord, sha256Hex,
} from '../src';
import { collapse, marketingTerms, pdfText, strokePng } from './support';

const signing = (overrides: Partial<SigningRecord> = {}): SigningRecord => ({
  signerName: 'Jane Doe',
  signedAt: '2026-11-23T14:00:00Z',
  signerRole: 'self',
  representativeAuthority: null,
  method: 'typed',
  authentication: { method: 'signing-link', ip: '203.0.113.9', userAgent: 'Mozilla/5.0 (X11; Linux x86_64)', sessionId: 'link-1' },
  ...overrides,
});

async function render(form: FormTemplate, terms: FormTerms, signed: SigningRecord) {
  const content = fillForm(form, terms);
  const bytes = await renderAuthorizationPdf({
    form, content, contentSha256: contentSha256(content), authorizationId: 'auth-1', subjectId: 'p-1001',
    signing: signed, ledgerKeyId: 'ledger-test-key',
  });
  return { bytes, content };
}

describe('the signed PDF copy', () => {
  const marketing = findForm('hipaa-marketing', '2026-01')!;
  const part2 = findForm('part2-consent', '2026-02')!;

  it.each([
    ['hipaa-marketing with third-party remuneration', marketing, marketingTerms(), signing()],
    ['hipaa-marketing without remuneration', marketing, marketingTerms({ remuneration: { involved: false, statement: null } }), signing()],
    ['hipaa-marketing signed by a personal representative', marketing, marketingTerms(),
      signing({ signerRole: 'personal-representative', representativeAuthority: 'Legal guardian under court order 2024-118' })],
    ['part2-consent for treatment, payment and operations', part2,
      marketingTerms({ purposes: ['treatment', 'payment'], channels: [], remuneration: { involved: false, statement: null }, expiresAt: null, part2: { tpo: true, expiry: 'none' } }),
      signing()],
  ])('%s: the text holds every required element and statement, filled in', async (_name, form, terms, signed) => {
    const { bytes, content } = await render(form, terms, signed);
    const text = await pdfText(bytes);
    const circumstances = { remunerationInvolved: terms.remuneration.involved, personalRepresentative: signed.signerRole === 'personal-representative' };
    for (const element of applicable(form.elements, circumstances)) expect(text).toContain(collapse(element.label));
    for (const statement of applicable(form.statements, circumstances)) {
      const section = content.sections.find((s) => s.id === statement.id)!;
      expect(text).toContain(collapse(section.heading));
      expect(text).toContain(collapse(section.text));
    }
    for (const value of [terms.informationDescription, terms.purposeStatement, ...terms.disclosers, ...terms.recipients]) {
      expect(text).toContain(value);
    }
    if (terms.remuneration.involved) expect(text).toContain(terms.remuneration.statement!);
    else expect(text).not.toContain('Payment from a third party');
    if (signed.representativeAuthority) expect(text).toContain(signed.representativeAuthority);
    // The signature and the certificate page.
    for (const value of ['Jane Doe', '2026-11-23 14:00 UTC', 'Signature certificate', '203.0.113.9', signed.authentication!.userAgent!,
      'signing-link', `${form.formId}, version ${form.version}`, 'auth-1', contentSha256(content), 'ledger-test-key']) {
      expect(text).toContain(value);
    }
  });

  it('the expiry reads in words: a date, an event, or both', async () => {
    const { bytes } = await render(marketing, marketingTerms({ expiresAt: null, expiresOn: '2027-06-30', expirationEvent: 'study-123-closed' }), signing());
    expect(await pdfText(bytes)).toContain('This authorization ends at the end of 2027-06-30, or when this event occurs: study-123-closed, whichever comes first.');
  });

  it('rendering the same input twice gives identical bytes', async () => {
    const first = await render(marketing, marketingTerms(), signing({ method: 'drawn', image: strokePng() }));
    const second = await render(marketing, marketingTerms(), signing({ method: 'drawn', image: strokePng() }));
    expect(sha256Hex(second.bytes)).toBe(sha256Hex(first.bytes));
    const other = await render(marketing, marketingTerms(), signing({ signedAt: '2026-11-23T14:00:01Z' }));
    expect(sha256Hex(other.bytes)).not.toBe(sha256Hex(first.bytes));
  });

  it('a drawn signature is embedded as an image; a typed one is written out', async () => {
    const drawn = await render(marketing, marketingTerms(), signing({ method: 'drawn', image: strokePng() }));
    const typed = await render(marketing, marketingTerms(), signing());
    expect(Buffer.from(drawn.bytes).toString('latin1')).toContain('/Subtype /Image');
    expect(Buffer.from(typed.bytes).toString('latin1')).not.toContain('/Subtype /Image');
    expect(await pdfText(drawn.bytes)).toContain('drawn mark');
  });

  it('names it cannot draw with the standard fonts become "?" instead of failing the grant', async () => {
    const { bytes } = await render(marketing, marketingTerms(), signing({ signerName: 'Zoë 王' }));
    expect(await pdfText(bytes)).toContain('Zoë ?');
  });

  it('the certificate names the key whose public half verifies the document signature', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'documents-keys-'));
    try {
      const keys = await KeySet.loadOrCreate(dir);
      const content = fillForm(marketing, marketingTerms());
      const bytes = await renderAuthorizationPdf({
        form: marketing, content, contentSha256: contentSha256(content), authorizationId: 'auth-1', subjectId: 'p-1001',
        signing: signing(), ledgerKeyId: keys.activeKid,
      });
      expect(await pdfText(bytes)).toContain(keys.activeKid);
      expect(keys.publicJwks().keys.map((k) => k.kid)).toContain(keys.activeKid);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
