import { Injectable } from '@nestjs/common';
import {
  contactDecider, type ContactType, contactStreamId, type ContactState, subjectDecider, subjectStreamId, type SubjectState, tenantDecider,
  tenantStreamId, type TenantState,
} from '@app/domain';
import { type AnswerQuestion, EligibilityReadModel, type EligibilitySnapshot } from '@app/projections';
import { LedgerStreams } from '../ledger/ledger-streams';

export { type EligibilitySnapshot };

/**
 * The folded states `evaluate` reads, for one subject or a batch: from the eligibility read model (the live path), or
 * folded from the event streams (the audit path, for questions about the past). Same shape, same function after.
 */
@Injectable()
export class EligibilityStates {
  constructor(private readonly readModel: EligibilityReadModel, private readonly streams: LedgerStreams) {}

  /**
   * A batch's states (a scrub's). `position` is what they reflect: the projection's checkpoint read with them, or the
   * head of the log read before the fold.
   */
  load(path: 'read-model' | 'streams', tenantId: string, subjectIds: string[], contactKeys: string[]): Promise<EligibilitySnapshot> {
    return path === 'read-model' ? this.readModel.snapshot(tenantId, subjectIds, contactKeys) : this.fold(tenantId, subjectIds, contactKeys);
  }

  /** One question's states (a single check's): on the live path, one round trip shared with the checks running meanwhile. */
  loadOne(path: 'read-model' | 'streams', tenantId: string, subjectIds: string[], contactKeys: string[]): Promise<EligibilitySnapshot> {
    return path === 'read-model' ? this.readModel.lookup(tenantId, subjectIds, contactKeys) : this.fold(tenantId, subjectIds, contactKeys);
  }

  /** On the live path, the precomputed answers to one question that hold at `at` (EligibilityReadModel.answers). */
  precomputed(tenantId: string, question: number, contactType: ContactType | undefined, lines: AnswerQuestion[], at: string): Promise<(string | undefined)[]> {
    return this.readModel.answers(tenantId, question, contactType, lines, at);
  }

  private async fold(tenantId: string, subjectIds: string[], contactKeys: string[]): Promise<EligibilitySnapshot> {
    const position = await this.streams.store.headPosition();
    const subjects = new Map<string, SubjectState>();
    const contacts = new Map<string, ContactState>();
    for (const id of new Set(subjectIds)) {
      const { state } = await this.streams.load(subjectDecider, subjectStreamId(tenantId, id));
      if (state.exists) subjects.set(id, state);
    }
    const linked = [...subjects.values()].flatMap((s) => s.contacts.map((c) => c.contactKey));
    for (const key of new Set([...contactKeys, ...linked])) {
      const { state } = await this.streams.load(contactDecider, contactStreamId(tenantId, key));
      if (state.exists) contacts.set(key, state);
    }
    const tenant: TenantState = (await this.streams.load(tenantDecider, tenantStreamId(tenantId))).state;
    return { subjects, contacts, tenant: tenant.exists ? tenant : undefined, position };
  }
}
