import { del, get, post, put, seg } from './api.js';
import { busy, confirmDialog, field, fmt, h, mount, setFieldError, showError, table, toast } from './dom.js';
import { t } from './i18n.js';
import { bindingPicker } from './page-usages.js';
import { errorText } from './error-text.js';
import { tokenControlFields, tokenExpiry, tokenLimits, tokenStatus } from './token-controls.js';

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '—');

/** Users (anyone llm-mgr knows of), their API tokens, slots and own keys. */
export async function renderUsers(root, ctx) {
  const state = { selected: ctx.selection?.user ?? null, issued: null };
  let users;
  let detail = null;
  let platforms = [];

  async function reload() {
    try {
      users = await get('/api/ai/admin/users');
      platforms = await get('/api/ai/admin/sys-platforms');
      detail = state.selected ? await get(`/api/ai/admin/users/${seg(state.selected)}`) : null;
    } catch (error) {
      mount(root, h('h2', {}, t('nav.users')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render();
  }

  function render() {
    const userInput = h('input#token-user', { placeholder: 'alice', maxlength: 64, value: state.selected ?? '' });
    const nameInput = h('input#token-name', { placeholder: t('users.tokenNamePlaceholder'), maxlength: 100 });
    const issue = h('button.primary#issue-token', { type: 'submit' }, t('users.issue'));
    const controls = tokenControlFields();
    const form = h('form.row.token-form', { novalidate: true }, field(t('users.userId'), userInput), field(t('users.tokenName'), nameInput),
      ...controls.fields, issue);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const okUser = setFieldError(userInput, userInput.value.trim() ? '' : t('common.required'));
      const okName = setFieldError(nameInput, nameInput.value.trim() ? '' : t('common.required'));
      const limits = controls.read();
      if (!okUser || !okName || !limits) return;
      busy(issue, async () => {
        state.issued = await post('/api/ai/admin/tokens', { userId: userInput.value.trim(), name: nameInput.value.trim(), ...limits });
        state.selected = state.issued.userId;
        await reload();
      });
    });
    mount(root,
      h('h2', {}, t('nav.users')),
      h('div.card', {}, h('h3', {}, t('users.issueTitle')), form,
        state.issued ? issuedToken(state.issued.token) : null),
      h('div.split', {},
        h('div.card#users-table', {}, h('h3', {}, t('users.list')), table([
          { label: t('users.userId'), render: (u) => h('span.mono', {}, u.userId) },
          { label: t('users.slots'), num: true, render: (u) => u.slots },
          { label: t('users.keys'), num: true, render: (u) => u.ownKeys },
          { label: t('users.platforms'), num: true, render: (u) => u.privatePlatforms },
          { label: t('users.tokens'), num: true, render: (u) => u.activeTokens },
        ], users, { empty: t('users.none'), rowId: (u) => u.userId, selected: state.selected,
          onRowClick: (u) => { state.selected = u.userId; state.issued = null; reload(); } })),
        detail ? userDetail(detail) : h('div.card.empty', {}, t('users.pick'))));
  }

  function userDetail(d) {
    return h('div.card.stack#user-detail', {},
      h('h3', {}, `${t('users.user')}: `, h('span.mono', {}, d.userId)),
      h('section#user-tokens', {}, h('h3', {}, t('users.tokens')), table([
        // The id (what a per-token budget names) and the prefix under the name: the table fits its card at 1280 px.
        { label: t('users.tokenName'), render: (k) => [k.name, h('div.hint.mono', { title: t('users.prefix') }, `#${k.id} · ${k.prefix}…`)] },
        { label: t('users.created'), render: (k) => when(k.createdAt) },
        { label: t('users.lastUsed'), render: (k) => when(k.lastUsedAt) },
        { label: t('tokens.expiresAt'), render: tokenExpiry },
        { label: t('tokens.limits'), render: tokenLimits },
        { label: t('users.status'), render: tokenStatus },
        { label: '', render: (k) => (k.revokedAt ? null : h('button.small.danger', { type: 'button', dataset: { action: 'revoke' }, onclick: () => revoke(k) }, t('users.revoke'))) },
      ], d.tokens, { empty: t('users.noTokens'), rowId: (k) => k.id })),
      h('section#user-slots', {}, h('h3', {}, t('users.slots')), table([
        { label: t('usages.key'), render: (s) => h('strong.mono', {}, s.usage_key) },
        { label: t('usages.current'), render: (s) => (s.platform_name ? `${s.platform_name} / ${s.model_display_name}` : '—') },
        { label: t('users.rebind'), render: (s) => slotEditor(d, s) },
      ], d.slots, { empty: t('users.noSlots'), rowId: (s) => s.usage_key })),
      h('section#user-keys', {}, h('h3', {}, t('users.keys')), table([
        { label: t('platforms.name'), render: (k) => k.platformName },
        { label: t('key.value'), render: (k) => h('span.mono', {}, k.maskedKey ?? '') },
        { label: '', render: (k) => h('button.small.danger', { type: 'button', dataset: { action: 'delete-key' }, onclick: () => deleteKey(d, k) }, t('common.delete')) },
      ], d.keys, { empty: t('users.noKeys') }), keyForm(d)),
      d.platforms.length ? h('section', {}, h('h3', {}, t('users.platforms')), table([
        { label: t('platforms.name'), render: (p) => p.name },
        { label: t('platforms.baseUrl'), render: (p) => h('span.mono', {}, p.baseUrl) },
        { label: t('platforms.key'), render: (p) => h('span.mono', {}, p.maskedKey ?? '—') },
        { label: t('platforms.models'), num: true, render: (p) => fmt(p.models.length) },
      ], d.platforms)) : null);
  }

  function slotEditor(d, s) {
    const choices = [...platforms, ...d.platforms];
    const picker = bindingPicker(choices, { platformId: s.platform_id, modelId: s.model_id }, `slot-${s.usage_key}`);
    const save = h('button.small.primary', { type: 'button', dataset: { action: 'save-slot' } }, t('common.save'));
    save.addEventListener('click', () => busy(save, async () => {
      const chosen = picker.value();
      if (!chosen) return showError(new Error(t('usages.pickModel')));
      await put(`/api/ai/admin/users/${seg(d.userId)}/slots/${seg(s.usage_key)}`, { platformId: chosen.platform.id, modelId: chosen.model.id });
      await reload();
      toast(t('usages.saved', { key: s.usage_key }), 'ok');
    }));
    return h('div.row', {}, picker.platformSelect, picker.modelSelect, save);
  }

  function keyForm(d) {
    const platformSelect = h('select#user-key-platform', {}, platforms.map((p) => h('option', { value: String(p.id) }, p.name)));
    const keyInput = h('input#user-key-value', { type: 'password', autocomplete: 'off', placeholder: 'sk-…', class: 'mono' });
    const save = h('button.primary#save-user-key', { type: 'submit' }, t('key.save'));
    const form = h('form.row', { novalidate: true }, field(t('usages.platform'), platformSelect), field(t('key.value'), keyInput), save);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      if (!setFieldError(keyInput, keyInput.value.trim() ? '' : t('common.required'))) return;
      busy(save, async () => {
        await post(`/api/ai/admin/users/${seg(d.userId)}/api-key`, { platformId: Number(platformSelect.value), apiKey: keyInput.value.trim() });
        await reload();
        toast(t('key.saved'), 'ok');
      });
    });
    return form;
  }

  async function revoke(k) {
    if (!(await confirmDialog(t('users.revoke'), t('users.revokeConfirm', { name: k.name })))) return;
    try {
      await del(`/api/ai/admin/tokens/${k.id}`);
      await reload();
      toast(t('users.revokedDone'), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  async function deleteKey(d, k) {
    if (!(await confirmDialog(t('common.delete'), t('users.deleteKeyConfirm', { name: k.platformName })))) return;
    try {
      await del(`/api/ai/admin/users/${seg(d.userId)}/api-key/${k.platformId}`);
      await reload();
    } catch (error) {
      showError(error);
    }
  }

  await reload();
}

/** The token shown once, with a button that copies it (the clipboard API, or a selection where it is not allowed). */
function issuedToken(token) {
  const text = h('div.mono#issued-token-value', {}, token);
  const copy = h('button.small#copy-token', { type: 'button' }, t('users.copy'));
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(token);
      toast(t('users.copied'), 'ok');
    } catch {
      // Plain http on another host has no clipboard API: select the text for Ctrl+C instead.
      getSelection().selectAllChildren(text);
      toast(t('users.copyManually'), 'info');
    }
  });
  return h('div.secret-once#issued-token', {}, h('div.row', {}, h('strong', {}, t('users.tokenOnce')), copy), text);
}
