import { catalogueFor } from './catalogue.js';
import { busy, confirmDialog, field, h, modal, mount, setFieldError, showError, submitDialogForm, submitOnEnter, table, toast } from './dom.js';
import { t } from './i18n.js';
import { openModelDialog } from './model-form.js';
import { errorText } from './error-text.js';
import { healthBadges, healthControls, lastTestLine, testAll } from './platform-health.js';

/** Platforms and models: the heart of the original GUI, in DB or YAML mode. */
export async function renderPlatforms(root, ctx) {
  const cat = catalogueFor(ctx.mode);
  const state = { selectedId: ctx.selection?.platform ?? null, probe: null, tests: {}, testAllText: '' };
  let data;

  async function reload() {
    try {
      data = await cat.load();
    } catch (error) {
      mount(root, h('h2', {}, t('nav.platforms')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    if (!data.platforms.some((p) => p.id === state.selectedId)) state.selectedId = data.platforms[0]?.id ?? null;
    render();
  }

  const selected = () => data.platforms.find((p) => p.id === state.selectedId);

  function keyBadge(p) {
    if (p.keySource === 'env') return h('span.badge.mono', {}, `{${p.apiKeyEnv}}`);
    if (p.keySource === 'encrypted') return h('span.badge.ok.mono', { title: t('key.encrypted') }, `ENC ${p.maskedKey ?? ''}`);
    if (p.keySource === 'plain') return h('span.badge.warn.mono', { title: t('key.plainWarning') }, `PLAIN ${p.maskedKey ?? ''}`);
    return h('span.badge', {}, t('key.none'));
  }

  function render() {
    const p = selected();
    mount(root,
      h('div.row', {}, h('h2', {}, t('nav.platforms')), h('span.muted', {}, ctx.mode === 'yaml' ? data.path : t('platforms.dbHint'))),
      // Each YAML warning in the operator's language, by its code and details.
      data.warnings.length ? h('div.alert.warn#yaml-warnings', {}, data.warnings.map((w) => h('div', { dataset: { code: w.code ?? '' } }, errorText(w)))) : null,
      h('div.split', {},
        h('div.card', {},
          h('div.row', {},
            h('h3', {}, t('platforms.list')),
            // Before "+ Add platform": Tab from that button still goes straight to the rows.
            cat.testPlatform ? testAllButton() : null,
            h('button.primary#add-platform', { type: 'button', onclick: addPlatform }, `+ ${t('platforms.add')}`)),
          cat.testPlatform ? h('div.hint#test-all-progress', { role: 'status', 'aria-live': 'polite' }, state.testAllText) : null,
          table([
            { label: t('platforms.name'), render: (row) => [row.name, row.isDefault ? h('span.badge', {}, t('platforms.default')) : null,
              row.usable ? null : h('span.badge.bad', { title: row.problem ?? '' }, t('platforms.unusable')), coolingBadge(row),
              cat.testPlatform ? healthBadges(row) : null] },
            { label: t('platforms.key'), render: keyBadge },
            { label: t('platforms.models'), num: true, render: (row) => row.models.length },
          ], data.platforms, {
            empty: t('platforms.none'), rowId: (row) => row.id, selected: state.selectedId,
            onRowClick: (row) => { state.selectedId = row.id; state.probe = null; render(); },
          }),
          p ? h('div.row', { style: 'margin-top:12px' },
            h('button#set-default', { type: 'button', disabled: p.isDefault, onclick: (e) => busy(e.currentTarget, async () => {
              await cat.setDefault(p.id); await reload(); toast(t('platforms.defaultDone', { name: p.name }), 'ok');
            }) }, `⇈ ${t('platforms.setDefault')}`),
            h('button.danger#delete-platform', { type: 'button', onclick: () => deletePlatform(p) }, t('platforms.delete'))) : null),
        p ? detail(p) : h('div.card.empty', {}, t('platforms.pick'))));
  }

  /** "Test all" (DB mode): every platform's test, with its progress under the button, then the list again. */
  function testAllButton() {
    const button = h('button#test-all', { type: 'button' }, t('health.testAll'));
    button.addEventListener('click', () => busy(button, async () => {
      state.testAllText = await testAll(cat, data.platforms, (text) => {
        const slot = document.getElementById('test-all-progress');
        if (slot) slot.textContent = text;
      });
      await reload();
      document.getElementById('test-all')?.focus();
    }));
    return button;
  }

  function detail(p) {
    const name = h('input#platform-name', { value: p.name, maxlength: 100 });
    const baseUrl = h('input#platform-base-url', { value: p.baseUrl, class: 'mono' });
    const saveBtn = h('button.primary#save-platform', { type: 'submit' }, t('common.save'));
    const form = h('form.grid2', { novalidate: true }, field(t('platforms.name'), name), field(t('platforms.baseUrl'), baseUrl),
      h('div.row', {}, saveBtn));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!validatePlatform(name, baseUrl)) return;
      busy(saveBtn, async () => {
        const patch = {};
        if (name.value.trim() !== p.name) patch.name = name.value.trim();
        if (baseUrl.value.trim() !== p.baseUrl) patch.baseUrl = baseUrl.value.trim();
        await cat.updatePlatform(p.id, patch);
        if (ctx.mode === 'yaml' && patch.name) state.selectedId = patch.name;
        await reload();
        toast(t('common.saved'), 'ok');
      });
    });
    return h('div.card.stack#platform-detail', {},
      h('h3', {}, p.name, p.isDefault ? h('span.badge', {}, t('platforms.default')) : null,
        p.usable ? null : h('span.badge.bad', {}, t('platforms.unusable')), coolingBadge(p),
        p.enabled === false ? h('span.badge.warn', {}, t('health.disabled')) : null),
      p.problem ? h('div.alert.warn', {}, p.problem) : null,
      cat.setEnabled && !p.enabled ? h('div.alert.warn#platform-disabled', {}, t('health.disabledHint')) : null,
      cat.setEnabled ? healthControls(cat, p, reload) : null,
      cat.testPlatform ? lastTestLine(p) : null,
      form,
      keySection(p),
      modelsSection(p),
      probeSection(p));
  }

  function keySection(p) {
    const current = h('div.row', {}, h('span.muted', {}, t('key.current')), keyBadge(p));
    const modes = cat.keyModes;
    // The radio shows what the platform has: after "No key" is saved it stays on "No key".
    let mode = p.keySource === 'env' ? 'env' : p.keySource === 'none' && modes.includes('none') ? 'none' : 'encrypted';
    const keyInput = h('input#key-value', { type: 'password', autocomplete: 'off', placeholder: 'sk-…', class: 'mono' });
    const envInput = h('input#key-env', { value: p.apiKeyEnv ?? '', placeholder: 'DEEPSEEK_API_KEY', class: 'mono' });
    const keyField = field(t('key.value'), keyInput);
    const envField = field(t('key.envName'), envInput, t('key.envHint'));
    const plainWarn = h('div.alert.warn', {}, t('key.plainWarning'));
    const sync = () => {
      keyField.hidden = !(mode === 'encrypted' || mode === 'plain');
      envField.hidden = mode !== 'env';
      plainWarn.hidden = mode !== 'plain';
    };
    const radios = h('div.row', { role: 'radiogroup' }, modes.map((m) => h('label.inline', {},
      h('input', { type: 'radio', name: 'key-mode', value: m, id: `key-mode-${m}`, checked: m === mode, onchange: () => { mode = m; sync(); } }),
      t(`key.mode.${m}`))));
    const saveBtn = h('button.primary#save-key', { type: 'button' }, t('key.save'));
    submitOnEnter(keyInput, saveBtn);
    submitOnEnter(envInput, saveBtn);
    saveBtn.addEventListener('click', async () => {
      if (mode === 'encrypted' || mode === 'plain') {
        if (!setFieldError(keyInput, keyInput.value.trim() ? '' : t('common.required'))) return;
      }
      if (mode === 'env' && !setFieldError(envInput, /^[A-Za-z_][A-Za-z0-9_]*$/.test(envInput.value.trim()) ? '' : t('key.envInvalid'))) return;
      const input = { mode };
      if (mode === 'encrypted' || mode === 'plain') input.apiKey = keyInput.value.trim();
      if (mode === 'env') input.apiKeyEnv = envInput.value.trim();
      if (mode === 'plain') {
        const ok = await confirmDialog(t('key.plainConfirmTitle'), t('key.plainConfirm', { name: p.name }), { confirmLabel: t('key.plainConfirmButton') });
        if (!ok) return;
        input.confirmPlaintext = true;
      }
      await busy(saveBtn, async () => {
        await cat.setKey(p.id, input);
        keyInput.value = '';
        await reload();
        toast(t(mode === 'none' ? 'key.removed' : mode === 'env' ? 'key.savedEnv' : 'key.saved'), 'ok');
      });
    });
    sync();
    return h('section#key-section', {}, h('h3', {}, t('key.title')), current, radios, keyField, envField, plainWarn, h('div.row', {}, saveBtn));
  }

  function modelsSection(p) {
    const rows = table([
      { label: t('model.displayName'), render: (m) => m.displayName },
      { label: t('model.modelName'), render: (m) => h('span.mono', {}, m.modelName) },
      { label: 'extra_body', render: (m) => (m.extraBody ? h('span.mono', {}, JSON.stringify(m.extraBody)) : '—') },
      { label: t('model.prices'), render: (m) => priceCell(m) },
      { label: t('model.test'), render: (m) => testCell(p, m) },
      { label: '', render: (m) => h('div.row', {},
        h('button.small', { type: 'button', dataset: { action: 'edit-model' }, onclick: () => editModel(p, m) }, t('common.edit')),
        h('button.small.danger', { type: 'button', dataset: { action: 'delete-model' }, onclick: () => deleteModel(p, m) }, t('common.delete'))) },
    ], p.models, { empty: t('model.none'), rowId: (m) => m.id });
    return h('section#models-section', {},
      h('div.row', {}, h('h3', {}, t('model.title')),
        h('button#add-model', { type: 'button', onclick: () => addModel(p, {}) }, `+ ${t('model.add')}`)),
      rows);
  }

  function testCell(p, m) {
    const result = state.tests[`${p.id}/${m.id}`];
    const out = result
      ? result.ok
        ? h('span.badge.ok.test-result', {}, t('model.testOk', { ms: result.latencyMs }))
        : h('span.badge.bad.test-result', { title: result.status ? `HTTP ${result.status}` : '' }, result.error)
      : null;
    const btn = h('button.small', { type: 'button', dataset: { action: 'test-model' } }, t('model.test'));
    btn.addEventListener('click', () => busy(btn, async () => {
      state.tests[`${p.id}/${m.id}`] = await cat.testModel(p.id, m.id);
      // The platform's last test (kept on the server in DB mode) changed too.
      await reload();
    }));
    return h('div.row', {}, btn, out);
  }

  function probeSection(p) {
    const keyInput = h('input#probe-key', { type: 'password', autocomplete: 'off', placeholder: t('probe.keyPlaceholder'), class: 'mono' });
    const btn = h('button#probe', { type: 'button' }, t("probe.run"));
    submitOnEnter(keyInput, btn);
    btn.addEventListener('click', () => busy(btn, async () => {
      state.probe = null;
      try {
        const override = keyInput.value.trim() ? { baseUrl: p.baseUrl, apiKey: keyInput.value.trim() } : {};
        state.probe = { models: (await cat.probe(p.id, override)).models };
      } catch (error) {
        state.probe = { error };
      }
      render();
    }));
    const known = new Set(p.models.map((m) => m.modelName));
    let result = null;
    if (state.probe?.error) result = h('div.alert.error#probe-error', {}, errorText(state.probe.error));
    else if (state.probe) {
      result = state.probe.models.length
        ? h('div.probe-list#probe-results', {}, state.probe.models.map((id) => h('div', { dataset: { model: id } },
            h('span.mono', {}, id),
            known.has(id)
              ? h('span.badge.ok', {}, t('probe.added'))
              : h('button.small', { type: 'button', onclick: () => addModel(p, { displayName: id, modelName: id }) }, `+ ${t('probe.add')}`))))
        : h('div.empty', {}, t('probe.empty'));
    }
    return h('section#probe-section', {}, h('h3', {}, t('probe.title')), h('p.hint', {}, t('probe.hint')),
      h('div.row', {}, keyInput, btn), result);
  }

  function validatePlatform(name, baseUrl) {
    const okName = setFieldError(name, name.value.trim() ? '' : t('common.required'));
    let urlError = '';
    try {
      const url = new URL(baseUrl.value.trim());
      if (url.protocol !== 'http:' && url.protocol !== 'https:') urlError = t('platforms.urlInvalid');
    } catch {
      urlError = t('platforms.urlInvalid');
    }
    return setFieldError(baseUrl, urlError) && okName;
  }

  async function addPlatform() {
    const created = await modal(t('platforms.add'), (close) => {
      const name = h('input#new-platform-name', { maxlength: 100 });
      const baseUrl = h('input#new-platform-base-url', { placeholder: 'https://api.deepseek.com/v1', class: 'mono' });
      const serverError = h('div.alert.error#platform-form-error', { hidden: true });
      const submit = h('button.primary#new-platform-save', { type: 'submit' }, t('common.add'));
      const form = h('form.stack', { novalidate: true }, field(t('platforms.name'), name), field(t('platforms.baseUrl'), baseUrl, t('platforms.baseUrlHint')),
        serverError, h('div.row.end', {}, h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')), submit));
      return submitDialogForm(form, {
        submit,
        serverError,
        close,
        validate: () => validatePlatform(name, baseUrl),
        action: async () => {
          await cat.addPlatform({ name: name.value.trim(), baseUrl: baseUrl.value.trim() });
          return name.value.trim();
        },
      });
    });
    if (!created) return;
    toast(t('platforms.added', { name: created }), 'ok');
    data = await cat.load();
    state.selectedId = data.platforms.find((p) => p.name === created)?.id ?? state.selectedId;
    state.probe = null;
    render();
  }

  /** The sentence naming the system bindings a delete would remove (YAML) or leave unbound (DB); '' when none. */
  async function bindingsTouched(uses) {
    const keys = (await cat.loadUsages()).filter(uses).map((u) => u.usageKey);
    if (keys.length === 0) return '';
    return t(cat.mode === 'yaml' ? 'bindings.yamlRemoves' : 'bindings.dbUnbinds', { keys: keys.join(', ') });
  }

  async function deletePlatform(p) {
    const also = await bindingsTouched((u) => String(u.platformId) === String(p.id)).catch((error) => void showError(error));
    if (also === undefined) return;
    if (!(await confirmDialog(t('platforms.delete'), t('platforms.deleteConfirm', { name: p.name }), { also }))) return;
    try {
      const result = await cat.deletePlatform(p.id);
      state.selectedId = null;
      await reload();
      toast(t('platforms.deleted', { name: p.name }) + (result?.removedUsages?.length ? `\n${t('usages.removed', { keys: result.removedUsages.join(', ') })}` : ''), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  async function addModel(p, initial) {
    const saved = await openModelDialog({ title: t('model.addTo', { name: p.name }), initial, save: (model) => cat.addModel(p.id, model) });
    if (!saved) return;
    await reload();
    toast(t('model.added'), 'ok');
  }

  async function editModel(p, m) {
    const saved = await openModelDialog({ title: t('model.edit'), initial: m, save: (model) => cat.updateModel(p.id, m.id, model) });
    if (!saved) return;
    await reload();
    toast(t('common.saved'), 'ok');
  }

  async function deleteModel(p, m) {
    const also = await bindingsTouched((u) => String(u.platformId) === String(p.id) && String(u.modelId) === String(m.id)).catch((error) => void showError(error));
    if (also === undefined) return;
    if (!(await confirmDialog(t('model.delete'), t('model.deleteConfirm', { name: m.displayName }), { also }))) return;
    try {
      await cat.deleteModel(p.id, m.id);
      await reload();
      toast(t('model.deleted'), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  await reload();
}

/** `in 2 · cached 0.5 · out 8` (USD per 1M tokens), or "unpriced" when the model has neither input nor output price. */
function priceCell(m) {
  if (m.inputPrice == null && m.outputPrice == null) return h('span.hint', {}, t('model.unpriced'));
  const part = (label, value) => (value == null ? null : `${label} ${value}`);
  const text = [part(t('model.priceIn'), m.inputPrice), part(t('model.priceCached'), m.cachedInputPrice), part(t('model.priceOut'), m.outputPrice)]
    .filter(Boolean)
    .join(' · ');
  return h('span.mono', { title: t('model.pricesUnit') }, text);
}

/** Issue 18: the platform's key is skipped after repeated failures until this time (DB mode only). */
function coolingBadge(platform) {
  if (!platform.coolingUntil) return null;
  const until = new Date(platform.coolingUntil).toLocaleTimeString();
  return h('span.badge.warn.cooling', { title: t('platforms.coolingHint') }, t('platforms.cooling', { until }));
}
