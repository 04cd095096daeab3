/** A platform as callers describe it. `apiKey` is plaintext and is encrypted before it is stored. */
export interface PlatformInput {
  name: string;
  baseUrl: string;
  /** Plaintext key; `null` or `''` clears it; the masked value returned by a read keeps the stored key. */
  apiKey?: string | null;
  /** Environment variable that holds the key instead (system platforms only). */
  apiKeyEnv?: string | null;
}

export type PlatformPatch = Partial<PlatformInput>;

export interface ModelInput {
  displayName: string;
  modelName: string;
  extraBody?: Record<string, unknown> | null;
  inputPrice?: number | null;
  cachedInputPrice?: number | null;
  outputPrice?: number | null;
}

export type ModelPatch = Partial<ModelInput>;

/** Where a platform's key comes from. */
export type KeySource = 'encrypted' | 'env' | 'none';

export interface ModelView {
  id: number;
  platformId: number;
  displayName: string;
  modelName: string;
  extraBody: Record<string, unknown> | null;
  inputPrice: number | null;
  cachedInputPrice: number | null;
  outputPrice: number | null;
}

/** What every read returns: the key only ever masked. */
export interface PlatformView {
  id: number;
  name: string;
  baseUrl: string;
  isSystem: boolean;
  /** True for the first of its owner's platforms. */
  isDefault: boolean;
  sortOrder: number;
  keySource: KeySource;
  /** Environment variable named in the YAML (`{DEEPSEEK_API_KEY}`), if any. */
  apiKeyEnv: string | null;
  /** `sk-…abcd`, or null when there is no key. */
  maskedKey: string | null;
  /** False when a key is expected but cannot be found; `unusableReason` says why. */
  usable: boolean;
  unusableReason: string | null;
  /** False once an administrator switched the platform off (issue 19): kept, but never picked or listed for calls. */
  enabled: boolean;
  /** The outcome of the last model test of the platform, or null when none was made. */
  lastTest: PlatformTestView | null;
  /**
   * Issue 18: until when calls with the key this view's reader would use are skipped after repeated failures (429,
   * 5xx, timeout, unreachable), as an ISO instant; null when they are not.
   */
  coolingUntil: string | null;
  models: ModelView[];
}

/** The last model test of a platform: when, whether it answered, and a short masked detail. */
export interface PlatformTestView {
  at: string;
  ok: boolean;
  detail: string | null;
}
