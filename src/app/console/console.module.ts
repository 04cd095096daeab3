import { Module } from '@nestjs/common';
import { IdentityGuard } from '../../llm-manager/common/request-identity';
import { ConsoleAssetsController } from './console-assets.controller';
import { MasterKeyController } from './master-key/master-key.controller';
import { MasterKeyService } from './master-key/master-key.service';
import { SessionController } from './session/session.controller';
import { YamlModeController } from './yaml-mode/yaml-mode.controller';
import { YamlModeService } from './yaml-mode/yaml-mode.service';

/**
 * The web console of the standalone server (M7, B4): the page at `/console`, plus the routes only a server that owns
 * its files may offer — `LLM_KEY` in `.env` and YAML mode on `llm_mgr_cfg.yaml`. Everything else the page does goes
 * through the library's REST API. Relies on the global `LlmManagerModule`.
 */
@Module({
  controllers: [ConsoleAssetsController, SessionController, MasterKeyController, YamlModeController],
  providers: [IdentityGuard, MasterKeyService, YamlModeService],
})
export class ConsoleModule {}
