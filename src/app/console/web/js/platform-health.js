// Issue 19, platform health (DB mode): the last test of each platform, "test all" with its progress, and a platform
// switched off and on without being deleted.
import { busy, confirmDialog, h, showError, toast } from './dom.js';
import { t } from './i18n.js';

const when = (iso) => new Date(iso).toLocaleString();

/** Tests run two at a time: quick on a long list, gentle on the upstreams and on the server. */
const TEST_ALL_CONCURRENCY = 2;

/** The badges a platform row shows: disabled, and its last test (answered / failed, the detail as a tooltip). */
export function healthBadges(p) {
  return [
    p.enabled === false ? h('span.badge.warn', { dataset: { health: 'disabled' } }, t('health.disabled')) : null,
    p.lastTest
      ? h(`span.badge.${p.lastTest.ok ? 'ok' : 'bad'}`, { dataset: { health: 'last-test' }, title: `${when(p.lastTest.at)} · ${p.lastTest.detail ?? ''}` },
        p.lastTest.ok ? `✓ ${t('health.ok')}` : `✗ ${t('health.failed')}`)
      : null,
  ];
}

/** The last test in full, for the platform's detail card. */
export function lastTestLine(p) {
  const test = p.lastTest;
  const text = test ? `${when(test.at)} · ${test.ok ? t('health.ok') : t('health.failed')}${test.detail ? ` · ${test.detail}` : ''}` : t('health.never');
  return h(`div.last-test${test && !test.ok ? '.bad' : ''}#platform-last-test`, {}, h('span.muted', {}, `${t('health.lastTest')}: `), text);
}

/**
 * "Test all": each platform's test (its first model), two at a time; `progress(text)` hears every step and the summary.
 * Resolves when every test ended; failures are answers, never thrown.
 */
export async function testAll(cat, platforms, progress) {
  const queue = [...platforms];
  const total = queue.length;
  let [done, ok] = [0, 0];
  progress(t('health.progress', { done, total }));
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      try {
        if ((await cat.testPlatform(p.id)).ok) ok += 1;
      } catch (error) {
        showError(error);
      }
      done += 1;
      progress(t('health.progress', { done, total }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(TEST_ALL_CONCURRENCY, total) }, worker));
  const summary = t('health.doneAll', { total, ok, failed: total - ok });
  progress(summary);
  return summary;
}

/** The detail card's health controls: test this platform, and disable (asked first) or enable it. */
export function healthControls(cat, p, reload) {
  const test = h('button#test-platform', { type: 'button' }, t('health.testPlatform'));
  test.addEventListener('click', () => busy(test, async () => {
    await cat.testPlatform(p.id);
    await reload();
    document.getElementById('test-platform')?.focus();
  }));
  const toggle = h(`button#toggle-platform${p.enabled ? '.danger' : ''}`, { type: 'button', dataset: { enabled: String(p.enabled) } },
    p.enabled ? t('health.disable') : t('health.enable'));
  toggle.addEventListener('click', async () => {
    if (p.enabled && !(await confirmDialog(t('health.disable'), t('health.disableConfirm', { name: p.name }), { confirmLabel: t('health.disable') }))) return;
    await busy(toggle, async () => {
      await cat.setEnabled(p.id, !p.enabled);
      await reload();
      toast(t(p.enabled ? 'health.disabledDone' : 'health.enabledDone', { name: p.name }), 'ok');
      // The keyboard goes on from the same control, now saying the opposite.
      document.getElementById('toggle-platform')?.focus();
    });
  });
  return h('div.row#health-controls', {}, test, toggle);
}
