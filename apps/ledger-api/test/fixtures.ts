/** A complete marketing authorization, as a portal would send it. */
export function grantBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    authorizationId: 'auth-1',
    formId: 'hipaa-marketing',
    formVersion: '2026-01',
    purposes: ['marketing'],
    channels: ['email', 'sms'],
    informationDescription: 'Name, email address and the services I have received',
    disclosers: ['Acme Health'],
    recipients: ['Acme Health Marketing', 'Brightmail Inc.'],
    purposeStatement: 'To send me information about new wellness programs',
    expiresAt: '2027-11-23T00:00:00Z',
    expirationEvent: null,
    remuneration: { involved: true, statement: 'Acme Health receives payment from Brightmail Inc.' },
    statements: { rightToRevoke: true, noConditioning: true, redisclosure: true },
    signature: {
      signerName: 'Jane Doe', signedAt: '2026-11-23T13:00:00Z', signerRole: 'self',
      representativeAuthority: null, method: 'typed', image: null,
    },
    ...overrides,
  };
}

export interface RouteCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  scope: string;
  /** Addresses an existing resource of the tenant (another tenant gets 404). */
  addressesExisting: boolean;
  body?: Record<string, unknown>;
  /** Bodies that must each be refused with 400 (shape errors). */
  invalid: Record<string, Record<string, unknown>>;
  /** Query strings that must each be refused with 400. */
  invalidQuery?: Record<string, string>;
}

const SUBJECT = '/v1/subjects/p-1001';
const EMAIL_KEY = 'b6a3a6de7d1ec1d4d0be7e2ed6f1e8f7b6c06d9a08b5c9bd9c86fbb2ea1c11a4';

