import { catalogueFor } from './catalogue.js';
import { busy, confirmDialog, field, h, mount, setFieldError, showError, table, toast } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './error-text.js';

/** A platform select and a model select that follows it; `initial` = { platformId, modelId }. */
export function bindingPicker(platforms, initial = {}, idPrefix = 'binding') {
  // A binding whose platform is gone says so: the picker must not look bound to whatever platform comes first.
  const unbound = initial.platformId !== undefined && !platforms.some((p) => String(p.id) === String(initial.platformId));
  const platformSelect = h(`select#${idPrefix}-platform`, {}, unbound ? h('option', { value: '' }, t('usages.unboundOption')) : null,
    platforms.map((p) => h('option', { value: String(p.id) }, p.name)));
  const modelSelect = h(`select#${idPrefix}-model`);
  const fill = () => {
    const platform = platforms.find((p) => String(p.id) === platformSelect.value);
    mount(modelSelect, (platform?.models ?? []).map((m) => h('option', { value: String(m.id) }, `${m.displayName} (${m.modelName})`)));
  };
  platformSelect.value = unbound ? '' : String(initial.platformId ?? platformSelect.value);
  fill();
  if (initial.modelId !== undefined && initial.modelId !== null) modelSelect.value = String(initial.modelId);
  platformSelect.addEventListener('change', fill);
  return {
    platformSelect,
    modelSelect,
    value() {
      const platform = platforms.find((p) => String(p.id) === platformSelect.value);
      const model = platform?.models.find((m) => String(m.id) === modelSelect.value);
      return platform && model ? { platform, model } : null;
    },
  };
}

