import { get, seg } from './api.js';
import { fmt, h, mount, table } from './dom.js';
import { barChart, timelineChart } from './chart.js';
import { t } from './i18n.js';
import { errorText } from './error-text.js';

const SINCE = ['24h', '7d', '30d'];

/** Usage dashboard (B4): totals, per user, and for one user a timeline, per model and per agent. */
export async function renderDashboard(root, ctx) {
  const state = { since: ctx.selection?.since ?? '7d', granularity: ctx.selection?.granularity ?? 'day', user: ctx.selection?.dashUser ?? null };

  async function reload() {
    let total, users, timeline = [], byModel = [], byAgent = [];
    try {
      total = await get(`/api/ai/admin/usage/total?since=${state.since}`);
      users = await get(`/api/ai/admin/usage/users?since=${state.since}`);
      if (!state.user || !users.some((u) => u.user_id === state.user)) state.user = users[0]?.user_id ?? null;
      if (state.user) {
        const base = `/api/ai/admin/usage/users/${seg(state.user)}`;
        timeline = await get(`${base}/timeline?granularity=${state.granularity}&since=${state.since}`);
        byModel = await get(`${base}/by-model?since=${state.since}`);
        byAgent = await get(`${base}/by-agent?since=${state.since}`);
      }
    } catch (error) {
      mount(root, h('h2', {}, t('nav.dashboard')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render({ total, users, timeline, byModel, byAgent });
  }

  function controls(users) {
    const since = h('select#dash-since', { onchange: (e) => { state.since = e.target.value; reload(); } },
      SINCE.map((s) => h('option', { value: s }, t(`dash.since.${s}`))));
    since.value = state.since;
    const gran = h('select#dash-granularity', { onchange: (e) => { state.granularity = e.target.value; reload(); } },
      ['hour', 'day'].map((g) => h('option', { value: g }, t(`dash.${g}`))));
    gran.value = state.granularity;
    const user = h('select#dash-user', { onchange: (e) => { state.user = e.target.value; reload(); } },
      users.map((u) => h('option', { value: u.user_id }, userLabel(u.user_id))));
    if (state.user) user.value = state.user;
    return h('div.row', {}, h('label', {}, t('dash.range'), since), h('label', {}, t('dash.granularity'), gran), h('label', {}, t('dash.user'), user));
  }

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

  function render({ total, users, timeline, byModel, byAgent }) {
    const name = (value) => value ?? t('dash.unnamed');
    mount(root,
      h('div.row', {}, h('h2', {}, t('nav.dashboard'))),
      controls(users),
      h('div.cards#dash-totals', { style: 'margin:12px 0' },
        stat(t('dash.tokens'), total.tokens, 'total-tokens'), costStat(total), stat(t('dash.prompt'), total.prompt_tokens),
        stat(t('dash.completion'), total.completion_tokens), stat(t('dash.requests'), total.requests, 'total-requests'),
        stat(t('dash.errors'), total.errors, 'total-errors')),
      h('div.card.stack', {},
        h('h3', {}, t('dash.perUser')),
        h('div.chart-block#dash-users', {},
          h('div.chart', {}, barChart(users.map((u) => ({ label: userLabel(u.user_id), value: u.tokens })), { title: t('dash.perUser') })),
          table([{ label: t('users.userId'), render: (r) => h('span.mono', {}, userLabel(r.user_id)) }, ...numbers], users, { empty: t('dash.noUsage') }))),
      state.user ? h('div.card.stack', { style: 'margin-top:16px' },
        h('h3', {}, t('dash.timeline', { user: state.user })),
        h('div.legend', {}, h('span', {}, h('i', { style: 'background:var(--primary)' }), t('dash.tokens')), h('span', {}, h('i', { style: 'background:var(--danger)' }), t('dash.errors'))),
        h('div.chart-block#dash-timeline', { dataset: { since: state.since, granularity: state.granularity } },
          h('div.chart', {}, timelineChart(timeline.map((p) => ({ label: bucketLabel(p.time, timeline.length), value: p.tokens, errors: p.errors })), { title: t('dash.timeline', { user: state.user }) })),
          h('div', { style: 'max-height:260px;overflow:auto' }, table([
            { label: t('dash.time'), render: (p) => p.time },
            { label: t('dash.tokens'), num: true, render: (p) => fmt(p.tokens) },
            { label: t('dash.cost'), num: true, render: cost },
            { label: t('dash.requests'), num: true, render: (p) => fmt(p.requests) },
            { label: t('dash.errors'), num: true, render: (p) => fmt(p.errors) },
          ], timeline.filter((p) => p.requests > 0), { empty: t('dash.noUsage') }))),
        h('h3', {}, t('dash.byModel')),
        h('div.chart-block#dash-by-model', {},
          h('div.chart', {}, barChart(byModel.map((m) => ({ label: `${name(m.model_name)}`, value: m.tokens })), { title: t('dash.byModel') })),
          table([{ label: t('dash.model'), render: (r) => `${r.platform_name ?? '—'} / ${name(r.model_name)}` }, ...numbers], byModel, { empty: t('dash.noUsage') })),
        h('h3', {}, t('dash.byAgent')),
        h('div.chart-block#dash-by-agent', {},
          h('div.chart', {}, barChart(byAgent.map((a) => ({ label: name(a.agent_name), value: a.tokens })), { title: t('dash.byAgent') })),
          table([{ label: t('dash.agent'), render: (r) => name(r.agent_name) }, ...numbers], byAgent, { empty: t('dash.noUsage') }))) : null);
  }

  await reload();
}
