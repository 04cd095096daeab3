// Issue 18: rate limits (rpm, tpm, concurrent) per user, slot of a user or API token; where counters live, the default.
import { del, get, seg } from './api.js';
import { busy, confirmDialog, field, fmt, h, mount, setFieldError, showError, table, toast } from './dom.js';
import { errorText } from './error-text.js';
import { t } from './i18n.js';
import { putReplacing, userFilterForm } from './user-scoped.js';

const PATH = '/api/ai/admin/rate-limits';
const KINDS = ['rpm', 'tpm', 'concurrent'];
const SCOPES = ['user', 'slot', 'token'];
const scopeOf = (r) => (r.scope === 'slot' ? t('rl.scopeSlot', { slot: r.usageKey }) : r.scope === 'token' ? t('rl.scopeToken', { id: r.tokenId }) : t('rl.scopeUser'));
const whoOf = (r) => (r.tokenId !== null && r.tokenId !== undefined ? t('rl.scopeToken', { id: r.tokenId }) : r.userId);
const limitsNothing = (r) => KINDS.every((k) => r[k] === null || r[k] === undefined);
/** `60 rpm · 100,000 tpm · 4 concurrent`, or "none". */
const describe = (limits) => (!limits || limitsNothing(limits) ? t('rl.noDefault')
  : KINDS.filter((k) => limits[k] !== null && limits[k] !== undefined).map((k) => `${fmt(limits[k])} ${t(`rl.${k}`)}`).join(' · '));
/** A limit as typed: blank is none; a number is sent as one; anything else as typed, for the server to refuse. */
const limitValue = (input) => {
  const text = input.value.trim();
  return text === '' ? null : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
};

