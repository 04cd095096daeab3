import { Controller, Get, Header, Inject, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { hashToken, sameHash } from '../../llm-manager/api-tokens/api-token.secrets';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { LlmMetrics } from '../../llm-manager/metrics/llm-metrics';
import { BearerIdentityResolver } from '../auth/bearer-identity.resolver';

/** Injection token of `LLM_MGR_METRICS_TOKEN` (or null when unset: only the admin token reads the metrics). */
export const METRICS_TOKEN = Symbol('LLM_MGR_METRICS_TOKEN');

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * `GET /metrics`: llm-mgr's metrics in Prometheus text, for a scraper holding `LLM_MGR_METRICS_TOKEN` (a token that
 * opens nothing else) or the admin token. Not in Swagger: its contract is Prometheus's exposition format.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  private readonly metricsTokenHash: string | null;

  constructor(
    private readonly metrics: LlmMetrics,
    private readonly bearer: BearerIdentityResolver,
    @Inject(METRICS_TOKEN) metricsToken: string | null,
  ) {
    this.metricsTokenHash = metricsToken ? hashToken(metricsToken) : null;
  }

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Req() request: { headers: Record<string, string | string[] | undefined>; res?: { type(t: string): void } }): Promise<string> {
    await this.authorize(request);
    request.res?.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }

  private async authorize(request: { headers: Record<string, string | string[] | undefined> }): Promise<void> {
    const header = request.headers['authorization'];
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token && this.metricsTokenHash && sameHash(hashToken(token), this.metricsTokenHash)) return;
    const identity = await this.bearer.resolve(request);
    if (!identity) {
      throw new LlmManagerError('UNAUTHENTICATED', 'Authentication required: send the metrics token (LLM_MGR_METRICS_TOKEN) or the admin token as a bearer.');
    }
    if (!identity.isAdmin) throw new LlmManagerError('FORBIDDEN', 'The metrics are for the metrics token or the admin token only.');
  }
}
