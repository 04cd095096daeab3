import { get, seg } from './api.js';
import { fmt, h, mount, submitOnEnter, table } from './dom.js';
import { barChart, timelineChart } from './chart.js';
import { t } from './i18n.js';
import { errorText } from './error-text.js';
import { downloadCsv, rangeQuery } from './usage-range.js';

const SINCE = ['24h', '7d', '30d', 'custom'];
const TOP = [10, 25, 50];

/**
 * Usage dashboard (B4, issue 19): totals over a range (a preset or two dates), the top users with a search (never one
 * block per user), every user's usage per model and per agent, CSV downloads, and for one user a timeline, per model
 * and per agent. Deleted models keep the names they had.
 */
export async function renderDashboard(root, ctx) {
  const saved = ctx.selection.dashboard ?? {};
  const state = {
    since: saved.since ?? '7d', from: saved.from ?? '', to: saved.to ?? '', granularity: saved.granularity ?? 'day',
    user: saved.user ?? null, search: saved.search ?? '', top: saved.top ?? 10,
  };
  ctx.selection.dashboard = state;

  /** The range of every query: a preset (since=7d) or the two dates. */
  const range = () => (state.since === 'custom' ? rangeQuery(state.from, state.to) : new URLSearchParams({ since: state.since }));

  async function reload() {
    let total, top, models, agents, timeline = [], byModel = [], byAgent = [];
    const r = range();
    try {
      const topQuery = new URLSearchParams(r);
      topQuery.set('limit', String(state.top));
      if (state.search) topQuery.set('search', state.search);
      [total, top, models, agents] = await Promise.all([
        get(`/api/ai/admin/usage/total?${r}`),
        get(`/api/ai/admin/usage/top-users?${topQuery}`),
        get(`/api/ai/admin/usage/models?${r}`),
        get(`/api/ai/admin/usage/agents?${r}`),
      ]);
      if (!state.user || !top.users.some((u) => u.user_id === state.user)) state.user = top.users[0]?.user_id ?? null;
      if (state.user) {
        const base = `/api/ai/admin/usage/users/${seg(state.user)}`;
        // The timeline runs from the start of the range to now.
        const since = encodeURIComponent(r.get('since') ?? '30d');
        [timeline, byModel, byAgent] = await Promise.all([
          get(`${base}/timeline?granularity=${state.granularity}&since=${since}`),
          get(`${base}/by-model?${r}`),
          get(`${base}/by-agent?${r}`),
        ]);
      }
    } catch (error) {
      mount(root, h('h2', {}, t('nav.dashboard')), controls([]), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render({ total, top, models, agents, timeline, byModel, byAgent });
    // Tests wait for the next render after a change: the page reloads its data without a route change.
    root.dataset.renders = String(Number(root.dataset.renders ?? 0) + 1);
  }

  function controls(users) {
    const since = h('select#dash-since', {
      onchange: (e) => {
        state.since = e.target.value;
        // Custom: the two dates appear; the data reloads once they are applied.
        if (state.since === 'custom') root.querySelector('#dash-controls')?.replaceWith(controls(users));
        else reload();
      },
    }, SINCE.map((s) => h('option', { value: s }, t(`dash.since.${s}`))));
    since.value = state.since;
    const gran = h('select#dash-granularity', { onchange: (e) => { state.granularity = e.target.value; reload(); } },
      ['hour', 'day'].map((g) => h('option', { value: g }, t(`dash.${g}`))));
    gran.value = state.granularity;
    const user = h('select#dash-user', { onchange: (e) => { state.user = e.target.value; reload(); } },
      users.map((u) => h('option', { value: u.user_id }, userLabel(u.user_id))));
    if (state.user) user.value = state.user;
    const custom = state.since === 'custom';
    const from = h('input#dash-from', { type: 'date', value: state.from });
    const to = h('input#dash-to', { type: 'date', value: state.to });
    const apply = h('button.primary#dash-apply', { type: 'button', onclick: () => { state.from = from.value; state.to = to.value; reload(); } }, t('rq.apply'));
    return h('div.row#dash-controls', {},
      h('label', {}, t('dash.range'), since),
      custom ? [h('label', {}, t('rq.from'), submitOnEnter(from, apply)), h('label', {}, t('rq.to'), submitOnEnter(to, apply)), apply] : null,
      h('label', {}, t('dash.granularity'), gran), h('label', {}, t('dash.user'), user));
  }

  /** The top users: a search and a size, the first N as a chart and a table, and how many matched. */
  function topUsers(top) {
    const search = h('input#dash-search', { type: 'search', value: state.search, placeholder: t('dash.searchHint'), 'aria-label': t('dash.search') });
    const go = h('button#dash-search-go', { type: 'button', onclick: () => { state.search = search.value.trim(); reload(); } }, t('dash.search'));
    const size = h('select#dash-top-n', { 'aria-label': t('dash.topN'), onchange: (e) => { state.top = Number(e.target.value); reload(); } },
      TOP.map((n) => h('option', { value: String(n) }, t('dash.topOption', { n }))));
    size.value = String(state.top);
    return h('div.card.stack#dash-top', {},
      h('div.row', {}, h('h3', {}, t('dash.topUsers')), h('span.muted#dash-top-count', {}, t('dash.topCount', { shown: top.users.length, matched: top.matched_users })),
        csvButton('dash-csv-users', 'users', { search: state.search })),
      h('div.row', {}, submitOnEnter(search, go), go, size),
      h('div.chart-block#dash-users', {},
        h('div.chart', {}, barChart(top.users.map((u) => ({ label: userLabel(u.user_id), value: u.tokens })), { title: t('dash.topUsers') })),
        h('div.scroll-box', {}, table([{ label: t('users.userId'), render: (row) => h('span.mono', {}, userLabel(row.user_id)) }, ...numbers], top.users, { empty: t('dash.noUsage') }))));
  }

  const csvButton = (id, view, extra = {}) => {
    const params = range();
    for (const [key, value] of Object.entries(extra)) if (value) params.set(key, value);
    return h(`button.small#${id}`, { type: 'button', onclick: (e) => downloadCsv(e.currentTarget, view, params) }, t('dash.csv'));
  };

  // '2026-11-27 03:00' → '03:00' within a day, '11-27 03h' over several days, '11-27' for days.
  const bucketLabel = (time, count) =>
    state.granularity === 'day' ? time.slice(5) : count > 25 ? `${time.slice(5, 10)} ${time.slice(11, 13)}h` : time.slice(11);
  const userLabel = (id) => (id === '-1' ? t('dash.system') : id);

  // +3.2 % / −10 %: the estimate against the provider's count; '—' where no call reported one.
  const pct = (value) => (value === null || value === undefined ? '—' : `${value > 0 ? '+' : ''}${value} %`);
  const drift = (d) => h('span', { title: t('dash.driftHint', { rows: d.rows }) }, `${pct(d.prompt_drift_pct)} / ${pct(d.completion_drift_pct)}`);
  const stat = (label, value, id) => h('div.stat', { id }, h('div.label', {}, label), h('div.value', {}, fmt(value)));
  // $0.0063 · 2 unpriced: the cost stored on the rows, and how many calls had no price.
  const usd = (value) => `$${Number((value ?? 0).toFixed(6))}`;
  const cost = (r) =>
    h('span', { title: t('dash.costHint') }, usd(r.cost), r.unpriced_calls > 0 ? h('span.hint', {}, ` · ${t('dash.unpriced', { n: fmt(r.unpriced_calls) })}`) : null);
  const costStat = (r) => h('div.stat#total-cost', {}, h('div.label', {}, t('dash.cost')), h('div.value', {}, cost(r)));
  const numbers = [
    { label: t('dash.tokens'), num: true, render: (r) => fmt(r.tokens) },
    { label: t('dash.cost'), num: true, render: cost },
    { label: t('dash.prompt'), num: true, render: (r) => fmt(r.prompt_tokens) },
    { label: t('dash.completion'), num: true, render: (r) => fmt(r.completion_tokens) },
    { label: t('dash.requests'), num: true, render: (r) => fmt(r.requests) },
    { label: t('dash.errors'), num: true, render: (r) => fmt(r.errors) },
    { label: t('dash.cached'), num: true, render: (r) => fmt(r.cached_prompt_tokens) },
    { label: t('dash.reasoning'), num: true, render: (r) => fmt(r.reasoning_tokens) },
    { label: t('dash.drift'), num: true, render: (r) => drift(r.estimate_drift) },
  ];

  const name = (value) => value ?? t('dash.unnamed');
  const modelName = (m) => h('span', {}, `${m.platform_name ?? '—'} / ${name(m.model_name)}`, m.model_deleted ? h('span.badge.warn', {}, t('dash.deleted')) : null);
  const modelLabel = (m) => `${name(m.model_name)}${m.model_deleted ? ` ${t('dash.deletedMark')}` : ''}`;
  const ranking = (id, title, rows, label, column, csv) => h('div.card.stack', { id: `${id}-card` },
    h('div.row', {}, h('h3', {}, title), csv),
    h(`div.chart-block#${id}`, {},
      h('div.chart', {}, barChart(rows.slice(0, state.top).map((row) => ({ label: label(row), value: row.tokens })), { title })),
      h('div.scroll-box', {}, table([column, ...numbers], rows, { empty: t('dash.noUsage') }))));

  function render({ total, top, models, agents, timeline, byModel, byAgent }) {
    mount(root,
      h('div.row', {}, h('h2', {}, t('nav.dashboard'))),
      controls(top.users),
      h('div.cards#dash-totals', { style: 'margin:12px 0' },
        stat(t('dash.tokens'), total.tokens, 'total-tokens'), costStat(total), stat(t('dash.prompt'), total.prompt_tokens),
        stat(t('dash.completion'), total.completion_tokens), stat(t('dash.requests'), total.requests, 'total-requests'),
        stat(t('dash.errors'), total.errors, 'total-errors')),
      topUsers(top),
      h('div.dash-grid', {},
        ranking('dash-all-models', t('dash.allByModel'), models, modelLabel, { label: t('dash.model'), render: modelName }, csvButton('dash-csv-models', 'models')),
        ranking('dash-all-agents', t('dash.allByAgent'), agents, (a) => name(a.agent_name), { label: t('dash.agent'), render: (row) => name(row.agent_name) }, csvButton('dash-csv-agents', 'agents'))),
      state.user ? h('div.card.stack', { style: 'margin-top:16px' },
        h('h3', {}, t('dash.timeline', { user: state.user })),
        h('div.legend', {}, h('span', {}, h('i', { style: 'background:var(--primary)' }), t('dash.tokens')), h('span', {}, h('i', { style: 'background:var(--danger)' }), t('dash.errors'))),
        h('div.chart-block#dash-timeline', { dataset: { since: state.since, granularity: state.granularity } },
          h('div.chart', {}, timelineChart(timeline.map((p) => ({ label: bucketLabel(p.time, timeline.length), value: p.tokens, errors: p.errors })), { title: t('dash.timeline', { user: state.user }) })),
          h('div.scroll-box', {}, table([
            { label: t('dash.time'), render: (p) => p.time },
            { label: t('dash.tokens'), num: true, render: (p) => fmt(p.tokens) },
            { label: t('dash.cost'), num: true, render: cost },
            { label: t('dash.requests'), num: true, render: (p) => fmt(p.requests) },
            { label: t('dash.errors'), num: true, render: (p) => fmt(p.errors) },
          ], timeline.filter((p) => p.requests > 0), { empty: t('dash.noUsage') }))),
        h('h3', {}, t('dash.byModel')),
        h('div.chart-block#dash-by-model', {},
          h('div.chart', {}, barChart(byModel.map((m) => ({ label: modelLabel(m), value: m.tokens })), { title: t('dash.byModel') })),
          h('div.scroll-box', {}, table([{ label: t('dash.model'), render: modelName }, ...numbers], byModel, { empty: t('dash.noUsage') }))),
        h('h3', {}, t('dash.byAgent')),
        h('div.chart-block#dash-by-agent', {},
          h('div.chart', {}, barChart(byAgent.map((a) => ({ label: name(a.agent_name), value: a.tokens })), { title: t('dash.byAgent') })),
          h('div.scroll-box', {}, table([{ label: t('dash.agent'), render: (r) => name(r.agent_name) }, ...numbers], byAgent, { empty: t('dash.noUsage') })))) : null);
  }

  await reload();
}
