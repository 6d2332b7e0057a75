// Small modal dialogs for the dossier actions (native <dialog>: focus trap and Esc for free).
import { h, uid } from '../dom.js';
import { clearFieldErrors, showProblem } from '../errors.js';
import { localInputToInstant } from '../format.js';

function frame(path, labelText, control, { required = false, hint = null } = {}) {
  const id = control.id || uid('dlg');
  control.id = id;
  control.setAttribute('aria-describedby', `${id}-err${hint ? ` ${id}-hint` : ''}`);
  if (required) control.setAttribute('aria-required', 'true');
  return h('div', { class: 'field', dataset: { field: path } },
    h('label', { for: id }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null),
    control,
    hint ? h('p', { class: 'desc', id: `${id}-hint`, text: hint }) : null,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
}

/** A text area field; read() gives the trimmed text, or undefined when empty. */
export function textArea(path, labelText, options = {}) {
  const control = h('textarea', { name: path, rows: options.rows || 3, maxlength: options.maxlength || 2000 });
  return {
    element: frame(path, labelText, control, options),
    read: () => control.value.trim() || undefined,
  };
}

/** One item per line. */
export function lines(path, labelText, options = {}) {
  const control = h('textarea', { name: path, rows: options.rows || 3, value: (options.value || []).join('\n') });
  return {
    element: frame(path, labelText, control, { ...options, hint: options.hint || 'Mỗi dòng một mục.' }),
    read: () => control.value.split('\n').map((s) => s.trim()).filter(Boolean),
  };
}

/** A date and time in Vietnam's zone. */
export function dateTimeField(path, labelText, options = {}) {
  const control = h('input', { type: 'datetime-local', name: path });
  return {
    element: frame(path, labelText, control, options),
    read: () => localInputToInstant(control.value),
  };
}

/**
 * Open a dialog; `fields` is a list of {element, read, key}; onSubmit(data) runs the action.
 * Errors (422 next to the fields, others as a message) keep the dialog open.
 */
export function openDialog({ title, intro, fields = [], submitLabel = 'Xác nhận', danger = false, onSubmit }) {
  const titleId = uid('dlg-title');
  const messages = h('div', { class: 'messages' });
  const submit = h('button', { type: 'submit', class: danger ? 'danger' : 'primary', text: submitLabel });
  const cancel = h('button', { type: 'button', text: 'Hủy' });
  const form = h('form', { novalidate: true },
    h('h2', { id: titleId, text: title }),
    intro ? h('p', { text: intro }) : null,
    fields.map((f) => f.element),
    messages,
    h('div', { class: 'actions' }, submit, cancel));
  const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'action-dialog' }, form);
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => dialog.remove());
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    messages.replaceChildren();
    const data = {};
    submit.disabled = true;
    for (const f of fields) {
      if (!f.key) continue;
      const value = await f.read(); // a field may wait for an upload under way
      if (value !== undefined) data[f.key] = value;
    }
    submit.disabled = true;
    try {
      await onSubmit(data);
      dialog.close();
    } catch (error) {
      showProblem(form, messages, error);
      submit.disabled = false;
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}
