// Showing problem+json answers: field messages next to their fields, the rest in one alert.
import { h } from './dom.js';

export function clearFieldErrors(root) {
  for (const field of root.querySelectorAll('.field.invalid')) field.classList.remove('invalid');
  for (const p of root.querySelectorAll('.field-error')) {
    p.textContent = '';
    p.hidden = true;
  }
  for (const input of root.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/** The person is fixing the field: its message goes until the next answer. */
function clearField(field) {
  field.classList.remove('invalid');
  const slot = field.querySelector(':scope > .field-error');
  if (slot) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const input of field.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

function fieldFor(root, key) {
  // "data.so_ban" is shown on its field; "documents.0.name" on "documents" when there is no deeper one.
  const parts = key.split('.');
  while (parts.length) {
    const found = root.querySelector(`[data-field="${CSS.escape(parts.join('.'))}"]`);
    if (found) return found;
    parts.pop();
  }
  return null;
}

/** Put `errors` ({path: [messages]}) next to their fields; returns those that have no field. */
export function showFieldErrors(root, errors) {
  clearFieldErrors(root);
  const rest = {};
  let first = null;
  for (const [key, messages] of Object.entries(errors || {})) {
    const list = Array.isArray(messages) ? messages : [String(messages)];
    const field = fieldFor(root, key);
    if (!field) {
      rest[key] = list;
      continue;
    }
    field.classList.add('invalid');
    field.addEventListener('input', () => clearField(field), { once: true });
    field.addEventListener('change', () => clearField(field), { once: true });
    const slot = field.querySelector(':scope > .field-error');
    if (slot) {
      slot.textContent = [slot.textContent, ...list].filter(Boolean).join(' ');
      slot.hidden = false;
    }
    const control = field.querySelector('input, select, textarea');
    if (control) {
      control.setAttribute('aria-invalid', 'true');
      first = first || control;
    }
  }
  if (first) first.focus();
  return rest;
}

/** An alert element for an ApiError (or any Error), listing the errors no field took. */
export function problemAlert(error, rest = null) {
  const problem = error && error.problem ? error.problem : { detail: String(error && error.message) };
  const box = h('div', { class: 'alert error', role: 'alert' });
  if (problem.title) box.append(h('span', { class: 'alert-title', text: problem.title }));
  if (problem.detail) box.append(h('span', { class: 'alert-detail', text: problem.detail }));
  const leftover = rest === null ? problem.errors : rest;
  const entries = Object.entries(leftover || {});
  if (entries.length) {
    box.append(h('ul', {}, entries.map(([key, messages]) => h('li', {
      text: `${key === '_' ? '' : `${key}: `}${[].concat(messages).join(' ')}`,
    }))));
  }
  if (Array.isArray(problem.problems)) {
    box.append(h('ul', {}, problem.problems.map((p) => h('li', { text: p.message }))));
  }
  return box;
}

/** Show an ApiError inside `root`: fields get their messages, `slot` the alert. */
export function showProblem(root, slot, error) {
  const rest = error && error.problem ? showFieldErrors(root, error.errors) : {};
  slot.replaceChildren(problemAlert(error, rest));
  slot.hidden = false;
  slot.scrollIntoView({ block: 'nearest' });
}
