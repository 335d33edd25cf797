import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { subjectDecider, subjectStreamId } from '@app/domain';
import type { Database } from '@app/platform/database';
import { domainProblem } from '../http/domain-problem';
import { Problem } from '../http/problem';
import type { CommandMeta } from '../ledger/command-meta';
import { LedgerStreams } from '../ledger/ledger-streams';
import { ReadPosition } from '../ledger/read-position';
import { DATABASE } from '../ledger/tokens';

export class EraseSubjectCommand {
  constructor(readonly subjectId: string, readonly meta: CommandMeta) {}
}

export interface EraseSubjectResponse {
  subjectId: string;
  erased: true;
  erasedAt: string;
  /** Contact points whose own key (SMS texts) went with this subject: no other subject links them. */
  contactKeysErased: string[];
  position: string;
}

const ELIGIBILITY = { projection: 'eligibility' } as const;

/**
 * H11 erasure by crypto-shredding. The domain refuses it inside the retention window (409 retention-hold, nothing
 * appended, no key touched); otherwise `SubjectErased` is appended first and the keys destroyed after, so that a crash
 * in between is completed by a retry (the repeat appends nothing and destroys what is left). The events stay: their
 * personal fields were stored sealed, so they remain as a skeleton whose hash chains still verify.
 */
@CommandHandler(EraseSubjectCommand)
export class EraseSubjectHandler implements ICommandHandler<EraseSubjectCommand, EraseSubjectResponse> {
  constructor(
    private readonly streams: LedgerStreams,
    private readonly read: ReadPosition,
    @Inject(DATABASE) private readonly db: Database,
  ) {}

  async execute({ subjectId, meta }: EraseSubjectCommand): Promise<EraseSubjectResponse> {
    const streamId = subjectStreamId(meta.tenantId, subjectId);
    const result = await this.streams.execute(subjectDecider, streamId, { type: 'EraseSubject', subjectId }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const erasure = result.state.erasure;
    if (!result.state.exists || !erasure) throw Problem.notFound('No such subject.');
    const now = this.streams.now().toISOString();
    await this.streams.personalData.destroy({ kind: 'subject', tenantId: meta.tenantId, subjectId }, now);
    const contactKeysErased: string[] = [];
    const everLinked = [...new Set(result.state.contacts.map((c) => c.contactKey))];
    if (everLinked.length > 0) {
      // The links of every subject, as projected up to now (a link appended a moment ago must count).
      await this.read.prepare({ minPosition: (await this.streams.store.headPosition()).toString() }, ELIGIBILITY);
      for (const contactKey of everLinked) {
        const others = await this.db.query(
          'SELECT 1 FROM rm_contact_links WHERE tenant_id = $1 AND contact_key = $2 AND subject_id <> $3 LIMIT 1',
          [meta.tenantId, contactKey, subjectId],
        );
        if (others.length > 0) continue;
        await this.streams.personalData.destroy({ kind: 'contact', tenantId: meta.tenantId, contactKey }, now);
        contactKeysErased.push(contactKey);
      }
    }
    return {
      subjectId,
      erased: true,
      erasedAt: erasure.effectiveAt,
      contactKeysErased,
      position: result.appended ? result.position : erasure.evidence?.position ?? result.position,
    };
  }
}
