import { SchedulerRole } from '../../../ledger-worker/src/roles/scheduler.role';
import { startLedger, type TestLedger } from '../../../../test/support/ledger';
import { grantBody } from '../fixtures';

const types = (history: { events: { type: string }[] }) => history.events.map((e) => e.type);

describe('the expiry scheduler', () => {
  let ledger: TestLedger;
  let token: string;

  beforeAll(async () => {
    // The scheduler role runs here, but on a long interval: the test drives its passes itself.
    ledger = await startLedger({ env: { SCHEDULER_INTERVAL_MS: '3600000' } });
    token = await ledger.token('acme');
  });
  afterAll(() => ledger.close());

  it('records AuthorizationExpired at expiresAt, once, even with two schedulers at once; the policy denies at expiresAt without it', async () => {
    const granted = await ledger.request('POST', '/v1/subjects/p-1/authorizations', {
      token, body: grantBody({ expiresAt: '2026-11-23T15:00:00Z' }),
    });
    expect(granted.status).toBe(201);
    const check = (asOf: string) => ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId: 'p-1', channel: 'email', purpose: 'marketing', asOf, minPosition: granted.body.position },
    });
    // 45 CFR 164.508(c)(1)(v): the authorization ends at its expiry, whether or not the scheduler has run.
    expect((await check('2026-11-23T14:59:59.999Z')).body.decision).toBe('ALLOW');
    ledger.clock.set('2026-11-23T15:00:00Z');
    const atExpiry = await ledger.request('POST', '/v1/eligibility/check', {
      token, body: { subjectId: 'p-1', channel: 'email', purpose: 'marketing' },
    });
    expect(atExpiry.body.decision).toBe('DENY');
    expect(atExpiry.body.reasons.map((r: { code: string }) => r.code)).toContain('AUTHORIZATION_EXPIRED');
    expect(types((await ledger.request('GET', '/v1/subjects/p-1/history', { token })).body)).not.toContain('AuthorizationExpired');

    // Wait until the expiry read model holds the grant, then run two schedulers at once.
    const head = await ledger.store.headPosition();
    await ledger.request('GET', `/v1/subjects/p-1?minPosition=${head}`, { token });
    const role = ledger.app.get(SchedulerRole, { strict: false });
    let expired = 0;
    for (let i = 0; i < 100 && expired === 0; i++) {
      const counts = await Promise.all([role.expireDue(), role.expireDue()]);
      expired = counts[0] + counts[1];
      if (expired === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(expired).toBe(1);
    const history = (await ledger.request('GET', '/v1/subjects/p-1/history', { token })).body;
    const expiries = history.events.filter((e: { type: string }) => e.type === 'AuthorizationExpired');
    expect(expiries).toHaveLength(1);
    expect(Date.parse(expiries[0].effectiveAt)).toBe(Date.parse('2026-11-23T15:00:00Z'));
    expect(await role.expireDue()).toBe(0);
  });
});

describe('projection lag on /metrics and /health/ready', () => {
  it('reports lag per projection, and is not ready while the read models are behind', async () => {
    const behind = await startLedger({ env: { LEDGER_ROLES: 'api', PROJECTION_MAX_LAG_SECONDS: '0' } });
    try {
      const token = await behind.token('acme');
      await behind.request('PUT', '/v1/subjects/p-1/preferences', { token, body: { purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' } });
      await new Promise((r) => setTimeout(r, 1100));
      const ready = await behind.request('GET', '/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.headers['retry-after']).toBeDefined();
      const metrics = await behind.request('GET', '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.text).toMatch(/ledger_projection_lag_positions\{projection="eligibility"\} [1-9]/);
      expect(metrics.text).toMatch(/ledger_projection_lag_seconds\{projection="eligibility"\} [1-9]/);
    } finally {
      await behind.close();
    }
    const following = await startLedger();
    try {
      const token = await following.token('acme');
      const put = await following.request('PUT', '/v1/subjects/p-1/preferences', { token, body: { purpose: 'marketing', channel: 'email', choice: 'opt-out', source: 'portal' } });
      await following.request('GET', `/v1/subjects/p-1?minPosition=${put.body.position}`, { token });
      const check = await following.request('POST', '/v1/eligibility/check', { token, body: { subjectId: 'p-1', channel: 'email', purpose: 'marketing', minPosition: put.body.position } });
      expect(check.body.reasons.map((r: { code: string }) => r.code)).toContain('OPTED_OUT');
      expect((await following.request('GET', '/health/ready')).status).toBe(200);
      expect((await following.request('GET', '/metrics')).text).toMatch(/ledger_projection_lag_positions\{projection="eligibility"\} 0/);
    } finally {
      await following.close();
    }
  });
});

describe('PROJECTOR_PARTITIONS', () => {
  it('serves read-your-writes checks from partitioned projectors', async () => {
    const ledger = await startLedger({ backend: 'postgres', env: { PROJECTOR_PARTITIONS: '4' } });
    try {
      const token = await ledger.token('acme');
      const granted = await ledger.request('POST', '/v1/subjects/p-1/authorizations', { token, body: grantBody() });
      const check = await ledger.request('POST', '/v1/eligibility/check', {
        token, body: { subjectId: 'p-1', channel: 'email', purpose: 'marketing', minPosition: granted.body.position },
      });
      expect(check.body.decision).toBe('ALLOW');
      expect(BigInt(check.body.position)).toBeGreaterThanOrEqual(BigInt(granted.body.position));
    } finally {
      await ledger.close();
    }
  });
});
