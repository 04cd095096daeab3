import { Module } from '@nestjs/common';
import { ApiTokensModule } from '../api-tokens/api-tokens.module';
import { BuilderModule } from '../builder/builder.module';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { UserSelectionModule } from '../user-selection/user-selection.module';
import { ChatRelay } from './chat-relay.service';
import { EmbeddingsRelay } from './embeddings-relay.service';
import { GatewayAuthenticator } from './gateway-authenticator';
import { GatewayController } from './gateway.controller';
import { GatewayHttpHandler } from './gateway-http-handler';
import { GatewayModelsService } from './gateway-models.service';
import { GatewayRoutes } from './gateway-routes';
import { GatewayTokenGuard } from './gateway-token.guard';
import { UpstreamClient } from './upstream-client';

/**
 * The OpenAI-compatible gateway (`/v1/chat/completions`, `/v1/embeddings`, `/v1/models`): mounted on the standalone server, and in a
 * host app with `LlmManagerModule.forRoot({ gateway: true })`.
 */
@Module({
  imports: [ApiTokensModule, BuilderModule, CatalogueModule, UserSelectionModule],
  controllers: [GatewayController],
  providers: [
    GatewayAuthenticator, GatewayTokenGuard, GatewayHttpHandler, GatewayRoutes, ChatRelay, EmbeddingsRelay, GatewayModelsService, UpstreamClient,
  ],
})
export class GatewayModule {}
