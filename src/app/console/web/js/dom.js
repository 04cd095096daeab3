import { t } from './i18n.js';
import { errorText } from './error-text.js';

/** `h('button.primary#save', { onclick }, 'Save')`: an element with classes, id, attributes, listeners, children. */
export function h(spec, attrs = {}, ...children) {
  const tag = /^[a-z0-9]*/i.exec(spec)[0] || 'div';
  const el = document.createElement(tag);
  for (const [, kind, name] of spec.slice(tag.length).matchAll(/([.#])([^.#]+)/g)) {
    if (kind === '#') el.id = name;
    else el.classList.add(name);
  }
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked') el.checked = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the content of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function toast(message, kind = 'info') {
  const el = h(`div.toast.${kind}`, { role: kind === 'error' ? 'alert' : 'status' }, message);
  document.getElementById('toasts').append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 9000 : 4000);
}

/** Shows the server's message in the operator's language (never a stack) and returns it, for inline error slots too. */
export function showError(error) {
  const message = errorText(error);
  toast(message, 'error');
  return message;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex="0"]';

/**
 * A modal; resolves with what `build(close)` passes to `close`, or null when cancelled (Escape, the backdrop). Tab and
 * Shift+Tab stay inside it; on closing, focus returns to what had it before (the button that opened it).
 */
export function modal(title, build) {
  return new Promise((resolve) => {
    const root = document.getElementById('modal-root');
    const opener = document.activeElement;
    const close = (value) => {
      root.replaceChildren();
      if (opener && opener.isConnected) opener.focus();
      resolve(value ?? null);
    };
    const box = h('div.modal', { role: 'dialog', 'aria-modal': 'true', 'aria-label': title }, h('h2', {}, title));
    box.append(...[build(close)].flat());
    const backdrop = h('div.modal-backdrop', { onclick: (event) => { if (event.target === backdrop) close(null); } }, box);
    backdrop.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') { event.preventDefault(); close(null); }
      if (event.key === 'Tab') trapTab(box, event);
    });
    root.replaceChildren(backdrop);
    // A confirmation has no field: its first button (Cancel, the safe one) takes focus, so Escape and Tab work at once.
    (box.querySelector('input, textarea, select, button.primary') ?? box.querySelector('button'))?.focus();
  });
}

/** Keeps Tab inside `box`: past the last control it wraps to the first, and back. */
function trapTab(box, event) {
  const items = [...box.querySelectorAll(FOCUSABLE)].filter((el) => !el.closest('[hidden]') && el.offsetParent !== null);
  if (items.length === 0) return;
  const [first, last] = [items[0], items[items.length - 1]];
  const inside = box.contains(document.activeElement);
  if (event.shiftKey && (document.activeElement === first || !inside)) { event.preventDefault(); last.focus(); }
  else if (!event.shiftKey && (document.activeElement === last || !inside)) { event.preventDefault(); first.focus(); }
}

/** Enter in `input` does what a click on `button` does (fields outside a form: the key and probe fields). */
export function submitOnEnter(input, button) {
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.isComposing) { event.preventDefault(); button.click(); }
  });
  return input;
}

/** Asks to confirm a dangerous action; `danger` makes the confirm button red. */
export function confirmDialog(title, message, { confirmLabel = t('common.confirm'), danger = true, also = '' } = {}) {
  return modal(title, (close) => [
    h('p.alert.warn', {}, message),
    typeof also === 'string' ? (also ? h('p.alert.warn#confirm-also', {}, also) : null) : also,
    h('div.row.end', {},
      h('button#confirm-cancel', { type: 'button', onclick: () => close(false) }, t('common.cancel')),
      h(`button#confirm-ok.${danger ? 'danger.solid' : 'primary'}`, { type: 'button', onclick: () => close(true) }, confirmLabel)),
  ]).then(Boolean);
}

/** A labelled field with an error slot under it. */
export function field(label, input, hint) {
  return h('label', {}, h('span', {}, label), input, hint ? h('span.hint', {}, hint) : null, h('span.field-error'));
}

/** Marks `input` invalid with `message` (or clears it when message is empty). */
export function setFieldError(input, message) {
  input.classList.toggle('invalid', Boolean(message));
  const slot = input.parentElement?.querySelector('.field-error');
  if (slot) slot.textContent = message || '';
  return !message;
}

/** Runs `action` with `button` disabled; errors are shown and swallowed (the page stays usable). */
export async function busy(button, action) {
  button.disabled = true;
  try {
    return await action();
  } catch (error) {
    showError(error);
    return undefined;
  } finally {
    button.disabled = false;
  }
}

export const fmt = (n) => Number(n ?? 0).toLocaleString();

export function table(columns, rows, { empty, onRowClick, selected, rowId } = {}) {
  if (!rows.length) return h('div.empty', {}, empty ?? t('common.empty'));
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map((c) => h(c.num ? 'th.num' : 'th', {}, c.label)))),
    h('tbody', {}, rows.map((row) => {
      const isSelected = selected !== undefined && rowId?.(row) === selected;
      return h(`tr${onRowClick ? '.selectable' : ''}${isSelected ? '.selected' : ''}`, {
        onclick: onRowClick ? () => onRowClick(row) : undefined,
        // Selectable rows are reachable with Tab and chosen with Enter or Space, like buttons.
        tabindex: onRowClick ? '0' : undefined,
        'aria-selected': onRowClick ? String(isSelected) : undefined,
        onkeydown: onRowClick ? (event) => chooseRowByKey(event, row, onRowClick, rowId) : undefined,
        dataset: rowId ? { id: String(rowId(row)) } : undefined,
      }, columns.map((c) => h(c.num ? 'td.num' : 'td', {}, c.render(row))));
    })));
}

function chooseRowByKey(event, row, onRowClick, rowId) {
  if (event.target !== event.currentTarget || (event.key !== 'Enter' && event.key !== ' ')) return;
  event.preventDefault();
  onRowClick(row);
  // The page re-renders its table: the keyboard goes on from the chosen row.
  if (rowId) document.querySelector(`tr.selectable[data-id="${CSS.escape(String(rowId(row)))}"]`)?.focus();
}

/**
 * Wires a dialog form: on submit, `validate()` (false stops), then `action()` with the button disabled; its result
 * closes the dialog, a failure shows the server's message in `serverError` and keeps the dialog open.
 */
export function submitDialogForm(form, { submit, serverError, validate, action, close }) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!validate()) return;
    submit.disabled = true;
    try {
      close(await action());
    } catch (error) {
      serverError.hidden = false;
      serverError.textContent = errorText(error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}
