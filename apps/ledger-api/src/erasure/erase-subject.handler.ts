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
  /** Signed authorization documents deleted (their retention, E4/H11, has ended with the hold). */
  documentsDeleted: number;
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
      // The links of every subject, projected at least up to this erasure's own position (a link committed before it
      // must count; the visible head alone can lag behind a commit while an older transaction is still open).
      const head = await this.streams.store.headPosition();
      const minPosition = BigInt(result.position) > head ? result.position : head.toString();
      await this.read.prepare({ minPosition }, ELIGIBILITY);
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
    const documentsDeleted = await this.deleteDocuments(meta.tenantId, result.state.authorizations.map((a) => a.documentSha256).filter((h): h is string => typeof h === 'string'));
    return {
      subjectId,
      erased: true,
      documentsDeleted,
      erasedAt: erasure.effectiveAt,
      contactKeysErased,
      position: result.appended ? result.position : erasure.evidence?.position ?? result.position,
    };
  }

  /**
   * The signed PDFs hold the signer's name and the form's text as filled in: outside the retention window they go
   * too. The grant events keep their SHA-256 (and its signature), which verifies nothing about a person once the bytes
   * are gone.
   */
  private async deleteDocuments(tenantId: string, sha256s: string[]): Promise<number> {
    if (sha256s.length === 0) return 0;
    const [table] = await this.db.query<{ name: string | null }>("SELECT to_regclass('documents')::text AS name");
    if (!table?.name) return 0;
    const deleted = await this.db.query('DELETE FROM documents WHERE tenant_id = $1 AND sha256 = ANY($2::text[]) RETURNING sha256', [tenantId, sha256s]);
    return deleted.length;
  }
}
