// One shape for both modes: DB mode talks to the system-platform routes (applies at once), YAML mode to the
// console's YAML routes (edits llm_mgr_cfg.yaml, applies on restart). Pages only see these functions.
import { del, get, post, put, seg } from './api.js';

// The three prices travel with every model: the edit dialog sends them back, so a model shown without them would lose them.
const prices = (m) => ({ inputPrice: m.inputPrice ?? null, cachedInputPrice: m.cachedInputPrice ?? null, outputPrice: m.outputPrice ?? null });

const dbPlatform = (p) => ({
  id: p.id, name: p.name, baseUrl: p.baseUrl, isDefault: p.isDefault, keySource: p.keySource, apiKeyEnv: p.apiKeyEnv,
  maskedKey: p.maskedKey, usable: p.usable, problem: p.unusableReason, enabled: p.enabled, lastTest: p.lastTest,
  coolingUntil: p.coolingUntil ?? null,
  models: p.models.map((m) => ({ id: m.id, displayName: m.displayName, modelName: m.modelName, extraBody: m.extraBody, ...prices(m) })),
});

const yamlPlatform = (p) => ({
  id: p.name, name: p.name, baseUrl: p.baseUrl, isDefault: p.isDefault, keySource: p.keySource, apiKeyEnv: p.apiKeyEnv,
  maskedKey: p.maskedKey, usable: p.keyProblem === null, problem: p.keyProblem, coolingUntil: null,
  models: p.models.map((m) => ({ id: m.displayName, displayName: m.displayName, modelName: m.modelName, extraBody: m.extraBody, ...prices(m) })),
});

export const dbCatalogue = {
  mode: 'db',
  keyModes: ['encrypted', 'env', 'none'],
  async load() {
    return { platforms: (await get('/api/ai/admin/sys-platforms')).map(dbPlatform), warnings: [] };
  },
  addPlatform: (input) => post('/api/ai/admin/sys-platform', input),
  updatePlatform: (id, patch) => put('/api/ai/admin/sys-platform', { id, ...patch }),
  deletePlatform: (id) => del(`/api/ai/admin/sys-platform?id=${id}`),
  setDefault: (id) => post(`/api/ai/admin/sys-platform/${id}/default`),
  setKey(id, { mode, apiKey, apiKeyEnv }) {
    if (mode === 'encrypted') return post('/api/ai/admin/sys-platform/api-key', { platformId: id, apiKey });
    if (mode === 'env') return put('/api/ai/admin/sys-platform', { id, apiKey: null, apiKeyEnv });
    return put('/api/ai/admin/sys-platform', { id, apiKey: null, apiKeyEnv: null });
  },
  probe: (id, override) => post('/api/ai/admin/probe', override.baseUrl ? override : { platformId: id }),
  addModel: (id, model) => post(`/api/ai/admin/sys-platform/${id}/models`, model),
  updateModel: (_platformId, modelId, model) => put(`/api/ai/admin/sys-model/${modelId}`, model),
  deleteModel: (_platformId, modelId) => del(`/api/ai/admin/sys-model/${modelId}`),
  testModel: (platformId, modelId) => post('/api/ai/admin/test-model', { platformId, modelId }),
  /** Issue 19: platform health (DB mode only; the YAML has no such switch). */
  testPlatform: (id) => post(`/api/ai/admin/sys-platform/${id}/test`),
  setEnabled: (id, enabled) => post(`/api/ai/admin/sys-platform/${id}/${enabled ? 'enable' : 'disable'}`),
  async loadUsages() {
    return (await get('/api/ai/admin/usages')).map((s) => ({
      usageKey: s.usage_key, platformId: s.platform_id, platform: s.platform_name, modelId: s.model_id, model: s.model_display_name,
      fallbacks: s.fallbacks,
    }));
  },
  /** Issue 18: the slot's fallback chain, `[{ platform_id, model_id }]`; the binding itself unchanged. */
  setFallbacks: (usage, chain) => put(`/api/ai/admin/usages/${seg(usage.usageKey)}`, {
    platformId: usage.platformId, modelId: usage.modelId, fallbacks: chain.map((f) => ({ platformId: f.platform_id, modelId: f.model_id })),
  }),
  setUsage: (usageKey, platform, model, isNew) =>
    isNew
      ? post('/api/ai/admin/usages', { usageKey, platformId: platform.id, modelId: model.id })
      : put(`/api/ai/admin/usages/${seg(usageKey)}`, { platformId: platform.id, modelId: model.id }),
  deleteUsage: (usageKey) => del(`/api/ai/admin/usages/${seg(usageKey)}`),
  builtInUsages: ['main', 'fast', 'reason'],
};

export const yamlCatalogue = {
  mode: 'yaml',
  keyModes: ['encrypted', 'env', 'plain', 'none'],
  async load() {
    const view = await get('/api/ai/admin/yaml');
    // Each warning with its code and details, so the console can say it in the operator's language.
    return { platforms: view.platforms.map(yamlPlatform), warnings: view.warningDetails ?? view.warnings.map((message) => ({ message })), path: view.path };
  },
  addPlatform: ({ name, baseUrl }) => post('/api/ai/admin/yaml/platforms', { name, baseUrl }),
  updatePlatform: (id, patch) => put(`/api/ai/admin/yaml/platforms/${seg(id)}`, patch),
  deletePlatform: (id) => del(`/api/ai/admin/yaml/platforms/${seg(id)}`),
  setDefault: (id) => post(`/api/ai/admin/yaml/platforms/${seg(id)}/default`),
  setKey: (id, input) => post(`/api/ai/admin/yaml/platforms/${seg(id)}/api-key`, input),
  probe: (id, override) => post(`/api/ai/admin/yaml/platforms/${seg(id)}/probe`, override),
  addModel: (id, model) => post(`/api/ai/admin/yaml/platforms/${seg(id)}/models`, model),
  updateModel: (id, modelId, model) => put(`/api/ai/admin/yaml/platforms/${seg(id)}/models/${seg(modelId)}`, model),
  deleteModel: (id, modelId) => del(`/api/ai/admin/yaml/platforms/${seg(id)}/models/${seg(modelId)}`),
  testModel: (id, modelId) => post(`/api/ai/admin/yaml/platforms/${seg(id)}/models/${seg(modelId)}/test`),
  async loadUsages() {
    const view = await get('/api/ai/admin/yaml');
    return view.usages.map((u) => ({ usageKey: u.usageKey, platformId: u.platform, platform: u.platform, modelId: u.model, model: u.model }));
  },
  setUsage: (usageKey, platform, model) => put(`/api/ai/admin/yaml/usages/${seg(usageKey)}`, { platform: platform.name, model: model.displayName }),
  deleteUsage: (usageKey) => del(`/api/ai/admin/yaml/usages/${seg(usageKey)}`),
  builtInUsages: [],
};

export const catalogueFor = (mode) => (mode === 'yaml' ? yamlCatalogue : dbCatalogue);
