import { Injectable } from '@nestjs/common';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';
import { CatalogueReader } from '../catalogue/catalogue-reader';
import { PlatformAnswers } from '../catalogue/platform-answers';
import { LlmManagerError, type LlmManagerErrorCode } from '../common/llm-manager.error';
import { requireBaseUrl } from '../common/input-rules';
import { SYSTEM_USER_ID } from '../llm-manager.constants';
import { maskSecretsInText } from '../security/mask-secret';
import { Clock } from '../usage/clock';
import { UserSelectionService } from '../user-selection/user-selection.service';
import { LlmBuilderService } from './llm-builder.service';
import { UpstreamHttp } from './upstream-http';
import { ownErrorIn } from './upstream-call-error';
import { errorMessage } from '../common/error-message';

/** Result of `testModel()`: latency on success, the upstream's message on failure. */
export interface ModelTestResult {
  ok: boolean;
  latencyMs: number;
  /** Display names of the platform and model that answered (present when the request was made). */
  platform?: string;
  model?: string;
  error?: string;
  /** The upstream's HTTP status, when it answered with an error. */
  status?: number;
}

/** How `probePlatformModels` reaches the platform. */
export interface ProbeOptions {
  /**
   * Check the URL with UrlGuard (B8): set it when a regular user, not an admin or the host's own code, supplied the
   * base URL. Default: `false`.
   */
  guarded?: boolean;
  /** Default: 15 s. */
  timeoutMs?: number;
}

export type ModelTestTarget = { platformId: number; modelId: number } | { usageKey: string };

const PROBE_TIMEOUT_MS = 15_000;
const TEST_TIMEOUT_MS = 30_000;
const SLOT_RESOLUTION_CODES: ReadonlySet<LlmManagerErrorCode> = new Set(['USAGE_SLOT_NOT_FOUND', 'NO_USABLE_MODEL', 'MODEL_NOT_FOUND']);
/** Usage rows of test requests carry this agent name, so dashboards can tell them apart. */
export const TEST_AGENT_NAME = 'llm-mgr:test';

/** M6 and the console's "test model": ask a platform what it serves, and whether a model answers. */
@Injectable()
export class ModelProbeService {
  constructor(
    private readonly http: UpstreamHttp,
    private readonly builder: LlmBuilderService,
    private readonly selections: UserSelectionService,
    private readonly catalogue: CatalogueReader,
    private readonly clock: Clock,
    private readonly answers: PlatformAnswers,
  ) {}

  /** Model ids of a stored platform, with its own URL and key; an answer marks it as answering. */
  async probeStoredPlatform(platform: PlatformEntity, apiKey: string | null): Promise<string[]> {
    const models = await this.probePlatformModels(platform.baseUrl, apiKey);
    await this.answers.markAnswered(platform.id);
    return models;
  }

  /**
   * Model ids from `GET {baseUrl}/models`, trying `{baseUrl}/v1/models` when the first is a 404 without `/v1`.
   * @throws LlmManagerError `URL_NOT_ALLOWED` when guarded and the URL reaches a non-public address.
   */
  async probePlatformModels(baseUrl: string, apiKey: string | null | undefined, options: ProbeOptions = {}): Promise<string[]> {
    const { guarded = false, timeoutMs = PROBE_TIMEOUT_MS } = options;
    const base = requireBaseUrl(baseUrl);
    const candidates = /\/v\d+[a-z]*$/i.test(base) ? [`${base}/models`] : [`${base}/models`, `${base}/v1/models`];
    let lastStatus = 0;
    for (const url of candidates) {
      const response = await this.get(url, apiKey, timeoutMs, guarded);
      if (response.status === 404) {
        lastStatus = 404;
        continue;
      }
      return this.modelIds(url, response, apiKey);
    }
    throw new LlmManagerError(
      'UPSTREAM_ERROR',
      `No model list at ${candidates.join(' or ')} (HTTP ${lastStatus}). Check base_url: OpenAI-compatible ` +
        'platforms serve GET /models under their API root, usually ending in /v1.',
      { details: { status: lastStatus } },
    );
  }

  /**
   * One tiny chat request through a tracked model (its usage is recorded as agent `llm-mgr:test`). A slot is tested
   * as `getUserLlm()` serves it: the same cached model, rebuilt when its configuration changes here or on another
   * instance. A platform and model are built afresh, with no retries.
   */
  async testModel(userId: string | undefined, target: ModelTestTarget, timeoutMs = TEST_TIMEOUT_MS): Promise<ModelTestResult> {
    const user = userId ?? SYSTEM_USER_ID;
    const bound = 'usageKey' in target ? null : await this.resolveTarget(user, target);
    const started = this.clock.now().getTime();
    let usedKey: string | undefined;
    let platformId = bound?.platform.id;
    try {
      const llm = bound
        ? await this.builder.buildFor(user, bound.platform, bound.model, TEST_AGENT_NAME, { timeoutMs, maxRetries: 0 })
        : await this.builder.getUserLlm(user, { usageKey: (target as { usageKey: string }).usageKey, agentName: TEST_AGENT_NAME });
      usedKey = typeof llm.apiKey === 'string' ? llm.apiKey : undefined;
      platformId = llm.info.platformId;
      await llm.invoke('Reply with the single word OK.', { signal: AbortSignal.timeout(timeoutMs) });
      await this.answers.markAnswered(platformId);
      const result = { ok: true, latencyMs: this.clock.now().getTime() - started, platform: llm.info.platformName, model: llm.info.modelDisplayName };
      await this.answers.recordTest(platformId, { ok: true, detail: `${result.model} · ${result.latencyMs} ms` });
      return result;
    } catch (error) {
      // A slot that cannot be resolved is the caller's mistake (404/409), not an answer of the upstream.
      if (!bound && error instanceof LlmManagerError && SLOT_RESOLUTION_CODES.has(error.code)) throw error;
      const status = (error as { status?: unknown }).status;
      // The SDK reports a refused URL as "Connection error."; the guard's own message says what to do.
      const message = ownErrorIn(error)?.message ?? errorMessage(error);
      const result: ModelTestResult = {
        ok: false,
        latencyMs: this.clock.now().getTime() - started,
        // Some upstreams echo the key they were sent in their error text.
        error: maskSecretsInText(message, usedKey ? [usedKey] : []),
        ...(typeof status === 'number' ? { status } : {}),
      };
      if (platformId !== undefined) {
        await this.answers.recordTest(platformId, { ok: false, detail: `${typeof status === 'number' ? `HTTP ${status}: ` : ''}${result.error}` });
      }
      return result;
    }
  }

