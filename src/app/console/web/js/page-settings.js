import { get, post } from './api.js';
import { busy, confirmDialog, field, h, mount, setFieldError, toast } from './dom.js';
import { t } from './i18n.js';
import { errorText } from './error-text.js';
import { resetReport } from './reset-report.js';

/** LLM_KEY status and saving it to .env; force reset of the database from the YAML. */
export async function renderSettings(root) {
  let status;
  let server;
  async function reload() {
    try {
      [status, server] = await Promise.all([get('/api/ai/admin/master-key'), get('/api/ai/admin/session')]);
    } catch (error) {
      mount(root, h('h2', {}, t('nav.settings')), h('div.alert.error#page-error', {}, errorText(error)));
      return;
    }
    render();
  }

  function render() {
    const rows = [
      [t('llmKey.state'), h('span.badge.ok#llm-key-state', {}, t('llmKey.set'))],
      [t('llmKey.fingerprint'), h('span.mono#llm-key-fingerprint', {}, status.fingerprint)],
      [t('llmKey.source'), h('span#llm-key-source', {}, t(`llmKey.source.${status.source}`))],
      [t('llmKey.envFile'), h('span.mono', {}, status.envFile, ' ', status.envFileHasKey
        ? h(`span.badge.${status.envFileDiffers ? 'warn' : 'ok'}#llm-key-in-env`, {}, status.envFileDiffers ? t('llmKey.envDiffers') : t('llmKey.inEnv'))
        : h('span.badge.warn#llm-key-in-env', {}, t('llmKey.notInEnv')))],
      [t('llmKey.sealed'), h('span#llm-key-sealed', {}, status.encryptedInYaml === null
        ? t('llmKey.sealedDbOnly', { db: status.encryptedInDatabase })
        : t('llmKey.sealedCount', { db: status.encryptedInDatabase, yaml: status.encryptedInYaml }))],
    ];
    // A YAML file that no longer parses is shown where it matters, and the rest of the page still works.
    const yamlProblem = status.yamlProblem
      ? h('div.alert.error#yaml-problem', {}, h('strong', {}, t('settings.yamlBroken')), ' ', h('span.mono', {}, status.yamlProblem))
      : null;
    const keyInput = h('input#llm-key-input', { type: 'password', autocomplete: 'off', class: 'mono', placeholder: t('llmKey.placeholder') });
    const writeEnv = h('input#llm-key-write-env', { type: 'checkbox', checked: !status.envFileHasKey || status.envFileDiffers });
    const result = h('div#llm-key-result');
    const save = h('button.primary#llm-key-save', { type: 'submit' }, t('llmKey.save'));
    const form = h('form.stack', { novalidate: true }, field(t('llmKey.input'), keyInput, t('llmKey.inputHint')),
      h('label.inline', {}, writeEnv, t('llmKey.writeEnv')), h('div.row', {}, save), result);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const key = keyInput.value.trim();
      if (!setFieldError(keyInput, key.length >= 32 ? '' : t('llmKey.tooShort'))) return;
      busy(save, async () => {
        try {
          status = await post('/api/ai/admin/master-key', { key, writeEnvFile: writeEnv.checked });
        } catch (error) {
          mount(result, h('div.alert.error#llm-key-error', {}, errorText(error)));
          return;
        }
        render();
        toast(writeEnv.checked ? t('llmKey.written', { file: status.envFile }) : t('llmKey.verified'), 'ok');
        if (!writeEnv.checked) {
          mount(document.getElementById('llm-key-result'), h('div.alert.ok', {}, t('llmKey.envInstructions'), h('pre.mono', {}, 'export LLM_KEY=<…>')));
        }
      });
    });

    const resetResult = h('div#reset-result');
    const reset = h('button.danger.solid#reset-from-yaml', { type: 'button' }, t('reset.button'));
    reset.addEventListener('click', async () => {
      let preview;
      try {
        preview = await get('/api/ai/admin/reload-from-yaml/preview');
      } catch (error) {
        return void mount(resetResult, h('div.alert.error#reset-error', {}, errorText(error)));
      }
      const also = resetReport(preview, { done: false, id: 'reset-preview' });
      if (!(await confirmDialog(t('reset.title'), t('reset.confirm'), { confirmLabel: t('reset.button'), also }))) return;
      await busy(reset, async () => {
        try {
          const report = await post('/api/ai/admin/reload-from-yaml');
          mount(resetResult, h('div.alert.ok#reset-report', {}, h('p', {}, t('reset.done', {
            added: report.added?.length ?? 0, replaced: report.replaced?.length ?? 0, removed: report.removed?.length ?? 0,
          })), resetReport(report, { done: true, id: 'reset-report-lists' })));
        } catch (error) {
          mount(resetResult, h('div.alert.error#reset-error', {}, errorText(error)));
        }
      });
    });

    const onOff = (on, id) => h(`span.badge.${on ? 'warn' : 'ok'}#${id}`, {}, t(on ? 'modes.on' : 'modes.off'));
    const modes = h('div.card.stack#modes-card', { style: 'margin-bottom:16px' }, h('h3', {}, t('modes.title')),
      h('table', {}, h('tbody', {},
        h('tr', {}, h('th', {}, 'LLM_AUTO_KEY'), h('td', {}, onOff(server.autoKey, 'mode-auto-key'), ' ', h('span.hint', {}, t(server.autoKey ? 'modes.autoKeyOn' : 'modes.autoKeyOff')))),
        h('tr', {}, h('th', {}, 'USE_SYS_LLM_CONFIG'), h('td', {}, onOff(server.useSysLlmConfig, 'mode-sys-config'), ' ', h('span.hint', {}, t(server.useSysLlmConfig ? 'modes.sysOn' : 'modes.sysOff')))))),
      h('p.hint', {}, t('modes.howToChange')));
    mount(root,
      h('h2', {}, t('nav.settings')),
      modes,
      h('div.card.stack#llm-key-card', {}, h('h3', {}, 'LLM_KEY'), h('p.muted', {}, t('llmKey.intro')),
        h('table', {}, h('tbody', {}, rows.map(([label, value]) => h('tr', {}, h('th', {}, label), h('td', {}, value))))),
        h('h3', {}, t('llmKey.saveTitle')), form),
      h('div.card.stack#reset-card', { style: 'margin-top:16px' }, h('h3', {}, t('reset.title')), h('p.muted', {}, t('reset.intro')),
        yamlProblem, reset, resetResult));
  }

  await reload();
}
