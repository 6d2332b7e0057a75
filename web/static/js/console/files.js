// A dossier's files in the console: the desk attaches scans (drag and drop, a file, or a phone
// camera's picture) uploaded to POST /files; the specialist and the leader read PDFs and images
// inline (fetched with the bearer token, shown from a blob: URL); the leader attaches the result.
import { fetchBlob, get, post, uploadFile } from '../api.js';
import { h, uid } from '../dom.js';
import { problemAlert } from '../errors.js';
import { dateTime } from '../format.js';

const ACCEPT = 'application/pdf,image/*';
const ROLE = { component: 'Thành phần hồ sơ', supplement: 'Bổ sung', result: 'Kết quả' };

export function size(bytes) {
  if (!Number.isFinite(bytes)) return '';
  if (bytes < 1024) return `${bytes} byte`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace('.', ',')} MB`;
}

function problemText(error) {
  const p = error.problem || {};
  return [p.title, p.detail].filter(Boolean).join(': ') || error.message;
}

/**
 * One document's scan: a drop zone with "Chọn tệp" and "Chụp ảnh" (capture=environment opens a
 * phone's camera). The file is uploaded at once; read() gives {file_id} once it is there.
 */
export function attachField(label) {
  const id = uid('scan');
  const status = h('span', { class: 'scan-status', role: 'status' });
  const chooser = h('input', { type: 'file', id: `${id}-file`, accept: ACCEPT, class: 'visually-hidden', dataset: { upload: 'file' } });
  const camera = h('input', {
    type: 'file', id: `${id}-camera`, accept: ACCEPT, capture: 'environment', class: 'visually-hidden', dataset: { upload: 'camera' },
  });
  let uploaded = null;
  let pending = null;
  const remove = h('button', { type: 'button', class: 'small ghost', text: 'Bỏ tệp', hidden: true, title: `Bỏ tệp của ${label}` });
  const zone = h('div', { class: 'dropzone', dataset: { scan: label } },
    h('span', { class: 'hint', text: 'Kéo thả bản quét vào đây, hoặc ' }),
    chooser, h('label', { for: chooser.id, class: 'button small', text: 'Chọn tệp', title: `Chọn bản quét: ${label}` }),
    ' ',
    camera, h('label', { for: camera.id, class: 'button small', text: 'Chụp ảnh', title: `Chụp ảnh: ${label}` }),
    ' ', status, ' ', remove);

  async function take(file) {
    if (!file) return;
    uploaded = null;
    remove.hidden = true;
    zone.classList.remove('has-file', 'failed');
    status.textContent = `Đang tải lên ${file.name || 'ảnh chụp'}…`;
    pending = uploadFile(file);
    try {
      uploaded = await pending;
      status.textContent = `${uploaded.name} (${size(uploaded.size)})`;
      zone.classList.add('has-file');
      zone.dataset.fileId = uploaded.id;
      remove.hidden = false;
    } catch (error) {
      status.textContent = problemText(error);
      zone.classList.add('failed');
    } finally {
      pending = null;
    }
  }
  for (const input of [chooser, camera]) {
    input.addEventListener('change', () => {
      take(input.files && input.files[0]);
      input.value = '';
    });
  }
  remove.addEventListener('click', () => {
    uploaded = null;
    delete zone.dataset.fileId;
    zone.classList.remove('has-file');
    status.textContent = '';
    remove.hidden = true;
  });
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    take(event.dataTransfer && event.dataTransfer.files[0]);
  });
  return {
    element: zone,
    /** Waits for an upload under way, then {file_id} or {}. */
    async read() {
      if (pending) {
        try {
          await pending;
        } catch {
          // the message is already beside the field
        }
      }
      return uploaded ? { file_id: uploaded.id } : {};
    },
  };
}

/** PDFs and images are shown inline; other types are offered for download. */
export function viewable(file) {
  return file.media_type === 'application/pdf' || String(file.media_type).startsWith('image/');
}

/** One file read inline: fetched with the token, shown from a blob: URL (revoked when replaced). */
export function fileViewer(code, file) {
  const box = h('figure', { class: 'file-view', dataset: { file: file.id } },
    h('p', { class: 'hint', text: 'Đang tải tệp…' }),
    h('figcaption', { text: `${file.name} · ${size(file.size)}` }));
  fetchBlob(`/dossiers/${encodeURIComponent(code)}/files/${encodeURIComponent(file.id)}`).then((blob) => {
    const url = URL.createObjectURL(blob);
    const title = `${ROLE[file.role] || 'Tệp'}: ${file.document || file.name}`;
    let shown;
    if (file.media_type === 'application/pdf') {
      shown = h('iframe', { src: url, title, class: 'pdf', referrerpolicy: 'no-referrer' });
    } else if (String(file.media_type).startsWith('image/')) {
      shown = h('img', { src: url, alt: title });
    } else {
      shown = h('a', { href: url, download: file.name, class: 'button small', text: `Tải về ${file.name}` });
    }
    box.replaceChildren(shown, box.querySelector('figcaption'),
      h('a', { href: url, download: file.name, class: 'small', text: 'Tải về' }));
  }).catch((error) => box.replaceChildren(problemAlert(error)));
  return box;
}

/** A dossier's files: a list (role, document, name, size, time), each opened inline on demand;
 * `open`: how many viewable files to open at once (the step's reader sees the first scan). */
export function filesList(code, items, { open = 0 } = {}) {
  if (!items.length) return h('p', { class: 'empty', text: 'Hồ sơ chưa có tệp đính kèm.' });
  let opened = 0;
  return h('ul', { class: 'file-list' }, items.map((f) => {
    const slot = h('div', { class: 'file-slot' });
    const show = h('button', {
      type: 'button', class: 'small', text: viewable(f) ? 'Xem' : 'Tải về', 'aria-expanded': 'false',
      'aria-label': `${viewable(f) ? 'Xem' : 'Tải về'} ${f.name}`,
    });
    const toggle = () => {
      if (slot.firstChild) {
        slot.replaceChildren();
        show.setAttribute('aria-expanded', 'false');
      } else {
        slot.append(fileViewer(code, f));
        show.setAttribute('aria-expanded', 'true');
      }
    };
    show.addEventListener('click', toggle);
    if (viewable(f) && opened < open) {
      opened += 1;
      toggle();
    }
    return h('li', { dataset: { file: f.id, role: f.role } },
      h('span', { class: 'badge info', text: ROLE[f.role] || f.role }), ' ',
      h('strong', { text: f.document || f.name }), ' ',
      h('span', { class: 'hint', text: `${f.name} · ${size(f.size)} · ${dateTime(f.uploaded_at)}` }),
      f.reused_from ? [' ', h('span', { class: 'badge', text: 'tái sử dụng' })] : null,
      ' ', show, slot);
  }));
}

/** The "Tệp đính kèm" panel of a dossier (loads the list itself). */
export function filesPanel(code, { open = 0, title = 'Tệp đính kèm' } = {}) {
  const titleId = uid('files');
  const body = h('div', {}, h('p', { class: 'hint', text: 'Đang tải danh sách tệp…' }));
  get(`/dossiers/${encodeURIComponent(code)}/files`)
    .then((answer) => body.replaceChildren(filesList(code, answer.items || [], { open })))
    .catch((error) => body.replaceChildren(problemAlert(error)));
  return h('section', { class: 'panel files', id: 'dossier-files', 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: title }), body);
}

/** The competent office attaches the electronic result (POST /dossiers/{code}/result). */
export function resultPanel(code, { onDone } = {}) {
  const titleId = uid('result');
  const scan = attachField('Kết quả giải quyết');
  const numberId = uid('result-number');
  const number = h('input', { id: numberId, name: 'number', maxlength: 64, autocomplete: 'off', placeholder: 'Ví dụ: 123/QĐ-UBND' });
  const messages = h('div', { class: 'messages' });
  const submit = h('button', { type: 'submit', class: 'primary', id: 'result-submit', text: 'Đính kèm kết quả' });
  const form = h('form', { novalidate: true, id: 'result-form' },
    h('div', { class: 'field', dataset: { field: 'file_id' } },
      h('p', { class: 'field-label', text: 'Tệp kết quả (bản điện tử đã ký)' }), scan.element,
      h('p', { class: 'field-error', hidden: true })),
    h('div', { class: 'field', dataset: { field: 'number' } },
      h('label', { for: numberId, text: 'Số, ký hiệu văn bản' }), number, h('p', { class: 'field-error', hidden: true })),
    messages, h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    messages.replaceChildren();
    submit.disabled = true;
    try {
      const got = await scan.read();
      if (!got.file_id) {
        messages.replaceChildren(h('p', { class: 'alert error', text: 'Chọn hoặc kéo thả tệp kết quả trước.' }));
        return;
      }
      const body = { file_id: got.file_id };
      if (number.value.trim()) body.number = number.value.trim();
      await post(`/dossiers/${encodeURIComponent(code)}/result`, body);
      form.replaceChildren(h('p', { class: 'alert success', id: 'result-done', text: 'Đã đính kèm kết quả điện tử.' }));
      if (onDone) onDone();
    } catch (error) {
      messages.replaceChildren(problemAlert(error));
    } finally {
      submit.disabled = false;
    }
  });
  return h('section', { class: 'panel', id: 'result-panel', 'aria-labelledby': titleId },
    h('h2', { id: titleId, text: 'Kết quả điện tử' }), form);
}
