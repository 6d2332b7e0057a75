// "Tiếp nhận hồ sơ": the desk receives a dossier — procedure, channel, applicant, the application
// form rendered from the procedure's JSON Schema, the documents checklist — and prints the receipt.
import { get, post } from '../api.js';
import { facts, h, uid } from '../dom.js';
import { clearFieldErrors, problemAlert, showProblem } from '../errors.js';
import { renderSchemaForm } from '../form-renderer.js';
import { CHANNEL, dateTime, lane, money, STATUS } from '../format.js';
import { documentLink } from './documents.js';
import { attachField } from './files.js';

function input(path, labelText, { required = false, type = 'text', ...attrs } = {}) {
  const id = uid('rcv');
  const control = h('input', {
    id, name: path, type, 'aria-required': required ? 'true' : null, 'aria-describedby': `${id}-err`, ...attrs,
  });
  const element = h('div', { class: 'field', dataset: { field: path } },
    h('label', { for: id }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null),
    control,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
  return { element, control };
}

function select(path, labelText, options, { required = true } = {}) {
  const id = uid('rcv');
  const control = h('select', { id, name: path, 'aria-required': required ? 'true' : null, 'aria-describedby': `${id}-err` },
    options.map(([value, text]) => h('option', { value, text })));
  const element = h('div', { class: 'field', dataset: { field: path } },
    h('label', { for: id }, labelText, required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null),
    control,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
  return { element, control };
}

function documentsTable(documents) {
  // Each document received may carry its scan (drag and drop, a file, or a phone camera's
  // picture): uploaded at once, sent as `file_id`; a document is digitized exactly when it has one.
  const rows = documents.map((doc, i) => {
    const received = h('input', { type: 'checkbox', checked: true, id: uid('doc'), 'aria-label': `Đã nhận: ${doc.name}` });
    const scan = attachField(doc.name);
    received.addEventListener('change', () => { scan.element.hidden = !received.checked; });
    return {
      doc, received, scan,
      row: h('tr', { dataset: { doc: String(i) } },
        h('td', { 'data-label': 'Giấy tờ' }, doc.name, doc.copies ? h('span', { class: 'hint', text: ` (${doc.copies} bản)` }) : null),
        h('td', { 'data-label': 'Đã nhận' }, received),
        h('td', { 'data-label': 'Bản quét', class: 'scan' }, scan.element)),
    };
  });
  const element = h('div', { class: 'field', dataset: { field: 'documents' } },
    h('p', { class: 'field-label', text: 'Thành phần hồ sơ' }),
    rows.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'list stack docs-table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Giấy tờ' }), h('th', { scope: 'col', text: 'Đã nhận' }),
          h('th', { scope: 'col', class: 'scan', text: 'Bản quét (PDF, ảnh)' }))),
        h('tbody', {}, rows.map((r) => r.row))))
      : h('p', { class: 'hint', text: 'Thủ tục không quy định thành phần hồ sơ.' }),
    h('p', { class: 'field-error', hidden: true }));
  const read = async () => Promise.all(rows.filter((r) => r.received.checked)
    .map(async (r) => ({ name: r.doc.name, ...(await r.scan.read()) })));
  return { element, read };
}

/** Office code → name (people and offices by their names, never codes). */
async function officeNames() {
  try {
    const answer = await get('/offices', { per_page: 100 });
    return Object.fromEntries(answer.items.map((o) => [o.code, o.name]));
  } catch {
    return {};
  }
}

