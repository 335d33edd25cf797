import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { Meta, type CommandMeta } from '../../ledger/command-meta';
import { ChangeTenantSettingsCommand, GetTenantSettingsQuery, type TenantSettingsResponse } from './settings.handler';
import { TenantSettingsRequest } from './settings.request';

@ApiTags('tenant')
@ApiBearerAuth()
@Controller('v1/tenant/settings')
export class TenantSettingsController {
  constructor(private readonly commands: CommandBus, private readonly queries: QueryBus) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'The tenant settings in force now.' })
  get(@Caller() caller: Principal): Promise<TenantSettingsResponse> {
    return this.queries.execute(new GetTenantSettingsQuery(caller.tenantId));
  }

  @Put()
  @HttpCode(200)
  @Scopes('admin')
  @ApiOperation({ summary: 'Replace the tenant settings (recorded as an event; decisions use the settings in force at asOf).' })
  put(@Body() body: TenantSettingsRequest, @Meta() meta: CommandMeta): Promise<TenantSettingsResponse> {
    return this.commands.execute(new ChangeTenantSettingsCommand(body, meta));
  }
}
