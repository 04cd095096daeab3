import { field, h, modal, setFieldError, submitDialogForm } from './dom.js';
import { t } from './i18n.js';

/** Parses the extra_body editor: '' → null, a JSON object → it, anything else → an error message. */
export function parseExtraBody(text) {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  try {
    const value = JSON.parse(trimmed);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: t('model.extraNotObject') };
    return { value };
  } catch (error) {
    return { error: t('model.extraInvalid', { detail: error.message }) };
  }
}

/** Parses a price field (USD per 1M tokens): '' → null, a number ≥ 0 → it, anything else → an error message. */
export function parsePrice(text) {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  return Number.isFinite(value) && value >= 0 ? { value } : { error: t('model.priceInvalid') };
}

const PRICES = [
  ['inputPrice', 'model-input-price', 'model.inputPrice'],
  ['cachedInputPrice', 'model-cached-input-price', 'model.cachedInputPrice'],
  ['outputPrice', 'model-output-price', 'model.outputPrice'],
];

/**
 * The "add / edit model" dialog: display name, model id, extra_body JSON validated as you type, the three prices
 * (USD per 1M tokens; blank = none). `save(model)` is
 * called with the fields; the dialog stays open showing the server's message when it fails.
 */
export function openModelDialog({ title, initial = {}, save }) {
  return modal(title, (close) => {
    const displayName = h('input#model-display-name', { value: initial.displayName ?? '', maxlength: 100, required: true });
    const modelName = h('input#model-name', { value: initial.modelName ?? '', maxlength: 200, required: true, class: 'mono' });
    const extra = h('textarea#model-extra-body', { rows: 5, placeholder: '{ "enable_thinking": false }', spellcheck: 'false' });
    extra.value = initial.extraBody ? JSON.stringify(initial.extraBody, null, 2) : '';
    const prices = PRICES.map(([key, id, label]) => {
      const input = h(`input#${id}`, { type: 'text', inputmode: 'decimal', value: initial[key] ?? '', placeholder: '—', class: 'mono' });
      input.addEventListener('input', () => setFieldError(input, parsePrice(input.value).error));
      return { key, input, label };
    });
    const serverError = h('div.alert.error#model-form-error', { hidden: true });
    const validateExtra = () => setFieldError(extra, parseExtraBody(extra.value).error);
    extra.addEventListener('input', validateExtra);
    const submit = h('button.primary#model-save', { type: 'submit' }, t('common.save'));
    const form = h('form', { novalidate: true, class: 'stack' },
      field(t('model.displayName'), displayName, t('model.displayNameHint')),
      field(t('model.modelName'), modelName, t('model.modelNameHint')),
      field(t('model.extraBody'), extra, t('model.extraBodyHint')),
      h('div.row', {}, ...prices.map(({ input, label }) => field(t(label), input))),
      h('p.hint', {}, t('model.pricesHint')),
      serverError,
      h('div.row.end', {}, h('button', { type: 'button', onclick: () => close(null) }, t('common.cancel')), submit));
    let parsed = { value: null };
    return submitDialogForm(form, {
      submit,
      serverError,
      close,
      validate: () => {
        const okName = setFieldError(displayName, displayName.value.trim() ? '' : t('common.required'));
        const okModel = setFieldError(modelName, modelName.value.trim() ? '' : t('common.required'));
        parsed = parseExtraBody(extra.value);
        setFieldError(extra, parsed.error);
        const okPrices = prices.map(({ input }) => setFieldError(input, parsePrice(input.value).error)).every(Boolean);
        return okName && okModel && !parsed.error && okPrices;
      },
      action: async () =>
        (await save({
          displayName: displayName.value.trim(),
          modelName: modelName.value.trim(),
          extraBody: parsed.value,
          ...Object.fromEntries(prices.map(({ key, input }) => [key, parsePrice(input.value).value])),
        })) ?? true,
    });
  });
}
