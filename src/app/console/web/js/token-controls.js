// Issue 19, token controls: a token's expiry, allowed models and allowed IPs when it is issued, and its state in lists.
import { field, h, setFieldError } from './dom.js';
import { t } from './i18n.js';

const list = (text) => text.split(',').map((part) => part.trim()).filter(Boolean);
const today = () => {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
};

/**
 * The optional fields of "Issue token": expiry day, allowed models, allowed IPs. `read()` validates them and answers
 * the request's fields (omitted when blank), or null after marking what is wrong.
 */
export function tokenControlFields() {
  const expires = h('input#token-expires', { type: 'date', min: today() });
  const models = h('input#token-models', { placeholder: 'main, DeepSeek/DeepSeek-V3', class: 'mono', maxlength: 2000 });
  const ips = h('input#token-ips', { placeholder: '203.0.113.7, 10.0.0.0/8', class: 'mono', maxlength: 2000 });
  return {
    fields: [
      field(t('tokens.expires'), expires, t('tokens.expiresHint')),
      field(t('tokens.models'), models, t('tokens.modelsHint')),
      field(t('tokens.ips'), ips, t('tokens.ipsHint')),
    ],
    read() {
      const day = expires.value;
      if (!setFieldError(expires, day && day < today() ? t('tokens.expiresPast') : '')) return null;
      const controls = {};
      // The end of the chosen day where the operator is: "expires on the 31st" still works on the 31st.
      if (day) controls.expiresAt = new Date(`${day}T23:59:59.999`).toISOString();
      if (list(models.value).length) controls.allowedModels = list(models.value);
      if (list(ips.value).length) controls.allowedIps = list(ips.value);
      return controls;
    },
    clear() {
      for (const input of [expires, models, ips]) input.value = '';
    },
  };
}

/** revoked, expired or active, as a badge. */
export function tokenStatus(k) {
  if (k.revokedAt) return h('span.badge.bad', { dataset: { status: 'revoked' } }, t('users.revoked'));
  if (k.expiresAt && new Date(k.expiresAt).getTime() <= Date.now()) return h('span.badge.warn', { dataset: { status: 'expired' } }, t('tokens.expired'));
  return h('span.badge.ok', { dataset: { status: 'active' } }, t('users.active'));
}

/** When the token stops working. */
export const tokenExpiry = (k) => (k.expiresAt ? new Date(k.expiresAt).toLocaleString() : t('tokens.never'));

/** Its allowed models and IPs, or "any". */
export function tokenLimits(k) {
  return h('div.mono.token-limits', {},
    h('div', {}, k.allowedModels?.length ? k.allowedModels.join(', ') : h('span.muted', {}, t('tokens.anyModel'))),
    h('div', {}, k.allowedIps?.length ? k.allowedIps.join(', ') : h('span.muted', {}, t('tokens.anyIp'))));
}
