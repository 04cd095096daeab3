import type { ModelView, PlatformView } from '../platform.types';
import type { UserPlatformKeyView } from '../user-platform.service';

/** Swagger examples of the user platform routes. */
export const MODEL_EXAMPLE: ModelView = {
  id: 12,
  platformId: 7,
  displayName: 'Llama 3.1 8B',
  modelName: 'llama3.1:8b',
  extraBody: { enable_thinking: false },
  inputPrice: null,
  cachedInputPrice: null,
  outputPrice: null,
};

export const PLATFORM_EXAMPLE: PlatformView = {
  id: 7,
  name: 'My OpenRouter',
  baseUrl: 'https://openrouter.ai/api/v1',
  isSystem: false,
  isDefault: true,
  sortOrder: 0,
  keySource: 'encrypted',
  apiKeyEnv: null,
  maskedKey: 'sk-or-v1-…9f3a',
  usable: true,
  unusableReason: null,
  enabled: true,
  lastTest: null,
  coolingUntil: null,
  models: [MODEL_EXAMPLE],
};

export const SYSTEM_PLATFORM_EXAMPLE: PlatformView = {
  id: 1,
  name: 'DeepSeek',
  baseUrl: 'https://api.deepseek.com/v1',
  isSystem: true,
  isDefault: true,
  sortOrder: 0,
  keySource: 'env',
  apiKeyEnv: 'DEEPSEEK_API_KEY',
  maskedKey: 'sk-…abcd',
  usable: true,
  unusableReason: null,
  enabled: true,
  lastTest: { at: '2026-01-20T08:30:00.000Z', ok: true, detail: 'DeepSeek-V3 · 412 ms' },
  coolingUntil: null,
  models: [
    { id: 2, platformId: 1, displayName: 'DeepSeek-V3', modelName: 'deepseek-chat', extraBody: null, inputPrice: 0.27, cachedInputPrice: 0.07, outputPrice: 1.1 },
  ],
};

export const USER_KEY_EXAMPLE: UserPlatformKeyView = {
  platformId: 1,
  platformName: 'DeepSeek',
  maskedKey: 'sk-…cdef',
  updatedAt: new Date('2026-01-31T08:00:00.000Z'),
};