/** Where the counters live, the default per-user limit, every limit (or one user's), a form to set one. */
export async function renderRateLimits(root, ctx) {
  const state = { filter: ctx.selection?.rateLimitUser ?? '', editing: null };
  let view = { backend: 'database', defaultUser: null, limits: [] };

  async function reload() {
    try {
      view = await get(`${PATH}${state.filter ? `?userId=${seg(state.filter)}` : ''}`);
    } catch (error) {
      mount(root, h('h2', {}, t('nav.rateLimits')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render();
  }

  function render() {
    mount(root,
      h('h2', {}, t('nav.rateLimits')),
      h('p.muted', {}, t('rl.intro')),
      h('div.card#rate-limit-summary', {},
        h('p#rl-backend', {}, t('rl.backend'), ' ', h('strong', {}, t(`rl.backend.${view.backend}`))),
        h('p#rl-default', {}, t('rl.defaultUser'), ' ', h('strong', {}, describe(view.defaultUser)), h('span.hint', {}, ` ${t('rl.defaultHint')}`))),
      h('div.card#rate-limit-form-card', {}, h('h3', {}, t(state.editing ? 'rl.editTitle' : 'rl.setTitle')), limitForm(state.editing ?? {})),
      h('div.card#rate-limits-card', {},
        h('div.row', {}, h('h3', {}, t('rl.list')), userFilterForm({
          id: 'rate-limit-filter', value: state.filter, label: t('rl.filter'), applyLabel: t('rl.filterApply'),
          onApply: (userId) => { state.filter = userId; return reload(); },
        })),
        table([
          { label: t('rl.scope'), render: (r) => [scopeOf(r), limitsNothing(r) ? h('span.badge.ok', { title: t('rl.exemptHint') }, t('rl.exempt')) : null] },
          { label: t('rl.user'), render: (r) => (r.userId === null ? '—' : h('span.mono', {}, r.userId)) },
          // On a phone the header is hidden: each number carries its name (shown there only).
          ...KINDS.map((k) => ({ label: t(`rl.${k}`), num: true, render: (r) => h('span', { dataset: { label: t(`rl.${k}`) } }, r[k] === null ? '—' : fmt(r[k])) })),
          { label: '', render: (r) => h('div.row', {},
            h('button.small', { type: 'button', dataset: { action: 'edit-rate-limit' }, onclick: () => edit(r) }, t('common.edit')),
            h('button.small.danger', { type: 'button', dataset: { action: 'delete-rate-limit' }, onclick: () => remove(r) }, t('common.delete'))) },
        ], view.limits, { empty: t('rl.none'), rowId: (r) => r.id })));
  }

  function limitForm(r) {
    const scope = h('select#rl-scope', {}, SCOPES.map((s) => h('option', { value: s }, t(`rl.scope.${s}`))));
    scope.value = r.scope ?? 'user';
    const user = h('input#rl-user', { placeholder: 'alice', maxlength: 64, value: r.userId ?? state.filter });
    const slot = h('input#rl-slot', { placeholder: 'main', maxlength: 64, class: 'mono', value: r.usageKey ?? '' });
    const token = h('input#rl-token', { inputmode: 'numeric', placeholder: '3', class: 'mono', value: r.tokenId ?? '' });
    const limits = Object.fromEntries(KINDS.map((k) => [k, h(`input#rl-${k}`, { inputmode: 'numeric', class: 'mono', placeholder: t('rl.noLimit'), value: r[k] ?? '' })]));
    const serverError = h('p.alert.error#rate-limit-error', { role: 'alert', hidden: true });
    const save = h('button.primary#save-rate-limit', { type: 'submit' }, t('rl.save'));
    const userField = field(t('rl.user'), user);
    const slotField = field(t('rl.slot'), slot, t('rl.slotHint'));
    const tokenField = field(t('rl.token'), token, t('rl.tokenHint'));
    const showScope = () => {
      userField.hidden = scope.value === 'token';
      slotField.hidden = scope.value !== 'slot';
      tokenField.hidden = scope.value !== 'token';
    };
    scope.addEventListener('change', showScope);
    showScope();
    const form = h('form.budget-form.rate-limit-form', { novalidate: true },
      field(t('rl.scope'), scope), userField, slotField, tokenField,
      ...KINDS.map((k) => field(t(`rl.${k}Long`), limits[k])),
      h('p.hint.wide', {}, t('rl.blankHint')), serverError,
      h('div.row.actions', {}, save,
        state.editing ? h('button#rl-cancel-edit', { type: 'button', onclick: () => { state.editing = null; render(); } }, t('common.cancel')) : null));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      // The server checks the user and the numbers (its message is shown); a slot limit without a slot would be a user's.
      if (!setFieldError(slot, scope.value === 'slot' && !slot.value.trim() ? t('common.required') : '')) return slot.focus();
      const tokenText = token.value.trim();
      const body = scope.value === 'token'
        ? { userId: null, usageKey: null, tokenId: /^\d+$/.test(tokenText) ? Number(tokenText) : tokenText || null }
        : { userId: user.value.trim() || null, usageKey: scope.value === 'slot' ? slot.value.trim() : null, tokenId: null };
      for (const k of KINDS) body[k] = limitValue(limits[k]);
      busy(save, async () => {
        try {
          await putReplacing(PATH, r, body);
        } catch (error) {
          serverError.hidden = false;
          serverError.textContent = showError(error);
          return;
        }
        state.editing = null;
        await reload();
        toast(t('rl.saved', { who: whoOf(body) }), 'ok');
      });
    });
    return form;
  }

  function edit(r) {
    state.editing = r;
    render();
    document.getElementById('rl-rpm')?.focus();
  }

  async function remove(r) {
    if (!(await confirmDialog(t('rl.delete'), t('rl.deleteConfirm', { who: whoOf(r), scope: scopeOf(r) })))) return;
    try {
      await del(`${PATH}/${r.id}`);
      if (state.editing?.id === r.id) state.editing = null;
      await reload();
      toast(t('rl.deleted'), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  await reload();
}
