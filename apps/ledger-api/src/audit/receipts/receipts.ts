import { Injectable } from '@nestjs/common';
import {
  contactDecider, contactStreamId, type ContactState, contactsToConsider, type Decision, type EligibilityRequest, evaluate,
  subjectDecider, subjectStreamId, tenantDecider, tenantStreamId,
} from '@app/domain';
import { canonicalJson } from '@app/event-store';
import { KeySet, RECEIPT_TYPE, signCompact, verifyCompact } from '@app/security';
import { LedgerStreams } from '../../ledger/ledger-streams';

/** What a decision receipt states: the question, the answer, and where in the ledger it was read. */
export interface ReceiptClaims {
  /** Receipt format version. */
  v: 1;
  tenant: string;
  question: {
    subjectId: string | null;
    /** SHA-256 of the normalised address; the receipt never carries the address. */
    contactKey: string | null;
    channel: EligibilityRequest['channel'];
    purpose: EligibilityRequest['purpose'] | null;
    communication: EligibilityRequest['communication'] | null;
    usesPart2Data: boolean;
  };
  decision: Decision['decision'];
  purpose: Decision['purpose'];
  reasons: string[];
  authorizationId: string | null;
  policyVersion: string;
  /** The global log position the decision was read at. */
  position: string;
  asOf: string;
  knownAt: string;
  evaluatedAt: string;
}

/** What a scrub receipt states: the question, a digest of the exact list, the summary, where in the ledger it was read. */
export interface ScrubReceiptClaims {
  v: 1;
  kind: 'scrub';
  tenant: string;
  question: { channel: EligibilityRequest['channel']; purpose: EligibilityRequest['purpose'] | null; communication: EligibilityRequest['communication'] | null; usesPart2Data: boolean };
  /** SHA-256 of the request body as received: the list the summary speaks of. */
  inputSha256: string;
  summary: { total: number; allowed: number; denied: number; errors: number; byReason: Record<string, number> };
  position: string;
  asOf: string;
  knownAt: string;
  evaluatedAt: string;
}

export interface ReceiptVerification {
  signatureValid: boolean;
  reason?: string;
  kid?: string;
  claims?: ReceiptClaims | ScrubReceiptClaims;
  /** Re-evaluated from the streams as of the receipt's position, asOf and knownAt: does the ledger still stand behind it? */
  atPosition?: { decision: Decision['decision']; reasons: string[]; matches: boolean };
  /** The same question asked now. */
  now?: { decision: Decision['decision']; reasons: string[]; position: string; evaluatedAt: string };
}

/**
 * Decision receipts: a compact JWS (ES256, the embedded key set's active key, `kid` in the header) over a check's
 * question and answer, and their verification, which re-folds the streams up to the receipt's position and asks
 * the one pure `evaluate` again.
 */
@Injectable()
export class DecisionReceipts {
  constructor(private readonly keys: KeySet, private readonly streams: LedgerStreams) {}

  async issue(tenant: string, question: ReceiptClaims['question'], answer: Decision & { position: string; evaluatedAt: string }): Promise<string> {
    const claims: ReceiptClaims = {
      v: 1,
      tenant,
      question,
      decision: answer.decision,
      purpose: answer.purpose,
      reasons: answer.reasons.map((r) => r.code),
      authorizationId: answer.basis?.authorizationId ?? null,
      policyVersion: answer.policyVersion,
      position: answer.position,
      asOf: answer.asOf,
      knownAt: answer.knownAt,
      evaluatedAt: answer.evaluatedAt,
    };
    return signCompact(this.keys, RECEIPT_TYPE, new TextEncoder().encode(canonicalJson(claims)));
  }

  /** A receipt for a whole scrub, at the summary level, bound to the list by its digest. */
  async issueScrub(claims: Omit<ScrubReceiptClaims, 'v' | 'kind'>): Promise<string> {
    const full: ScrubReceiptClaims = { v: 1, kind: 'scrub', ...claims };
    return signCompact(this.keys, RECEIPT_TYPE, new TextEncoder().encode(canonicalJson(full)));
  }

  /**
   * Checks the signature; for a valid decision receipt of `tenant`, re-evaluates at its position and now. A scrub
   * receipt is checked for its signature: whoever holds the list checks its digest, and re-running the scrub with the
   * receipt's asOf and knownAt re-evaluates every line.
   */
  async verify(tenant: string, receipt: string): Promise<ReceiptVerification | 'other-tenant'> {
    const checked = await verifyCompact<ReceiptClaims | ScrubReceiptClaims>(this.keys, RECEIPT_TYPE, receipt);
    if (!checked.valid) return { signatureValid: false, reason: checked.reason };
    if (checked.payload.tenant !== tenant) return 'other-tenant';
    if ('kind' in checked.payload && checked.payload.kind === 'scrub') return { signatureValid: true, kid: checked.kid, claims: checked.payload };
    const claims = checked.payload as ReceiptClaims;
    const then = await this.evaluateAt(tenant, claims.question, BigInt(claims.position), claims.asOf, claims.knownAt);
    const head = await this.streams.store.headPosition();
    const nowIso = this.streams.now().toISOString();
    const now = await this.evaluateAt(tenant, claims.question, head, nowIso, nowIso);
    const codes = (d: Decision) => d.reasons.map((r) => r.code);
    const sameCodes = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((c, i) => c === [...b].sort()[i]);
    return {
      signatureValid: true,
      kid: checked.kid,
      claims,
      atPosition: { decision: then.decision, reasons: codes(then), matches: then.decision === claims.decision && sameCodes(codes(then), claims.reasons) },
      now: { decision: now.decision, reasons: codes(now), position: head.toString(), evaluatedAt: nowIso },
    };
  }

  private async evaluateAt(tenant: string, question: ReceiptClaims['question'], position: bigint, asOf: string, knownAt: string): Promise<Decision> {
    const subject = question.subjectId
      ? (await this.streams.load(subjectDecider, subjectStreamId(tenant, question.subjectId), position)).state
      : undefined;
    const keys = contactsToConsider(question.channel, question.contactKey ?? undefined, subject);
    const contacts: ContactState[] = [];
    for (const key of keys) {
      const { state } = await this.streams.load(contactDecider, contactStreamId(tenant, key), position);
      if (state.exists) contacts.push(state);
    }
    const tenantState = (await this.streams.load(tenantDecider, tenantStreamId(tenant), position)).state;
    return evaluate(subject, contacts, {
      channel: question.channel,
      purpose: question.purpose ?? undefined,
      communication: question.communication ?? undefined,
      usesPart2Data: question.usesPart2Data,
      contactKey: question.contactKey ?? undefined,
    }, asOf, knownAt, tenantState.exists ? tenantState : undefined);
  }
}
