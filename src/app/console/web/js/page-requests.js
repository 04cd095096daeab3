import { get } from './api.js';
import { fmt, h, modal, mount, table } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './error-text.js';
import { downloadCsv, rangeQuery } from './usage-range.js';

const OUTCOMES = ['ok', 'error', 'aborted', 'abandoned', 'interrupted'];
const SIZES = [25, 50, 100];
const TEXT_FILTERS = [['user', 'user_id'], ['slot', 'usage_key'], ['agent', 'agent_name'], ['platform', 'platform'], ['modelName', 'model']];

/**
 * The request log (issue 19): one line per call, filtered on the server, in keyset pages (next / previous walk a
 * stack of cursors); a line opens the call's details with its error code and masked error text.
 */
export async function renderRequests(root, ctx) {
  const saved = ctx.selection.requests ?? {};
  const state = { filters: saved.filters ?? {}, size: saved.size ?? 50, cursors: [null], page: 0 };
  ctx.selection.requests = state;

  const query = () => {
    const params = new URLSearchParams(rangeQuery(state.filters.from, state.filters.to));
    for (const [name, param] of TEXT_FILTERS) if (state.filters[name]) params.set(param, state.filters[name]);
    if (state.filters.outcome) params.set('outcome', state.filters.outcome);
    return params;
  };

  async function load() {
    const params = query();
    params.set('limit', String(state.size));
    const cursor = state.cursors[state.page];
    if (cursor) params.set('cursor', cursor);
    try {
      const page = await get(`/api/ai/admin/usage/requests?${params}`);
      state.cursors[state.page + 1] = page.next_cursor;
      render(page);
    } catch (error) {
      render({ items: [], next_cursor: null }, errorText(error));
    }
  }

  function filterForm() {
    const input = (name, type = 'text') =>
      h(`input#rq-${name}`, { type, value: state.filters[name] ?? '', autocomplete: 'off', dataset: { filter: name } });
    const outcome = h('select#rq-outcome', { dataset: { filter: 'outcome' } },
      h('option', { value: '' }, t('rq.any')), OUTCOMES.map((o) => h('option', { value: o }, t(`rq.outcome.${o}`))));
    outcome.value = state.filters.outcome ?? '';
    const size = h('select#rq-size', { onchange: (e) => { state.size = Number(e.target.value); restart(); } },
      SIZES.map((n) => h('option', { value: String(n) }, String(n))));
    size.value = String(state.size);
    const form = h('form.card.filters#rq-filters', { novalidate: true },
      h('div.filter-grid', {},
        TEXT_FILTERS.map(([name]) => h('label', {}, h('span', {}, t(`rq.${name}`)), input(name))),
        h('label', {}, h('span', {}, t('rq.outcome')), outcome),
        h('label', {}, h('span', {}, t('rq.from')), input('from', 'date')),
        h('label', {}, h('span', {}, t('rq.to')), input('to', 'date')),
        h('label', {}, h('span', {}, t('rq.pageSize')), size)),
      h('div.row', { style: 'margin-top:8px' },
        h('button.primary#rq-apply', { type: 'submit' }, t('rq.apply')),
        h('button#rq-clear', { type: 'button', onclick: () => { state.filters = {}; restart(); } }, t('rq.clear')),
        h('button#rq-csv', { type: 'button', onclick: (e) => downloadCsv(e.currentTarget, 'requests', query()) }, t('dash.csv'))));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      state.filters = Object.fromEntries([...form.querySelectorAll('[data-filter]')].map((el) => [el.dataset.filter, el.value.trim()]).filter(([, v]) => v));
      restart();
    });
    return form;
  }

  function restart() {
    state.cursors = [null];
    state.page = 0;
    load();
  }

  const when = (iso) => iso.replace('T', ' ').slice(0, 19);
  const modelOf = (r) => h('span', {}, `${r.platform_name ?? '—'} / ${r.model_name ?? t('dash.unnamed')}`, r.model_deleted ? h('span.badge.warn', {}, t('dash.deleted')) : null);
  const outcomeOf = (r) => h(`span.badge.${r.outcome === 'ok' ? 'ok' : r.outcome === 'error' || r.outcome === 'interrupted' ? 'bad' : 'warn'}`, {}, t(`rq.outcome.${r.outcome}`));
  const usd = (value) => (value === null ? '—' : `$${Number(value.toFixed(6))}`);
  const columns = [
    { label: t('rq.time'), render: (r) => h('span.mono', {}, when(r.created_at)) },
    { label: t('rq.user'), render: (r) => h('span.mono', {}, r.user_id) },
    { label: t('rq.slot'), render: (r) => r.usage_key ?? '—' },
    { label: t('rq.agent'), render: (r) => r.agent_name ?? '—' },
    { label: t('rq.model'), render: modelOf },
    { label: t('rq.outcome'), render: outcomeOf },
    { label: t('dash.tokens'), num: true, render: (r) => fmt(r.total_tokens) },
    { label: t('dash.cost'), num: true, render: (r) => usd(r.cost) },
    { label: t('rq.latency'), num: true, render: (r) => (r.latency_ms === null ? '—' : `${fmt(r.latency_ms)} ms`) },
  ];

  function details(row) {
    const line = (label, value) => h('div.detail-line', {}, h('span.muted', {}, label), h('span', {}, value));
    modal(t('rq.details'), (close) => [
      h('div.stack#rq-detail', {},
        line(t('rq.time'), `${when(row.created_at)} UTC`), line(t('rq.user'), row.user_id), line(t('rq.slot'), row.usage_key ?? '—'),
        line(t('rq.agent'), row.agent_name ?? '—'), line(t('rq.model'), modelOf(row)), line(t('rq.outcome'), outcomeOf(row)),
        line(t('rq.tokens'), `${fmt(row.prompt_tokens)} + ${fmt(row.completion_tokens)} = ${fmt(row.total_tokens)}`),
        line(t('dash.cost'), usd(row.cost)), line(t('rq.attempt'), String(row.attempt)),
        row.error_code ? h('div.alert.error#rq-error', {},
          h('div', {}, h('strong.mono', {}, row.error_code), ' ', t(`rq.code.${row.error_code}`) === `rq.code.${row.error_code}` ? '' : t(`rq.code.${row.error_code}`)),
          row.error_detail ? h('div.mono.error-detail', {}, row.error_detail) : null) : null),
      h('div.row.end', { style: 'margin-top:12px' }, h('button.primary#rq-detail-close', { type: 'button', onclick: () => close(null) }, t('rq.close'))),
    ]);
  }

  function render(page, failure) {
    const pager = h('div.row.pager', {},
      h('button#rq-prev', { type: 'button', disabled: state.page === 0, onclick: () => { state.page -= 1; load(); } }, t('rq.prev')),
      h('span#rq-page.muted', {}, t('rq.page', { n: state.page + 1 })),
      h('button#rq-next', { type: 'button', disabled: !page.next_cursor, onclick: () => { state.page += 1; load(); } }, t('rq.next')));
    mount(root,
      h('div.row', {}, h('h2', {}, t('nav.requests'))),
      h('p.hint', {}, t('rq.hint')),
      filterForm(),
      failure ? h('div.alert.error#page-error', {}, failure) : null,
      h('div.card#rq-table', { style: 'margin-top:12px' },
        // The table puts the focus back on the chosen row first; the dialog then takes it (and returns it on closing).
        table(columns, page.items, { empty: t('rq.none'), onRowClick: (row) => setTimeout(() => details(row)), rowId: (r) => r.id }),
        pager));
    root.dataset.rows = String(page.items.length);
    // Tests wait for the next render after a click: filters and pages load without a route change.
    root.dataset.renders = String(Number(root.dataset.renders ?? 0) + 1);
  }

  await load();
}
