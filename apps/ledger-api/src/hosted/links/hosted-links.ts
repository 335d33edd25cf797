import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, errors, jwtVerify, SignJWT } from 'jose';
import type { FormTerms } from '@app/documents';
import type { Channel, Part2TpoExpiry, Purpose } from '@app/domain';
import { EMBEDDED_ISSUER, KeySet } from '@app/security';
import { LedgerStreams } from '../../ledger/ledger-streams';

/** The audience of hosted-page links: never a bearer token's (`consent-ledger`), so neither passes for the other. */
export const HOSTED_LINK_AUDIENCE = 'urn:consent-ledger:hosted-link';
const LINK_TYPE = 'hosted-link+jwt';

export const LINK_ACTIONS = ['sign', 'preferences'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

export const DEFAULT_LINK_TTL_SECONDS = 24 * 3600;
export const MAX_LINK_TTL_SECONDS = 7 * 24 * 3600;

/** The authorization a signing link offers: every element but the signature, which the patient adds. */
export interface SigningDraft {
  authorizationId: string;
  formId: string;
  formVersion: string;
  purposes: Purpose[];
  channels: Channel[];
  informationDescription: string;
  disclosers: string[];
  recipients: string[];
  purposeStatement: string;
  expiresAt?: string | null;
  expiresOn?: string | null;
  expirationEvent?: string | null;
  remuneration?: { involved: boolean; statement?: string | null } | null;
  part2?: { tpo?: boolean; expiry?: Part2TpoExpiry | null } | null;
}

export interface HostedLink {
  tenantId: string;
  subjectId: string;
  actions: LinkAction[];
  draft: SigningDraft | null;
  /** The link's id: the session id of a signature made through it. */
  linkId: string;
  expiresAt: string;
}

export type LinkCheck = { ok: true; link: HostedLink } | { ok: false; reason: 'expired' | 'invalid' };

/** The draft's terms as a form shows them (the same text the PDF will carry once signed). */
export function draftTerms(draft: SigningDraft): FormTerms {
  return {
    purposes: [...new Set(draft.purposes)],
    channels: [...new Set(draft.channels)],
    informationDescription: draft.informationDescription,
    disclosers: draft.disclosers,
    recipients: draft.recipients,
    purposeStatement: draft.purposeStatement,
    expiresAt: draft.expiresAt ?? null,
    expiresOn: draft.expiresOn ?? null,
    expirationEvent: draft.expirationEvent ?? null,
    remuneration: { involved: draft.remuneration?.involved === true, statement: draft.remuneration?.statement ?? null },
    part2: draft.part2 ? { tpo: draft.part2.tpo === true, expiry: draft.part2.expiry ?? null } : null,
  };
}

/**
 * Short-lived signed links to the hosted pages (JWT, ES256, the ledger's key) naming the tenant, the subject and the
 * allowed actions; a signing link also carries the draft authorization. Signed, not encrypted: a link holds no
 * name or contact value, only ids and the terms of the form.
 */
@Injectable()
export class HostedLinks {
  constructor(private readonly keys: KeySet, private readonly streams: LedgerStreams) {}

  async mint(tenantId: string, subjectId: string, actions: LinkAction[], draft: SigningDraft | null, ttlSeconds: number): Promise<{ token: string; expiresAt: string }> {
    const iat = Math.floor(this.streams.now().getTime() / 1000);
    const exp = iat + ttlSeconds;
    const token = await new SignJWT({ tenant: tenantId, act: actions, ...(draft ? { draft } : {}) })
      .setProtectedHeader({ alg: 'ES256', kid: this.keys.activeKid, typ: LINK_TYPE })
      .setIssuer(EMBEDDED_ISSUER)
      .setAudience(HOSTED_LINK_AUDIENCE)
      .setSubject(subjectId)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(await this.keys.activePrivateKey());
    return { token, expiresAt: new Date(exp * 1000).toISOString() };
  }

  async verify(token: string, action: LinkAction): Promise<LinkCheck> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(this.keys.publicJwks()), {
        issuer: EMBEDDED_ISSUER,
        audience: HOSTED_LINK_AUDIENCE,
        typ: LINK_TYPE,
        algorithms: ['ES256'],
        currentDate: this.streams.now(),
        requiredClaims: ['sub', 'jti', 'exp'],
      });
      const actions = Array.isArray(payload.act) ? payload.act.filter((a): a is LinkAction => (LINK_ACTIONS as readonly unknown[]).includes(a)) : [];
      if (typeof payload.tenant !== 'string' || !actions.includes(action)) return { ok: false, reason: 'invalid' };
      const draft = (payload.draft ?? null) as SigningDraft | null;
      if (action === 'sign' && draft === null) return { ok: false, reason: 'invalid' };
      return {
        ok: true,
        link: {
          tenantId: payload.tenant,
          subjectId: payload.sub!,
          actions,
          draft,
          linkId: payload.jti!,
          expiresAt: new Date(payload.exp! * 1000).toISOString(),
        },
      };
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }
}
