import { Module } from '@nestjs/common';
import { AdminModule } from '../admin/admin.module';
import { UsageModule } from '../usage/usage.module';
import { TokenEstimator } from '../usage/token-estimator';
import { UserSelectionModule } from '../user-selection/user-selection.module';
import { CallRecorder } from './call-recorder';
import { LlmBuilderService } from './llm-builder.service';
import { ModelProbeService } from './model-probe.service';
import { UpstreamHttp } from './upstream-http';

/** Builds tracked LangChain models, caches them, probes platforms and tests models. */
@Module({
  imports: [AdminModule, UserSelectionModule, UsageModule],
  providers: [
    { provide: TokenEstimator, useFactory: (): TokenEstimator => new TokenEstimator() },
    CallRecorder,
    LlmBuilderService,
    ModelProbeService,
    UpstreamHttp,
  ],
  exports: [LlmBuilderService, ModelProbeService, CallRecorder, UpstreamHttp, TokenEstimator],
})
export class BuilderModule {}
