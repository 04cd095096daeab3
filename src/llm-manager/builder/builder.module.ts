import { Module } from '@nestjs/common';
import { BudgetsModule } from '../budgets/budgets.module';
import { RateLimitsModule } from '../rate-limits/rate-limits.module';
import { CatalogueModule } from '../catalogue/catalogue.module';
import { CooldownsModule } from '../cooldowns/cooldowns.module';
import { MetricsModule } from '../metrics/metrics.module';
import { HostResolver, UrlGuard } from '../security/url-guard';
import { UsageModule } from '../usage/usage.module';
import { TokenEstimator } from '../usage/token-estimator';
import { UserSelectionModule } from '../user-selection/user-selection.module';
import { CallRecorder } from './call-recorder';
import { LlmBuilderService } from './llm-builder.service';
import { ModelProbeService } from './model-probe.service';
import { UpstreamHttp } from './upstream-http';

/** Builds tracked LangChain models, caches them, probes platforms and tests models; guards users' URLs (B8). */
@Module({
  imports: [CatalogueModule, CooldownsModule, UserSelectionModule, UsageModule, BudgetsModule, RateLimitsModule, MetricsModule],
  providers: [
    { provide: TokenEstimator, useFactory: (): TokenEstimator => new TokenEstimator() },
    CallRecorder,
    LlmBuilderService,
    ModelProbeService,
    UpstreamHttp,
    HostResolver,
    UrlGuard,
  ],
  // UrlGuard is also what UserPlatformService (AdminModule) checks URLs with; it reaches it through the global
  // LlmManagerModule, which re-exports this module.
  exports: [LlmBuilderService, ModelProbeService, CallRecorder, UpstreamHttp, TokenEstimator, UrlGuard],
})
export class BuilderModule {}
