import { instantMs } from '../time';

/**
 * T3, FCC 24-18 (47 CFR 64.1200(a)(10)): the policy is dated. Each version says from when it applies and how far
 * a STOP reaches; every decision records the version it used.
 *
 * - `replied-to`: a STOP revokes the kind of message it replied to (marketing texts by default), on SMS.
 * - `revoke-all`: a STOP stops every non-emergency message to that number: every purpose, on SMS and voice.
 *
 * Dates switch at 00:00 UTC. Instants before the first version get the first one (the ledger applies no older rule).
 */
export interface PolicyVersion {
  version: string;
  effectiveFrom: string;
  smsStopScope: 'replied-to' | 'revoke-all';
  rule: string;
}

/** Ordered by `effectiveFrom`. */
export const POLICY_VERSIONS: readonly PolicyVersion[] = Object.freeze([
  {
    version: '2025-04-11',
    effectiveFrom: '2025-04-11T00:00:00Z',
    smsStopScope: 'replied-to',
    rule: '47 CFR 64.1200(a)(10) (FCC 24-18, in force 2025-04-11)',
  },
  {
    version: '2027-01-31',
    effectiveFrom: '2027-01-31T00:00:00Z',
    smsStopScope: 'revoke-all',
    rule: '47 CFR 64.1200(a)(10) revoke-all (FCC 24-18, from 2027-01-31)',
  },
]);

/** The policy version in force at an instant. */
export function policyVersionAt(instant: string): PolicyVersion {
  const ms = instantMs(instant);
  let current = POLICY_VERSIONS[0];
  for (const v of POLICY_VERSIONS) {
    if (instantMs(v.effectiveFrom) <= ms) current = v;
  }
  return current;
}
