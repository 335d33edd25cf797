import { CommandHandler, type ICommandHandler, type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DEFAULT_TENANT_SETTINGS, settingsAt, tenantDecider, tenantStreamId, type TenantSettings } from '@app/domain';
import { domainProblem } from '../../http/domain-problem';
import type { CommandMeta } from '../../ledger/command-meta';
import { LedgerStreams } from '../../ledger/ledger-streams';
import type { TenantSettingsRequest } from './settings.request';

export interface TenantSettingsResponse { settings: TenantSettings; position: string }

export class ChangeTenantSettingsCommand {
  constructor(readonly request: TenantSettingsRequest, readonly meta: CommandMeta) {}
}

export class GetTenantSettingsQuery {
  constructor(readonly tenantId: string) {}
}

@CommandHandler(ChangeTenantSettingsCommand)
export class ChangeTenantSettingsHandler implements ICommandHandler<ChangeTenantSettingsCommand, TenantSettingsResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ request, meta }: ChangeTenantSettingsCommand): Promise<TenantSettingsResponse> {
    const result = await this.streams.execute(tenantDecider, tenantStreamId(meta.tenantId), { type: 'ChangeTenantSettings', ...request }, meta);
    if (!result.ok) throw domainProblem(result.error);
    const changed = result.events[result.events.length - 1];
    const settings: TenantSettings = changed
      ? { timeZone: changed.data.timeZone, fundraisingStatementInNotice: changed.data.fundraisingStatementInNotice, retentionYears: changed.data.retentionYears }
      : { ...DEFAULT_TENANT_SETTINGS };
    return { settings, position: result.position };
  }
}

@QueryHandler(GetTenantSettingsQuery)
export class GetTenantSettingsHandler implements IQueryHandler<GetTenantSettingsQuery, TenantSettingsResponse> {
  constructor(private readonly streams: LedgerStreams) {}

  async execute({ tenantId }: GetTenantSettingsQuery): Promise<TenantSettingsResponse> {
    const now = this.streams.now().toISOString();
    const loaded = await this.streams.load(tenantDecider, tenantStreamId(tenantId));
    const last = loaded.events[loaded.events.length - 1];
    return {
      settings: settingsAt(loaded.state, now, now) ?? { ...DEFAULT_TENANT_SETTINGS },
      position: last ? last.position.toString() : (await this.streams.store.headPosition()).toString(),
    };
  }
}
