import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { findAuthorization, subjectDecider, subjectStreamId } from '@app/domain';
import { RecordCopyProvidedCommand } from '../authorizations/copy-provided/copy-provided.handler';
import { Problem } from '../http/problem';
import { LedgerStreams } from '../ledger/ledger-streams';
import type { HostedLink } from './links/hosted-links';

/**
 * H7, 45 CFR 164.508(c)(4): the person downloading their signed authorization from a hosted page has been given a
 * copy through the portal. The first download records it (`AuthorizationCopyProvided`, method `portal`); later ones
 * add nothing. E2: an electronic copy counts only on an ESIGN consent in force — without one, the download is still
 * served (it is the person's own record) but no copy is recorded, and the copy remains owed on paper.
 */
@Injectable()
export class PortalCopies {
  constructor(private readonly commands: CommandBus, private readonly streams: LedgerStreams) {}

  async downloaded(link: HostedLink, authorizationId: string, actor: string, correlationId: string): Promise<'recorded' | 'already-recorded' | 'needs-esign-consent'> {
    const { state } = await this.streams.load(subjectDecider, subjectStreamId(link.tenantId, link.subjectId));
    const record = findAuthorization(state, authorizationId);
    if (record?.copies.some((copy) => copy.method === 'portal')) return 'already-recorded';
    try {
      await this.commands.execute(new RecordCopyProvidedCommand(link.subjectId, authorizationId, { method: 'portal' },
        { tenantId: link.tenantId, actor, correlationId }));
      return 'recorded';
    } catch (error) {
      if (error instanceof Problem && error.slug === 'esign-consent-required') return 'needs-esign-consent';
      throw error;
    }
  }
}
