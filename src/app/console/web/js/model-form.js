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

/**
 * The "add / edit model" dialog: display name, model id, extra_body JSON validated as you type. `save(model)` is
 * called with the fields; the dialog stays open showing the server's message when it fails.
 */
export function openModelDialog({ title, initial = {}, save }) {
  return modal(title, (close) => {
    const displayName = h('input#model-display-name', { value: initial.displayName ?? '', maxlength: 100, required: true });
    const modelName = h('input#model-name', { value: initial.modelName ?? '', maxlength: 200, required: true, class: 'mono' });
    const extra = h('textarea#model-extra-body', { rows: 5, placeholder: '{ "enable_thinking": false }', spellcheck: 'false' });
    extra.value = initial.extraBody ? JSON.stringify(initial.extraBody, null, 2) : '';
    const serverError = h('div.alert.error#model-form-error', { hidden: true });
    const validateExtra = () => setFieldError(extra, parseExtraBody(extra.value).error);
    extra.addEventListener('input', validateExtra);
    const submit = h('button.primary#model-save', { type: 'submit' }, t('common.save'));
    const form = h('form', { novalidate: true, class: 'stack' },
      field(t('model.displayName'), displayName, t('model.displayNameHint')),
      field(t('model.modelName'), modelName, t('model.modelNameHint')),
      field(t('model.extraBody'), extra, t('model.extraBodyHint')),
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
        return okName && okModel && !parsed.error;
      },
      action: async () =>
        (await save({ displayName: displayName.value.trim(), modelName: modelName.value.trim(), extraBody: parsed.value })) ?? true,
    });
  });
}
