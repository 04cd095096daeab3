import { Controller, Get, Post, Req, Res, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ChatRelay } from './chat-relay.service';
import { EmbeddingsRelay } from './embeddings-relay.service';
import { GatewayModelsService, type GatewayModelList } from './gateway-models.service';
import type { GatewayCaller } from './gateway-caller';
import { Caller, GatewayTokenGuard } from './gateway-token.guard';
import { OpenAiErrorFilter } from './openai-error.filter';

/**
 * The OpenAI-compatible gateway (B3), for any language's OpenAI SDK: `base_url` = `<server>/v1`, `api_key` = an
 * `llmu_` user token. Its contract is OpenAI's API, not this server's Swagger, so it stays out of the Swagger page.
 * Host apps reach it through their own framework; the standalone server serves the exact routes from its fast path
 * (installGatewayFastPath) with the same services, and leaves only other spellings (`/v1/models/`, HEAD) to it.
 */
@ApiExcludeController()
@Controller('v1')
@UseGuards(GatewayTokenGuard)
@UseFilters(OpenAiErrorFilter)
export class GatewayController {
  constructor(
    private readonly relay: ChatRelay,
    private readonly embeddings: EmbeddingsRelay,
    private readonly models: GatewayModelsService,
  ) {}

  @Post('chat/completions')
  chatCompletions(@Caller() caller: GatewayCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.relay.relay(caller, req.body, req.headers, res);
  }

  @Post('embeddings')
  createEmbeddings(@Caller() caller: GatewayCaller, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.embeddings.relay(caller, req.body, req.headers, res);
  }

  @Get('models')
  listModels(@Caller() caller: GatewayCaller): Promise<GatewayModelList> {
    return this.models.list(caller);
  }
}
