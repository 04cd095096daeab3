// Issue 19: budgets per user (optionally one slot or one API token), their spend against the limit, set and delete.
import { del, get, seg } from './api.js';
import { busy, confirmDialog, field, h, mount, setFieldError, showError, table, toast } from './dom.js';
import { errorText } from './error-text.js';
import { t } from './i18n.js';
import { putReplacing, userFilterForm } from './user-scoped.js';

const PERIODS = ['day', 'week', 'month', 'total'];
const usd = (n) => Number(n ?? 0).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const scopeOf = (b) => (b.usageKey ? t('budgets.scopeSlot', { slot: b.usageKey }) : b.tokenId ? t('budgets.scopeToken', { id: b.tokenId }) : t('budgets.scopeAll'));

/** Every budget (or one user's), a form to set one, and each one's spend in its current window. */
export async function renderBudgets(root, ctx) {
  const state = { filter: ctx.selection?.budgetUser ?? '', editing: null };
  let budgets = [];
  let spend = null;

  async function reload() {
    try {
      budgets = await get(`/api/ai/admin/budgets${state.filter ? `?userId=${seg(state.filter)}` : ''}`);
      spend = state.filter ? await get(`/api/ai/admin/budgets/spend/${seg(state.filter)}`) : null;
    } catch (error) {
      mount(root, h('h2', {}, t('nav.budgets')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render();
  }

  function render() {
    mount(root,
      h('h2', {}, t('nav.budgets')),
      h('p.muted', {}, t('budgets.intro')),
      h('div.card#budget-form-card', {}, h('h3', {}, t('budgets.setTitle')), budgetForm(state.editing ?? {})),
      h('div.card#budgets-card', {},
        h('div.row', {}, h('h3', {}, t('budgets.list')), userFilterForm({
          id: 'budget-filter', value: state.filter, label: t('budgets.filter'), applyLabel: t('budgets.filterApply'),
          onApply: (userId) => { state.filter = userId; return reload(); },
        })),
        spend ? h('p#budget-spend', {}, t('budgets.allTime', { user: spend.userId, usd: usd(spend.spentUsd) }),
          spend.unpricedCalls ? h('span.badge.warn', {}, t('budgets.unpricedCalls', { n: spend.unpricedCalls })) : null) : null,
        table([
          { label: t('budgets.user'), render: (b) => h('span.mono', {}, b.userId) },
          { label: t('budgets.scope'), render: scopeOf },
          { label: t('budgets.period'), render: (b) => [t(`budgets.period.${b.period}`), h('div.hint', {}, b.timeZone)] },
          { label: t('budgets.mode'), render: (b) => (b.hard ? h('span.badge.bad', {}, t('budgets.hard')) : h('span.badge.warn', {}, t('budgets.soft'))) },
          { label: t('budgets.spend'), render: spendCell },
          { label: t('budgets.resets'), render: (b) => (b.resetsAt ? new Date(b.resetsAt).toLocaleString() : t('budgets.never')) },
          { label: '', render: (b) => h('div.row', {},
            h('button.small', { type: 'button', dataset: { action: 'edit-budget' }, onclick: () => edit(b) }, t('budgets.edit')),
            h('button.small.danger', { type: 'button', dataset: { action: 'delete-budget' }, onclick: () => remove(b) }, t('budgets.delete'))) },
        ], budgets, { empty: t('budgets.none'), rowId: (b) => b.id })));
  }

  /** `1.25 / 5.00 USD` with a bar: amber from 80 %, red at the limit. */
  function spendCell(b) {
    const share = b.limitUsd > 0 ? (b.spentUsd + b.reservedUsd) / b.limitUsd : b.spentUsd > 0 ? 1 : 0;
    const level = share >= 1 ? '.bad' : share >= 0.8 ? '.warn' : '';
    return h('div.spend', {},
      h('span.mono', {}, `${usd(b.spentUsd)} / ${usd(b.limitUsd)} USD`),
      b.reservedUsd > 0 ? h('span.hint', {}, ` ${t('budgets.reserved', { usd: usd(b.reservedUsd) })}`) : null,
      h(`div.meter${level}`, { role: 'meter', 'aria-valuemin': '0', 'aria-valuemax': String(b.limitUsd), 'aria-valuenow': String(b.spentUsd), 'aria-label': t('budgets.spend') },
        h('i', { style: `width:${Math.min(100, share * 100).toFixed(1)}%` })));
  }

  function budgetForm(b) {
    const user = h('input#budget-user', { placeholder: 'alice', maxlength: 64, value: b.userId ?? state.filter });
    const limit = h('input#budget-limit', { type: 'text', inputmode: 'decimal', placeholder: '5', class: 'mono', value: b.limitUsd ?? '' });
    const period = h('select#budget-period', {}, PERIODS.map((p) => h('option', { value: p }, t(`budgets.period.${p}`))));
    period.value = b.period ?? 'month';
    const timeZone = h('input#budget-tz', { placeholder: 'UTC', maxlength: 64, class: 'mono', value: b.timeZone ?? '' });
    const mode = h('select#budget-hard', {}, h('option', { value: 'hard' }, t('budgets.hard')), h('option', { value: 'soft' }, t('budgets.soft')));
    mode.value = b.hard === false ? 'soft' : 'hard';
    const slot = h('input#budget-slot', { placeholder: 'main', maxlength: 64, class: 'mono', value: b.usageKey ?? '' });
    const token = h('input#budget-token', { inputmode: 'numeric', placeholder: '3', class: 'mono', value: b.tokenId ?? '' });
    const save = h('button.primary#save-budget', { type: 'submit' }, t('budgets.save'));
    const form = h('form.budget-form', { novalidate: true },
      field(t('budgets.user'), user), field(t('budgets.limit'), limit), field(t('budgets.period'), period), field(t('budgets.mode'), mode),
      field(t('budgets.timeZone'), timeZone, t('budgets.timeZoneHint')), field(t('budgets.slot'), slot, t('budgets.slotHint')),
      field(t('budgets.token'), token, t('budgets.tokenHint')),
      h('div.row.actions', {}, save));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const limitUsd = Number(limit.value.trim());
      const tokenId = token.value.trim();
      const checks = [
        setFieldError(user, user.value.trim() ? '' : t('common.required')),
        setFieldError(limit, limit.value.trim() !== '' && Number.isFinite(limitUsd) && limitUsd >= 0 ? '' : t('budgets.limitInvalid')),
        setFieldError(slot, !slot.value.trim() || /^[A-Za-z0-9_.-]{1,64}$/.test(slot.value.trim()) ? '' : t('budgets.slotInvalid')),
        setFieldError(token, !tokenId || /^[1-9]\d{0,9}$/.test(tokenId) ? '' : t('budgets.tokenInvalid')),
      ];
      if (!checks.every(Boolean)) return form.querySelector('.invalid')?.focus();
      const body = {
        userId: user.value.trim(), limitUsd, period: period.value, hard: mode.value === 'hard',
        usageKey: slot.value.trim() || null, tokenId: tokenId ? Number(tokenId) : null,
        ...(timeZone.value.trim() ? { timeZone: timeZone.value.trim() } : {}),
      };
      busy(save, async () => {
        await putReplacing('/api/ai/admin/budgets', b, body);
        state.editing = null;
        await reload();
        toast(t('budgets.saved', { user: body.userId }), 'ok');
      });
    });
    return form;
  }

  function edit(b) {
    state.editing = b;
    render();
    document.getElementById('budget-limit')?.focus();
  }

  async function remove(b) {
    const question = t('budgets.deleteConfirm', { user: b.userId, scope: scopeOf(b), period: t(`budgets.period.${b.period}`) });
    if (!(await confirmDialog(t('budgets.delete'), question))) return;
    try {
      await del(`/api/ai/admin/budgets/${b.id}`);
      await reload();
      toast(t('budgets.deleted'), 'ok');
    } catch (error) {
      showError(error);
    }
  }

  await reload();
}