  /**
   * One tiny chat request to an endpoint that is not stored (the console's YAML mode): `POST {baseUrl}/chat/completions`
   * with the model id and its extra_body, no usage row. Failures are answers, as in `testModel`.
   */
  async testEndpoint(target: { baseUrl: string; apiKey: string | null; modelName: string; extraBody: Record<string, unknown> | null }): Promise<ModelTestResult> {
    const started = this.clock.now().getTime();
    const elapsed = (): number => this.clock.now().getTime() - started;
    const secrets = target.apiKey ? [target.apiKey] : [];
    try {
      const response = await this.http.fetch(`${requireBaseUrl(target.baseUrl)}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}) },
        body: JSON.stringify({ ...target.extraBody, model: target.modelName, messages: [{ role: 'user', content: 'Reply with the single word OK.' }] }),
        signal: AbortSignal.timeout(TEST_TIMEOUT_MS),
      });
      const text = await response.text();
      if (response.ok) return { ok: true, latencyMs: elapsed(), model: target.modelName };
      return { ok: false, latencyMs: elapsed(), error: maskSecretsInText(upstreamMessage(text).slice(0, 300), secrets), status: response.status };
    } catch (error) {
      return { ok: false, latencyMs: elapsed(), error: maskSecretsInText(errorMessage(error), secrets) };
    }
  }

  private async resolveTarget(userId: string, target: ModelTestTarget): Promise<{ platform: PlatformEntity; model: ModelEntity }> {
    if ('usageKey' in target) return this.selections.resolveSlot(userId, target.usageKey);
    const bound = await this.catalogue.findBinding(target.platformId, target.modelId);
    if (!bound || !this.catalogue.isVisibleTo(bound.platform, userId)) {
      throw new LlmManagerError('MODEL_NOT_FOUND', `Model ${target.modelId} on platform ${target.platformId} does not exist or is not available to you.`, {
        details: { platformId: target.platformId, modelId: target.modelId },
      });
    }
    return bound;
  }

  private async get(url: string, apiKey: string | null | undefined, timeoutMs: number, guarded: boolean): Promise<Response> {
    const fetchFn = guarded ? this.http.guardedFetch : (target: string, init: RequestInit): Promise<Response> => this.http.fetch(target, init);
    try {
      // Redirects are not followed: a probe reports them as the failure they are for an API root.
      return await fetchFn(url, {
        headers: { accept: 'application/json', ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      if (error instanceof LlmManagerError) throw error;
      const host = new URL(url).host;
      const reason = (error as { name?: unknown }).name === 'TimeoutError'
        ? `did not answer within ${Math.round(timeoutMs / 1000)} s`
        : `is unreachable (${networkCode(error)})`;
      throw new LlmManagerError('UPSTREAM_ERROR', `${host} ${reason}. Check base_url and that this server can reach it.`, {
        cause: error,
        details: { url, host },
      });
    }
  }

  private async modelIds(url: string, response: Response, apiKey: string | null | undefined): Promise<string[]> {
    const text = await response.text();
    if (response.status === 401 || response.status === 403) {
      throw new LlmManagerError('UPSTREAM_ERROR', `The platform rejected the API key (HTTP ${response.status}). Check the key for ${new URL(url).host}.`, {
        details: { status: response.status, host: new URL(url).host },
      });
    }
    if (!response.ok) {
      const upstream = maskSecretsInText(text.slice(0, 300), apiKey ? [apiKey] : []);
      throw new LlmManagerError('UPSTREAM_ERROR', `GET ${url} failed with HTTP ${response.status}: ${upstream}`, {
        details: { status: response.status },
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new LlmManagerError('UPSTREAM_ERROR', `GET ${url} did not return JSON; is base_url the API root (…/v1)?`, { cause: error });
    }
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data)) {
      throw new LlmManagerError('UPSTREAM_ERROR', `GET ${url} returned no "data" list; it does not look OpenAI-compatible.`);
    }
    return data.map((item) => (item as { id?: unknown }).id).filter((id): id is string => typeof id === 'string');
  }
}

/** The LlmManagerError behind an error the OpenAI SDK or LangChain wrapped, if any. */

function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return errorMessage(error);
}

/** The message of an OpenAI-style error body (`{ error: { message } }`), else the body as it came. */
function upstreamMessage(text: string): string {
  try {
    const message = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    return typeof message === 'string' ? message : text;
  } catch {
    return text;
  }
}
