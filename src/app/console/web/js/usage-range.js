import { session } from './api.js';
import { showError } from './dom.js';

/**
 * `since`/`until` of the usage routes for two dates of the date pickers (`YYYY-MM-DD`, UTC days): `from` inclusive,
 * `to` inclusive too (the server's `until` is exclusive, so the day after).
 */
export function rangeQuery(from, to) {
  const params = new URLSearchParams();
  if (from) params.set('since', from);
  if (to) {
    const next = new Date(`${to}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    params.set('until', next.toISOString().slice(0, 10));
  }
  return params;
}

/**
 * Downloads a CSV export with the admin token (a plain link could not carry it): fetched, then saved under the name
 * the server gives. `button` is disabled meanwhile; a refusal is shown like any other error.
 */
export async function downloadCsv(button, view, params) {
  const query = new URLSearchParams(params);
  query.set('view', view);
  button.disabled = true;
  try {
    const response = await fetch(`/api/ai/admin/usage/export.csv?${query}`, { headers: { Authorization: `Bearer ${session.token}` } });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw Object.assign(new Error(body.message ?? `HTTP ${response.status}`), { code: body.code, details: body.details, status: response.status });
    }
    const url = URL.createObjectURL(await response.blob());
    const link = Object.assign(document.createElement('a'), { href: url, download: `llm-usage-${view}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}
