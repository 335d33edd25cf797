import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsString, Matches, MaxLength } from 'class-validator';
import type { Principal } from '@app/security';
import { Caller, Scopes } from '../../http/auth';
import { Problem } from '../../http/problem';
import { DecisionReceipts, type ReceiptVerification } from './receipts';

export class VerifyReceiptRequest {
  @ApiProperty({ description: 'the compact JWS a check answered as `receipt`' })
  @IsString() @MaxLength(16_384) @Matches(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, { message: 'receipt must be a compact JWS' })
  receipt!: string;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/receipts/verify')
export class VerifyReceiptController {
  constructor(private readonly receipts: DecisionReceipts) {}

  @Post()
  @HttpCode(200)
  @Scopes('audit:read')
  @ApiOperation({ summary: 'Check a decision receipt: its signature, whether the decision was true at its ledger position, and what it would be now.' })
  async verify(@Body() body: VerifyReceiptRequest, @Caller() caller: Principal): Promise<ReceiptVerification> {
    const result = await this.receipts.verify(caller.tenantId, body.receipt);
    // Another tenant's receipt does not exist for this caller.
    if (result === 'other-tenant') throw Problem.notFound('No such receipt.');
    return result;
  }
}
