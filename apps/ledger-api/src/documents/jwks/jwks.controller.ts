import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { KeySet } from '@app/security';
import { Public } from '../../http/auth';

/** The ledger's public keys: verify document signatures, decision receipts and the ledger's own tokens with them. */
@ApiTags('documents')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeySet) {}

  @Get('jwks.json')
  @Public()
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({ summary: "The ledger's public JWKS (ES256)." })
  jwks(): object {
    return this.keys.publicJwks();
  }
}
