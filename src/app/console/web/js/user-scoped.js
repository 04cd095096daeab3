// What the Budgets and Rate limits pages share: the "only user" filter, and saving a row keyed by user, slot and token.
import { del, put } from './api.js';
import { busy, h } from './dom.js';

/** `[input][Show]`: Enter or the button calls `onApply(userId)` ('' for everyone) with the button busy. */
export function userFilterForm({ id, value, label, applyLabel, onApply }) {
  const input = h(`input#${id}`, { placeholder: 'alice', maxlength: 64, value, 'aria-label': label });
  const apply = h(`button#${id}-apply`, { type: 'submit' }, applyLabel);
  const form = h('form.row', { novalidate: true }, input, apply);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    busy(apply, () => onApply(input.value.trim()));
  });
  return form;
}

const keyOf = (row) => JSON.stringify([row.userId ?? null, row.usageKey ?? null, row.tokenId ?? null]);

/**
 * PUTs `body` to `path` (create or replace by user, slot and token). Editing `old` into another user, slot or token
 * saved a new row, so the old one is deleted after it.
 */
export async function putReplacing(path, old, body) {
  const saved = await put(path, body);
  if (old?.id !== undefined && keyOf(old) !== keyOf(body)) await del(`${path}/${old.id}`);
  return saved;
}