function receivedPanel(view, ctx, dossier, offices = {}) {
  const step = dossier.current_steps && dossier.current_steps[0];
  view.replaceChildren(
    h('h1', { text: 'Tiếp nhận hồ sơ' }),
    h('section', { class: 'panel', id: 'received', 'aria-labelledby': 'received-title' },
      h('h2', { id: 'received-title', tabindex: '-1', text: 'Đã tiếp nhận hồ sơ' }),
      h('p', {}, 'Mã hồ sơ: ', h('span', { class: 'big-code', id: 'received-code', text: dossier.code })),
      facts([
        ['Thủ tục', dossier.procedure_name || dossier.procedure_code],
        ['Kênh tiếp nhận', CHANNEL[dossier.channel] || dossier.channel],
        ['Ngày tiếp nhận', dateTime(dossier.received_at)],
        ['Hẹn trả kết quả', h('span', { id: 'received-due', text: dateTime(dossier.due_at) })],
        ['Trạng thái', STATUS[dossier.status] || dossier.status],
        ['Bước tiếp theo', step ? `${step.name} — ${lane(step.lane)} (${offices[step.office] || step.office})` : ''],
      ]),
      h('div', { class: 'actions' },
        documentLink(dossier.code, 'receipt', 'In giấy tiếp nhận', 'primary'),
        h('a', { class: 'button small', href: `#/ho-so/${encodeURIComponent(dossier.code)}`, text: 'Xem hồ sơ' }),
        h('button', { type: 'button', class: 'small', text: 'Tiếp nhận hồ sơ khác', onclick: () => renderReceive(view, ctx) }))));
  view.querySelector('#received-title').focus();
}

