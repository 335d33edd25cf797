import { AUTHORIZATION_ELEMENTS, type AuthorizationElement, type GrantAuthorization, type MissingElement } from '../src';
import { T0, context, givenSubject, grantCommand, granted } from './support';

const signature = grantCommand().signature!;

/** One defect per row: the command change, the element it must name, and the rule it must cite. */
const DEFECTS: [string, Partial<GrantAuthorization>, AuthorizationElement | AuthorizationElement[], RegExp][] = [
  ['no description of the information', { informationDescription: undefined }, 'informationDescription', /164\.508\(c\)\(1\)\(i\)$/],
  ['a blank description', { informationDescription: '  ' }, 'informationDescription', /\(c\)\(1\)\(i\)$/],
  ['no disclosers', { disclosers: [] }, 'disclosers', /\(c\)\(1\)\(ii\)$/],
  ['no recipients', { recipients: undefined }, 'recipients', /\(c\)\(1\)\(iii\)$/],
  ['no purposes', { purposes: [] }, 'purposes', /\(c\)\(1\)\(iv\)$/],
  ['no purpose statement', { purposeStatement: '' }, 'purposeStatement', /\(c\)\(1\)\(iv\)$/],
  ['neither an expiry date nor an event', { expiresAt: null, expirationEvent: null }, 'expiration', /\(c\)\(1\)\(v\)$/],
  ['an expiry at the signature', { expiresAt: T0 }, 'expiration', /\(b\)\(2\)\(i\)$/],
  ['an expiry already passed at intake', { expiresAt: '2026-11-23T13:59:00Z', signature: { ...signature, signedAt: '2026-11-01T00:00:00Z' } }, 'expiration', /\(b\)\(2\)\(i\)$/],
  ['an expiry date that is not a date', { expiresAt: null, expiresOn: '2027-02-30' }, 'expiration', /\(c\)\(1\)\(v\)$/],
  ['no signature at all', { signature: undefined }, ['signature', 'signedAt'], /\(c\)\(1\)\(vi\)$/],
  ['an empty signer name', { signature: { ...signature, signerName: '' } }, 'signature', /\(c\)\(1\)\(vi\)$/],
  ['no signature date', { signature: { ...signature, signedAt: undefined } }, 'signedAt', /\(c\)\(1\)\(vi\)$/],
  ['a signature dated beyond five minutes ahead', { signature: { ...signature, signedAt: '2026-11-23T14:05:01Z' } }, 'signedAt', /\(c\)\(1\)\(vi\)$/],
  ['a representative without authority', { signature: { ...signature, signerRole: 'personal-representative', representativeAuthority: null } }, 'representativeAuthority', /\(c\)\(1\)\(vi\)$/],
  ['no right-to-revoke statement', { statements: { noConditioning: true, redisclosure: true } }, 'statements.rightToRevoke', /\(c\)\(2\)\(i\)$/],
  ['a false no-conditioning statement', { statements: { rightToRevoke: true, noConditioning: false, redisclosure: true } }, 'statements.noConditioning', /\(c\)\(2\)\(ii\)$/],
  ['no redisclosure statement', { statements: { rightToRevoke: true, noConditioning: true } }, 'statements.redisclosure', /\(c\)\(2\)\(iii\)$/],
  ['remuneration involved but not stated', { remuneration: { involved: true, statement: null } }, 'remuneration.statement', /164\.508\(a\)\(3\)\(ii\)$/],
  ['a compound authorization', { compound: true }, 'compound', /164\.508\(b\)\(3\)$/],
  ['a conditioned authorization', { conditioned: true }, 'conditioned', /164\.508\(b\)\(4\)$/],
  ['no form version', { formVersion: undefined }, 'form', /164\.508/],
];

