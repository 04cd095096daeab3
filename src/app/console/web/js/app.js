import { api, session, setUnauthorizedHandler } from './api.js';
import { h, mount } from './dom.js';
import { applyStatic, currentLang, setLang, t } from './i18n.js';
import { renderBudgets } from './page-budgets.js';
import { renderDashboard } from './page-dashboard.js';
import { renderPlatforms } from './page-platforms.js';
import { renderRateLimits } from './page-rate-limits.js';
import { renderRequests } from './page-requests.js';
import { renderSettings } from './page-settings.js';
import { renderUsages } from './page-usages.js';
import { renderUsers } from './page-users.js';
import { errorText } from './error-text.js';

const MODE_KEY = 'llm-mgr.console.mode';
const PAGES = {
  platforms: renderPlatforms, usages: renderUsages, users: renderUsers, dashboard: renderDashboard, requests: renderRequests,
  budgets: renderBudgets, 'rate-limits': renderRateLimits, settings: renderSettings,
};
const $ = (id) => document.getElementById(id);

const ctx = { mode: localStorage.getItem(MODE_KEY) === 'yaml' ? 'yaml' : 'db', selection: {} };

function showLogin(message = '') {
  $('shell').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login-token').focus();
}

async function signIn(token) {
  // An admin-only route that reads nothing but the token: a 200 proves an admin token, a 403 a valid user token, a 401
  // a wrong one. A broken llm_mgr_cfg.yaml cannot lock the admin out.
  try {
    await api('GET', '/api/ai/admin/session', undefined, token);
  } catch (error) {
    if (error.code === 'FORBIDDEN') throw new Error(t('login.notAdmin'));
    throw error;
  }
  session.token = token;
}

function renderChrome() {
  applyStatic();
  for (const select of [$('lang'), $('login-lang')]) select.value = currentLang();
  for (const button of document.querySelectorAll('[data-mode]')) button.setAttribute('aria-checked', String(button.dataset.mode === ctx.mode));
  const banner = $('mode-banner');
  banner.className = `mode-banner ${ctx.mode}`;
  banner.textContent = t(ctx.mode === 'yaml' ? 'mode.yamlBanner' : 'mode.dbBanner');
}

async function route() {
  if (!session.token) return showLogin();
  $('login').hidden = true;
  $('shell').hidden = false;
  renderChrome();
  const page = (location.hash.replace(/^#\//, '') || 'platforms').split('?')[0];
  const render = PAGES[page] ?? renderPlatforms;
  for (const link of document.querySelectorAll('#nav a')) link.classList.toggle('active', link.dataset.page === page);
  $('modal-root').replaceChildren();
  const root = $('page');
  mount(root, h('div.muted', {}, '…'));
  root.dataset.page = page;
  root.dataset.ready = 'false';
  await render(root, ctx);
  root.dataset.ready = 'true';
}

function start() {
  setLang(currentLang());
  applyStatic();
  setUnauthorizedHandler((error) => { session.token = null; showLogin(errorText(error)); });
  $('login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const token = $('login-token').value.trim();
    if (!token) return void ($('login-error').textContent = t('login.empty'));
    $('login-submit').disabled = true;
    try {
      await signIn(token);
      $('login-token').value = '';
      await route();
    } catch (error) {
      $('login-error').textContent = errorText(error);
    } finally {
      $('login-submit').disabled = false;
    }
  });
  $('logout').addEventListener('click', () => { session.token = null; showLogin(); });
  for (const select of [$('lang'), $('login-lang')]) {
    select.addEventListener('change', () => { setLang(select.value); session.token ? route() : (applyStatic(), renderChrome()); });
  }
  for (const button of document.querySelectorAll('[data-mode]')) {
    button.addEventListener('click', () => {
      ctx.mode = button.dataset.mode;
      localStorage.setItem(MODE_KEY, ctx.mode);
      route();
    });
  }
  window.addEventListener('hashchange', route);
  route();
}

start();
