// What "Reset DB from YAML" will do (the preview, before the confirmation) or did (the result): the system rows it
// adds, replaces and removes, and the users' keys and slots it touches, by name.
import { h } from './dom.js';
import { t } from './i18n.js';

function section(label, items) {
  if (items.length === 0) return null;
  return h('div.reset-section', {}, h('strong', {}, label), h('ul', {}, items.map((item) => h('li.mono', {}, item))));
}

/** `report` is the server's SyncReport; `done` picks the past tense. */
export function resetReport(report, { done, id }) {
  const impact = report.impact ?? { userKeysRemoved: [], userSlotsUnbound: [] };
  const tense = done ? 'done' : 'will';
  const keys = impact.userKeysRemoved.map((k) => `${k.userId} · ${k.platform}`);
  const slots = impact.userSlotsUnbound.map((s) => `${s.userId} · ${s.usageKey} → ${s.platform ?? '?'} / ${s.model ?? '?'}`);
  return h(`div.stack.reset-report#${id}`, {},
    section(t(`reset.${tense}.added`, { n: report.added.length }), report.added),
    section(t(`reset.${tense}.replaced`, { n: report.replaced.length }), report.replaced),
    section(t(`reset.${tense}.removed`, { n: report.removed.length }), report.removed),
    keys.length || slots.length ? null : h('p.muted', {}, t(`reset.${tense}.noUsers`)),
    section(t(`reset.${tense}.userKeys`, { n: keys.length }), keys),
    section(t(`reset.${tense}.userSlots`, { n: slots.length }), slots));
}