describe('H4/H5/H8 — a defective authorization is refused at intake with every defect named', () => {
  it('accepts a complete authorization, effective at its signature', () => {
    const [event] = givenSubject().when(grantCommand(), context(T0)).events();
    expect(event).toMatchObject({
      type: 'AuthorizationGranted',
      data: {
        authorizationId: 'auth-1',
        subjectId: 'p-1001',
        expiresAt: '2027-11-23T00:00:00Z',
        expiresOn: null,
        expirationEvent: null,
        remuneration: { involved: true, statement: 'Acme Health receives payment from Brightmail Inc.' },
        signature: { signerName: 'Jane Doe', signedAt: T0, signerRole: 'self', method: 'typed', hasImage: false },
        documentSha256: null,
        effectiveAt: T0,
        recordedAt: T0,
      },
    });
  });

  it.each(DEFECTS)('refuses %s', (_label, change, element, rule) => {
    const error = givenSubject().when(grantCommand(change), context(T0)).thenError({ code: 'DefectiveAuthorization' });
    const missing = (error as { missingElements: MissingElement[] }).missingElements;
    const elements = Array.isArray(element) ? element : [element];
    expect(missing).toEqual(elements.map((e) => expect.objectContaining({ element: e, rule: expect.stringMatching(rule) })));
  });

  it('names every defect at once, each element from the published list', () => {
    const error = givenSubject()
      .when(
        grantCommand({
          informationDescription: undefined,
          disclosers: undefined,
          recipients: [],
          purposes: [],
          purposeStatement: undefined,
          expiresAt: null,
          formId: undefined,
          statements: null,
          remuneration: { involved: true },
          compound: true,
          conditioned: true,
          signature: { signerName: '', signerRole: 'personal-representative' },
        }),
        context(T0),
      )
      .thenError({ code: 'DefectiveAuthorization' });
    const elements = (error as { missingElements: MissingElement[] }).missingElements.map((m) => m.element);
    expect(new Set(elements)).toEqual(new Set(AUTHORIZATION_ELEMENTS));
    expect(elements.every((e) => (AUTHORIZATION_ELEMENTS as readonly string[]).includes(e))).toBe(true);
  });

  it('keeps PHI out of defect messages', () => {
    const error = givenSubject()
      .when(grantCommand({ signature: { ...signature, signerName: 'Jane Doe', signerRole: 'personal-representative' }, purposes: [] }), context(T0))
      .thenError({ code: 'DefectiveAuthorization' });
    expect(JSON.stringify(error)).not.toContain('Jane');
  });

  it('accepts an expiration event instead of a date', () => {
    const [event] = givenSubject()
      .when(grantCommand({ expiresAt: null, expirationEvent: 'study-123-closed' }))
      .events();
    expect(event.data).toMatchObject({ expiresAt: null, expirationEvent: 'study-123-closed' });
  });

  it('accepts a personal representative who describes their authority; keeps only that an image exists', () => {
    const [event] = givenSubject()
      .when(
        grantCommand({
          signature: { ...signature, signerRole: 'personal-representative', representativeAuthority: 'Legal guardian', method: 'drawn', image: 'iVBORw0KGgo=' },
        }),
      )
      .events();
    expect(event.data).toMatchObject({ signature: { representativeAuthority: 'Legal guardian', hasImage: true } });
    expect(JSON.stringify(event)).not.toContain('iVBORw0KGgo');
  });

  it('defaults an absent remuneration to none (H3 then covers unpaid communications only)', () => {
    const [event] = givenSubject().when(grantCommand({ remuneration: undefined })).events();
    expect(event.data).toMatchObject({ remuneration: { involved: false, statement: null } });
  });

  it('generates an id when the client gives none', () => {
    const [event] = givenSubject().when(grantCommand({ authorizationId: undefined }), context(T0)).events();
    expect(event.data).toMatchObject({ authorizationId: 'id-1' });
  });

  it('refuses a second grant with the same id', () => {
    givenSubject([granted()]).when(grantCommand()).thenError({ code: 'AuthorizationAlreadyExists', authorizationId: 'auth-1' });
  });

  it('refuses an authorization whose expiration event is known to have occurred (164.508(b)(2)(i))', () => {
    const first = granted({ authorizationId: 'a-1', expiresAt: null, expirationEvent: 'study-1-closed' });
    const state = givenSubject([first]).when({ type: 'RecordExpirationEvent', event: 'study-1-closed', occurredAt: T0 }, context(T0));
    const error = givenSubject([first, ...state.events()])
      .when(grantCommand({ authorizationId: 'a-2', expiresAt: null, expirationEvent: 'study-1-closed' }), context('2026-11-24T00:00:00Z'))
      .thenError({ code: 'DefectiveAuthorization' });
    expect(error).toMatchObject({ missingElements: [{ element: 'expiration', rule: '45 CFR 164.508(b)(2)(i)' }] });
  });
});

describe('H13 — a date-only expiry lasts through the end of that day in the tenant time zone', () => {
  const newYork = { timeZone: 'America/New_York', fundraisingStatementInNotice: false, retentionYears: 6 };
  const JAN = '2026-01-10T00:00:00Z';
  const signedInJanuary = { signature: { ...signature, signedAt: JAN } };

  it.each([
    ['2026-06-30', 'America/New_York', '2026-07-01T04:00:00Z'], // EDT, UTC-4
    ['2026-12-30', 'America/New_York', '2026-12-31T05:00:00Z'], // EST, UTC-5
    ['2027-03-13', 'America/New_York', '2027-03-14T05:00:00Z'], // the night before spring-forward
    ['2027-03-14', 'America/New_York', '2027-03-15T04:00:00Z'], // the 23-hour day
    ['2027-11-07', 'America/New_York', '2027-11-08T05:00:00Z'], // the 25-hour day
    ['2027-06-30', 'UTC', '2027-07-01T00:00:00Z'],
    ['2027-06-30', 'Asia/Kolkata', '2027-06-30T18:30:00Z'],
    ['2027-09-04', 'America/Santiago', '2027-09-05T04:00:00Z'], // midnight skipped: the day starts at 01:00 local
  ])('%s in %s ends at %s', (expiresOn, timeZone, end) => {
    const [event] = givenSubject()
      .when(grantCommand({ ...signedInJanuary, expiresAt: null, expiresOn }), context(JAN, { ...newYork, timeZone }))
      .events();
    expect(event.data).toMatchObject({ expiresAt: end, expiresOn });
  });

  it('uses UTC when no tenant settings are given', () => {
    const [event] = givenSubject().when(grantCommand({ expiresAt: null, expiresOn: '2027-06-30' }), context(T0)).events();
    expect(event.data).toMatchObject({ expiresAt: '2027-07-01T00:00:00Z' });
  });

  it('refuses a date that has already ended at intake', () => {
    givenSubject()
      .when(
        grantCommand({ expiresAt: null, expiresOn: '2026-11-22', signature: { ...signature, signedAt: '2026-11-01T00:00:00Z' } }),
        context(T0, newYork),
      )
      .thenError({ code: 'DefectiveAuthorization', missingElements: [expect.objectContaining({ element: 'expiration' })] });
  });
});