export async function renderReceive(view, ctx) {
  view.replaceChildren(h('h1', { text: 'Tiếp nhận hồ sơ' }), h('p', { class: 'hint', text: 'Đang tải danh sách thủ tục…' }));
  let procedures;
  let offices;
  try {
    [procedures, offices] = await Promise.all([get('/procedures', { per_page: 100 }).then((a) => a.items), officeNames()]);
  } catch (error) {
    view.replaceChildren(h('h1', { text: 'Tiếp nhận hồ sơ' }), problemAlert(error));
    return;
  }
  const messages = h('div', { class: 'messages' });
  const deskNote = h('div', { id: 'desk-state', 'aria-live': 'polite' });
  let deskClosed = false;
  const procedure = select('procedure_code', 'Thủ tục hành chính',
    [['', '— Chọn thủ tục —'], ...procedures.map((p) => [p.code, p.name])]);
  procedure.control.id = 'rcv-procedure';
  procedure.element.querySelector('label').setAttribute('for', 'rcv-procedure');
  const info = h('div', { class: 'procedure-info' });
  const channel = select('channel', 'Kênh tiếp nhận', Object.entries(CHANNEL));
  const name = input('applicant.name', 'Họ và tên người nộp', { required: true, autocomplete: 'off', maxlength: 255 });
  const idNumber = input('applicant.id_number', 'Số định danh cá nhân / CCCD', { required: true, autocomplete: 'off', inputmode: 'numeric', maxlength: 20 });
  const phone = input('applicant.phone', 'Số điện thoại', { required: true, type: 'tel', autocomplete: 'off', maxlength: 20 });
  const email = input('applicant.email', 'Thư điện tử', { type: 'email', autocomplete: 'off' });
  const address = input('applicant.address', 'Địa chỉ', { autocomplete: 'off', maxlength: 500 });
  const applicationSlot = h('div', { class: 'application-form' });
  const documentsSlot = h('div', { class: 'documents' });
  const submit = h('button', { type: 'submit', class: 'primary', text: 'Tiếp nhận hồ sơ', disabled: true });
  let appForm = null;
  let docs = null;

  // The closed-desk warning comes before the clerk fills a direct-channel form the receipt would refuse.
  async function checkDesk() {
    const code = procedure.control.value;
    const asked = `${code}|${channel.control.value}`;
    if (channel.control.value !== 'direct' || !ctx.user || !ctx.user.office_code) {
      deskClosed = false;
      deskNote.replaceChildren();
      submit.disabled = !appReady;
      return;
    }
    let state;
    try {
      state = await get(`/offices/${encodeURIComponent(ctx.user.office_code)}/desk`, { procedure: code || undefined });
    } catch {
      return; // the receipt itself still answers 409 if the desk is closed
    }
    if (`${procedure.control.value}|${channel.control.value}` !== asked) return;
    deskClosed = !state.open;
    deskNote.replaceChildren(...(deskClosed ? [h('div', { class: 'alert warn', role: 'alert', id: 'desk-closed' },
      h('strong', { text: 'Ngoài giờ tiếp nhận trực tiếp. ' }), state.message)] : []));
    submit.disabled = !appReady || deskClosed;
  }
  let appReady = false;

  const form = h('form', { class: 'panel', id: 'receive-form', novalidate: true },
    deskNote,
    h('div', { class: 'grid-2' }, procedure.element, channel.element),
    info,
    h('fieldset', { class: 'group' }, h('legend', { text: 'Người nộp hồ sơ' }),
      h('div', { class: 'grid-2' }, name.element, idNumber.element, phone.element, email.element),
      address.element),
    h('fieldset', { class: 'group' }, h('legend', { text: 'Tờ khai' }), applicationSlot),
    documentsSlot,
    messages,
    h('div', { class: 'actions' }, submit));

  async function chooseProcedure() {
    appForm = null;
    docs = null;
    appReady = false;
    submit.disabled = true;
    messages.replaceChildren();
    applicationSlot.replaceChildren();
    documentsSlot.replaceChildren();
    info.replaceChildren();
    const code = procedure.control.value;
    if (!code) {
      applicationSlot.append(h('p', { class: 'hint', text: 'Chọn thủ tục để hiện tờ khai.' }));
      checkDesk();
      return;
    }
    let detail;
    try {
      detail = await get(`/procedures/${encodeURIComponent(code)}`);
    } catch (error) {
      messages.replaceChildren(problemAlert(error));
      return;
    }
    if (procedure.control.value !== code) return; // the clerk chose another one meanwhile
    const manifest = detail.manifest || {};
    const channels = manifest.channels && manifest.channels.length ? manifest.channels : Object.keys(CHANNEL);
    channel.control.replaceChildren(...channels.map((c) => h('option', { value: c, text: CHANNEL[c] || c })));
    info.append(h('p', { class: 'hint', text: [
      manifest.field ? `Lĩnh vực: ${manifest.field}` : '',
      `Thời hạn giải quyết: ${Number(manifest.legal_days) === 0 ? 'trong ngày' : `${manifest.legal_days} ngày làm việc`}`,
      manifest.fee ? `Lệ phí: ${money(manifest.fee)}` : 'Không thu lệ phí',
      manifest.competent_office ? `Cơ quan giải quyết: ${offices[manifest.competent_office] || manifest.competent_office}` : '',
    ].filter(Boolean).join(' · ') }));
    const schema = manifest.application_form && detail.forms ? detail.forms[manifest.application_form] : null;
    if (schema) {
      appForm = renderSchemaForm(schema, { prefix: 'data' });
      applicationSlot.append(appForm.element);
    } else {
      applicationSlot.append(h('p', { class: 'hint', text: 'Thủ tục này không có tờ khai điện tử.' }));
    }
    docs = documentsTable(manifest.documents || []);
    documentsSlot.append(docs.element);
    appReady = true;
    submit.disabled = false;
    await checkDesk();
  }

  procedure.control.addEventListener('change', chooseProcedure);
  channel.control.addEventListener('change', checkDesk);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!procedure.control.value) return;
    clearFieldErrors(form);
    messages.replaceChildren();
    const applicant = {
      name: name.control.value.trim(), id_number: idNumber.control.value.trim(), phone: phone.control.value.trim(),
    };
    if (email.control.value.trim()) applicant.email = email.control.value.trim();
    if (address.control.value.trim()) applicant.address = address.control.value.trim();
    const body = {
      procedure_code: procedure.control.value,
      channel: channel.control.value,
      applicant,
      data: appForm ? appForm.read() : {},
      documents: [],
    };
    submit.disabled = true;
    try {
      body.documents = docs ? await docs.read() : [];
      const dossier = await post('/dossiers', body);
      receivedPanel(view, ctx, dossier, offices);
    } catch (error) {
      showProblem(form, messages, error);
      submit.disabled = false;
    }
  });

  view.replaceChildren(h('h1', { text: 'Tiếp nhận hồ sơ' }), form);
  chooseProcedure();
}
