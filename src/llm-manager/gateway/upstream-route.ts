import type { FetchFunction } from '../builder/upstream-http';
import type { BillingContext } from '../builder/call-recorder';
import type { ModelHealth } from '../builder/model-health';

/** Where one gateway call goes and who it bills: what `getUserLlm()` would have built, without the LangChain model. */
export interface UpstreamRoute {
  /** The platform's base URL (`…/v1`). */
  baseUrl: string;
  /** `null` for keyless endpoints. Never logged, never answered. */
  apiKey: string | null;
  /** The id sent upstream (`deepseek-chat`). */
  modelName: string;
  /** The model's `extra_body` (M13), merged into every request. */
  extraBody: Record<string, unknown> | null;
  /** The builder's guarded fetch for users' own platforms (B8); null for the operator's platforms. */
  guardedFetch: FetchFunction | null;
  billing: BillingContext;
  /** The platform key's health (issue 18): each attempt's failure or success counts toward its cooldown, as a call's does. */
  health?: ModelHealth;
  /** The slot's fallback chain (issue 18), tried in order before any byte reaches the client; empty for `platform/model`. */
  fallbacks?: UpstreamRoute[];
}
