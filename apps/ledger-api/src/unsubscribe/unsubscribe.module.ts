import { Module } from '@nestjs/common';
import { OneClickController } from './one-click.controller';
import { UnsubscribeLinksController } from './unsubscribe-links.controller';
import { OneClickUnsubscribe } from './unsubscribe.service';

/** RFC 8058 one-click unsubscribe: the links (for senders) and the hosted endpoint they point at (for recipients). */
@Module({
  controllers: [UnsubscribeLinksController, OneClickController],
  providers: [OneClickUnsubscribe],
})
export class UnsubscribeModule {}
