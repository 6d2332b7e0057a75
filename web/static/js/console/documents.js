// Links to a dossier's printable papers. The API wants the bearer token, which a plain link cannot
// send, so the papers open in the viewer page (/app/giay-to), which fetches them with the token this
// tab holds (an opened window starts with a copy of the opener's sessionStorage).
import { h } from '../dom.js';
import { DOCUMENTS } from '../format.js';

export function documentHref(code, form) {
  return `/app/giay-to?ma=${encodeURIComponent(code)}&mau=${encodeURIComponent(form)}`;
}

export function documentLink(code, form, label = DOCUMENTS[form] || form, extraClass = '') {
  return h('a', {
    class: `button small ${extraClass}`.trim(), href: documentHref(code, form), target: '_blank', rel: 'opener',
    text: label, title: `${label} (mở cửa sổ mới để in)`,
  });
}

/** The papers that apply to a dossier in its current state. */
export function documentsFor(dossier) {
  const forms = ['receipt'];
  if (dossier.supplement_count > 0 || dossier.status === 'supplement_requested') forms.push('supplement');
  if (dossier.status === 'rejected') forms.push('refusal');
  if (dossier.status === 'stopped') forms.push('stop');
  if (dossier.apology) forms.push('apology');
  forms.push('control-slip');
  return forms;
}