export function routeCases(contactKey = EMAIL_KEY): RouteCase[] {
  return [
    {
      name: 'grant an authorization', method: 'POST', url: `${SUBJECT}/authorizations`, scope: 'consent:write', addressesExisting: false,
      body: grantBody({ authorizationId: 'auth-2' }),
      invalid: {
        'unknown field': grantBody({ authorizationId: 'auth-3', colour: 'blue' }),
        'wrong type': grantBody({ authorizationId: 'auth-3', disclosers: 'Acme Health' }),
        'missing required field (nested type)': grantBody({ authorizationId: 'auth-3', remuneration: { statement: 'x' } }),
        'invalid date': grantBody({ authorizationId: 'auth-3', expiresAt: '2027-02-30T00:00:00Z' }),
        'unknown enumeration value': grantBody({ authorizationId: 'auth-3', purposes: ['spam'] }),
      },
    },
    {
      name: 'revoke an authorization', method: 'POST', url: `${SUBJECT}/authorizations/auth-1/revoke`, scope: 'consent:write', addressesExisting: true,
      body: { receivedVia: 'portal' },
      invalid: {
        'unknown field': { receivedVia: 'portal', reason: 'x' },
        'wrong type': { receivedVia: 'portal', note: 42 },
        'missing required field': {},
        'invalid date': { receivedVia: 'portal', receivedAt: 'yesterday' },
        'unknown enumeration value': { receivedVia: 'carrier-pigeon' },
      },
    },
    {
      name: 'record an expiration event', method: 'POST', url: '/v1/expiration-events', scope: 'consent:write', addressesExisting: false,
      body: { subjectId: 'p-1001', event: 'study-9-closed' },
      invalid: {
        'unknown field': { event: 'study-9-closed', study: 9 },
        'wrong type': { event: 9 },
        'missing required field': { subjectId: 'p-1001' },
        'invalid date': { event: 'study-9-closed', occurredAt: '2026-11-23' },
        'unknown enumeration value': { event: 'study-9-closed', subjectId: 'not a valid id!' },
      },
    },
    {
      name: 'set a preference', method: 'PUT', url: `${SUBJECT}/preferences`, scope: 'consent:write', addressesExisting: false,
      body: { purpose: 'fundraising', channel: 'mail', choice: 'opt-out', source: 'mail' },
      invalid: {
        'unknown field': { purpose: 'fundraising', channel: 'mail', choice: 'opt-out', source: 'mail', why: 'x' },
        'wrong type': { purpose: 1, channel: 'mail', choice: 'opt-out', source: 'mail' },
        'missing required field': { purpose: 'fundraising', channel: 'mail', source: 'mail' },
        'invalid date': { purpose: 'fundraising', channel: 'mail', choice: 'opt-out', source: 'mail', effectiveAt: '2026-11-23T25:00:00Z' },
        'unknown enumeration value': { purpose: 'fundraising', channel: 'mail', choice: 'maybe', source: 'mail' },
      },
    },
    {
      name: 'link a contact', method: 'POST', url: `${SUBJECT}/contacts`, scope: 'consent:write', addressesExisting: false,
      body: { type: 'phone', value: '+15551234567' },
      invalid: {
        'unknown field': { type: 'phone', value: '+15551234567', label: 'home' },
        'wrong type': { type: 'phone', value: 15551234567 },
        'missing required field': { type: 'phone' },
        'invalid date': { type: 'phone', value: '+15551234567', effectiveAt: 'now' },
        'unknown enumeration value': { type: 'pager', value: '+15551234567' },
        'invalid phone': { type: 'phone', value: '555-1234' },
      },
    },
    {
      name: 'unlink a contact', method: 'DELETE', url: `${SUBJECT}/contacts/${contactKey}`, scope: 'consent:write', addressesExisting: true,
      invalid: {},
    },
    {
      name: 'opt out a contact', method: 'POST', url: '/v1/contacts/opt-out', scope: 'consent:write', addressesExisting: false,
      body: { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'one-click' },
      invalid: {
        'unknown field': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'one-click', campaign: 'x' },
        'wrong type': { type: 'email', value: ['someone@example.org'], purpose: 'marketing', channel: 'email', source: 'one-click' },
        'missing required field': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email' },
        'invalid date': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'one-click', occurredAt: '23/11/2026' },
        'unknown enumeration value': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'carrier-pigeon' },
        'invalid email': { type: 'email', value: 'not-an-address', purpose: 'marketing', channel: 'email', source: 'one-click' },
      },
    },
    {
      name: 'opt in a contact', method: 'POST', url: '/v1/contacts/opt-in', scope: 'consent:write', addressesExisting: false,
      body: { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'double-opt-in' },
      invalid: {
        'unknown field': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'double-opt-in', x: 1 },
        'wrong type': { type: 'email', value: 'someone@example.org', purpose: ['marketing'], channel: 'email', source: 'double-opt-in' },
        'missing required field': { value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'double-opt-in' },
        'invalid date': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'double-opt-in', occurredAt: '2026-11-23T10:00:00' },
        'unknown enumeration value': { type: 'email', value: 'someone@example.org', purpose: 'marketing', channel: 'email', source: 'one-click' },
      },
    },
    {
      name: 'check eligibility', method: 'POST', url: '/v1/eligibility/check', scope: 'eligibility:check', addressesExisting: false,
      body: { subjectId: 'p-1001', channel: 'email', purpose: 'marketing' },
      invalid: {
        'unknown field': { subjectId: 'p-1001', channel: 'email', purpose: 'marketing', campaign: 'x' },
        'wrong type': { subjectId: 'p-1001', channel: 'email', purpose: 'marketing', usesPart2Data: 'no' },
        'missing required field': { subjectId: 'p-1001', purpose: 'marketing' },
        'invalid date': { subjectId: 'p-1001', channel: 'email', purpose: 'marketing', asOf: '2026-11-31T00:00:00Z' },
        'unknown enumeration value': { subjectId: 'p-1001', channel: 'email', communication: { category: 'spam' } },
        'neither subject nor contact': { channel: 'email', purpose: 'marketing' },
        'both purpose and communication': { subjectId: 'p-1001', channel: 'email', purpose: 'marketing', communication: { category: 'promotion' } },
      },
    },
    {
      name: 'view a subject', method: 'GET', url: SUBJECT, scope: 'consent:read', addressesExisting: true,
      invalid: {}, invalidQuery: { 'invalid date': 'asOf=tomorrow', 'unknown field': 'colour=blue', 'wrong type': 'minPosition=abc' },
    },
    {
      name: 'read history', method: 'GET', url: `${SUBJECT}/history`, scope: 'audit:read', addressesExisting: true,
      invalid: {}, invalidQuery: { 'invalid date': 'knownAt=2026-02-30T00:00:00Z', 'unknown field': 'page=2', 'wrong type': 'minPosition=-1' },
    },
    {
      name: 'read tenant settings', method: 'GET', url: '/v1/tenant/settings', scope: 'admin', addressesExisting: false, invalid: {},
    },
    {
      name: 'change tenant settings', method: 'PUT', url: '/v1/tenant/settings', scope: 'admin', addressesExisting: false,
      body: { timeZone: 'America/New_York', fundraisingStatementInNotice: true, retentionYears: 7 },
      invalid: {
        'unknown field': { timeZone: 'UTC', colour: 'blue' },
        'wrong type': { retentionYears: 'six' },
        'invalid date': { timeZone: 'UTC', effectiveAt: 'soon' },
        'unknown enumeration value': { timeZone: 'Mars/Olympus_Mons' },
      },
    },
    {
      name: 'verify the hash chains', method: 'GET', url: '/v1/audit/verify', scope: 'audit:read', addressesExisting: false, invalid: {},
    },
  ];
}
