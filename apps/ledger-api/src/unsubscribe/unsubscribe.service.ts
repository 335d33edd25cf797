import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  contactChoices, contactDecider, contactStreamId, optOutsInForce, type PurposeScope, unsubscribeTokenExpiresAt,
} from '@app/domain';
import type { LedgerConfig } from '@app/platform';
import { issueUnsubscribeToken, KeySet, type UnsubscribeCheck, verifyUnsubscribeToken } from '@app/security';
import { domainProblem } from '../http/domain-problem';
import { LedgerStreams } from '../ledger/ledger-streams';
import { CONFIG } from '../ledger/tokens';

export interface UnsubscribeLink { url: string; token: string; expiresAt: string }

/**
 * RFC 8058 one-click unsubscribe: signed links (the address never in them, only its contact key), and the opt-out
 * they record — by address alone (C1), idempotent, with no login.
 */
@Injectable()
export class OneClickUnsubscribe {
  constructor(
    private readonly keys: KeySet,
    private readonly streams: LedgerStreams,
    @Inject(CONFIG) private readonly config: LedgerConfig,
  ) {}

  async link(tenant: string, contactKey: string, purpose: PurposeScope, baseUrl: string): Promise<UnsubscribeLink> {
    const issuedAt = this.streams.now();
    // C3: the link keeps working at least 60 days (configurable upwards only).
    const expiresAt = unsubscribeTokenExpiresAt(issuedAt.toISOString(), this.config.unsubscribeLinkDays);
    const { token } = await issueUnsubscribeToken(this.keys, { tenant, contactKey, contactType: 'email', purpose, channel: 'email' }, issuedAt, new Date(expiresAt));
    return { url: `${baseUrl}/v1/unsubscribe?token=${token}`, token, expiresAt };
  }

  check(token: string): Promise<UnsubscribeCheck> {
    return verifyUnsubscribeToken(this.keys, token, this.streams.now());
  }

  /**
   * Records the contact's opt-out for the purpose on email, unless one is already in force; `linkId` makes repeats of
   * one link a single append even when they race. Answers whether an event was appended.
   */
  async optOut(tenant: string, contactKey: string, purpose: PurposeScope, correlationId: string, linkId?: string): Promise<{ appended: boolean; position: string }> {
    const streamId = contactStreamId(tenant, contactKey);
    const { state } = await this.streams.load(contactDecider, streamId);
    const now = this.streams.now().toISOString();
    const covering = optOutsInForce(
      contactChoices(state),
      (key) => (key.purpose === '*' || key.purpose === purpose) && (key.channel === '*' || key.channel === 'email'),
      now, now,
    );
    if (covering.length > 0) return { appended: false, position: (await this.streams.store.headPosition()).toString() };
    const result = await this.streams.execute(contactDecider, streamId, {
      type: 'OptOutContact', contactType: 'email', contactKey, purpose, channel: 'email', source: 'one-click',
    }, {
      tenantId: tenant,
      actor: 'one-click-unsubscribe',
      correlationId,
      idempotency: linkId
        ? { key: `unsubscribe:${tenant}:${linkId}`, requestHash: createHash('sha256').update(`${contactKey}|${purpose}`).digest('hex') }
        : undefined,
    });
    if (!result.ok) throw domainProblem(result.error);
    return { appended: result.appended, position: result.position };
  }
}