/** System usage bindings (main / fast / reason and custom keys): what every user's slots start from. */
export async function renderUsages(root, ctx) {
  const cat = catalogueFor(ctx.mode);
  let platforms;
  let usages;
  async function reload() {
    try {
      platforms = (await cat.load()).platforms;
      usages = await cat.loadUsages();
    } catch (error) {
      mount(root, h('h2', {}, t('nav.usages')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render();
  }

  function render() {
    const rows = table([
      { label: t('usages.key'), render: (u) => h('strong.mono', {}, u.usageKey) },
      { label: t('usages.binding'), render: (u) => {
        const picker = bindingPicker(platforms, { platformId: u.platformId, modelId: u.modelId }, `usage-${u.usageKey}`);
        const save = h('button.small.primary', { type: 'button', dataset: { action: 'save-usage' } }, t('common.save'));
        save.addEventListener('click', () => busy(save, async () => {
          const chosen = picker.value();
          if (!chosen) return showError(new Error(t('usages.pickModel')));
          await cat.setUsage(u.usageKey, chosen.platform, chosen.model, false);
          await reload();
          toast(t('usages.saved', { key: u.usageKey }), 'ok');
        }));
        return h('div.row', {}, picker.platformSelect, picker.modelSelect, save);
      } },
      { label: t('usages.current'), render: (u) => (u.platform ? `${u.platform} / ${u.model}` : h('span.badge.bad', {}, t('usages.unbound'))) },
      ...(cat.setFallbacks ? [{ label: t('usages.fallbacks'), render: (u) => fallbackEditor(u) }] : []),
      { label: '', render: (u) => (cat.builtInUsages.includes(u.usageKey) ? null
        : h('button.small.danger', { type: 'button', dataset: { action: 'delete-usage' }, onclick: () => removeUsage(u) }, t('common.delete'))) },
    ], usages, { empty: t('usages.none'), rowId: (u) => u.usageKey });

    const keyInput = h('input#new-usage-key', { placeholder: 'vision', class: 'mono', maxlength: 64 });
    const picker = bindingPicker(platforms, {}, 'new-usage');
    const add = h('button.primary#add-usage', { type: 'submit' }, `+ ${t('usages.add')}`);
    const form = h('form.row', { novalidate: true }, field(t('usages.key'), keyInput), field(t('usages.platform'), picker.platformSelect),
      field(t('model.displayName'), picker.modelSelect), add);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const key = keyInput.value.trim();
      if (!setFieldError(keyInput, /^[A-Za-z0-9_.-]{1,64}$/.test(key) ? '' : t('usages.keyInvalid'))) return;
      const chosen = picker.value();
      if (!chosen) return showError(new Error(t('usages.pickModel')));
      busy(add, async () => {
        await cat.setUsage(key, chosen.platform, chosen.model, !usages.some((u) => u.usageKey === key));
        await reload();
        toast(t('usages.saved', { key }), 'ok');
      });
    });
    mount(root, h('h2', {}, t('nav.usages')), h('p.muted', {}, t('usages.intro')),
      h('div.card#usages-table', {}, rows), h('div.card', {}, h('h3', {}, t('usages.add')), form));
  }

  /**
   * Issue 18 (DB mode): the chain tried when the bound model fails before answering; add one model at a time, clear
   * it, and (issue 19) move a model up or down or remove it, by mouse or keyboard.
   */
  function fallbackEditor(u) {
    const chain = u.fallbacks ?? [];
    const picker = bindingPicker(platforms, {}, `usage-${u.usageKey}-fallback`);
    const save = (next) => async () => {
      await cat.setFallbacks(u, next);
      await reload();
      toast(t('usages.saved', { key: u.usageKey }), 'ok');
    };
    const add = h('button.small', { type: 'button', dataset: { action: 'add-fallback' } }, `+ ${t('usages.addFallback')}`);
    add.addEventListener('click', () => {
      const chosen = picker.value();
      if (!chosen) return showError(new Error(t('usages.pickModel')));
      busy(add, save([...chain, { platform_id: chosen.platform.id, model_id: chosen.model.id }]));
    });
    const clear = h('button.small.danger', { type: 'button', dataset: { action: 'clear-fallbacks' }, disabled: chain.length === 0 }, t('usages.clearFallbacks'));
    clear.addEventListener('click', () => busy(clear, save([])));
    const shown = chain.length
      ? h('ol.fallbacks.fallback-list', { dataset: { usage: u.usageKey } }, chain.map((f, index) => fallbackItem(u, chain, f, index, save)))
      : h('div.fallbacks.muted', {}, t('usages.noFallbacks'));
    return h('div', {}, shown, h('div.row', {}, picker.platformSelect, picker.modelSelect, add, clear));
  }

  /** One model of a chain with ↑ ↓ × buttons; after a move the focus follows the model to its new place. */
  function fallbackItem(u, chain, f, index, save) {
    const name = `${f.platform_name ?? '?'} / ${f.model_display_name ?? '?'}`;
    const moved = (to) => {
      const next = [...chain];
      const [item] = next.splice(index, 1);
      if (to !== null) next.splice(to, 0, item);
      return next;
    };
    const button = (action, label, glyph, to, disabled) => {
      const el = h(`button.small${action === 'remove' ? '.danger' : ''}`, {
        type: 'button', 'aria-label': label, title: label, disabled, dataset: { action: `fallback-${action}`, index: String(index) },
      }, glyph);
      el.addEventListener('click', () => busy(el, async () => {
        await save(moved(to))();
        const list = `ol[data-usage="${CSS.escape(u.usageKey)}"]`;
        // The same button of the moved model, else its other arrow (it reached an end), else the list's first button.
        const other = action === 'up' ? 'down' : 'up';
        const focus = to === null ? null
          : document.querySelector(`${list} [data-action="fallback-${action}"][data-index="${to}"]:not([disabled])`)
            ?? document.querySelector(`${list} [data-action="fallback-${other}"][data-index="${to}"]`);
        (focus ?? document.querySelector(`${list} button:not([disabled])`) ?? document.querySelector(`#usages-table tr[data-id="${CSS.escape(u.usageKey)}"] [data-action="add-fallback"]`))?.focus();
      }));
      return el;
    };
    return h('li', { dataset: { index: String(index) } }, h('span.name', {}, `${index + 1}. ${name}`),
      button('up', t('fallback.up', { name }), '↑', index - 1, index === 0),
      button('down', t('fallback.down', { name }), '↓', index + 1, index === chain.length - 1),
      button('remove', t('fallback.remove', { name }), '×', null, false));
  }

  async function removeUsage(u) {
    const question = t(cat.mode === 'yaml' ? 'usages.deleteConfirm' : 'usages.deleteConfirmDb', { key: u.usageKey });
    if (!(await confirmDialog(t('common.delete'), question))) return;
    try {
      await cat.deleteUsage(u.usageKey);
      await reload();
      toast(t('usages.removedOne', { key: u.usageKey }), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  await reload();
}
