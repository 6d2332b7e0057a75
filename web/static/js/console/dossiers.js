// "Hồ sơ": the office's dossiers (status filter, pages) and one dossier with its steps, history,
// actions and printable papers.
import { get, post } from '../api.js';
import { facts, h, table } from '../dom.js';
import { problemAlert } from '../errors.js';
import { CHANNEL, dateTime, DOCUMENTS, EVENT, lane, STATUS, STATUS_TONE } from '../format.js';
import { dateTimeField, lines, openDialog, textArea } from './dialogs.js';
import { diagramPanel } from './diagram.js';
import { documentLink, documentsFor } from './documents.js';
import { attachField, filesPanel, resultPanel } from './files.js';

const PER_PAGE = 20;
const RATING = { very_satisfied: 'Rất hài lòng', satisfied: 'Hài lòng', dissatisfied: 'Không hài lòng' };
const WORKING = ['receiver', 'specialist', 'leader'];

function statusBadge(status) {
  return h('span', { class: `badge ${STATUS_TONE[status] || ''}`.trim(), dataset: { status }, text: STATUS[status] || status });
}

function flags(dossier) {
  return [
    dossier.overdue ? h('span', { class: 'badge bad', text: 'Quá hạn' }) : null,
    dossier.apology_required ? h('span', { class: 'badge warn', text: 'Cần xin lỗi, hẹn lại' }) : null,
    dossier.paused ? h('span', { class: 'badge warn', text: 'Tạm dừng chờ bổ sung' }) : null,
    dossier.apology ? h('span', { class: 'badge info', text: 'Đã hẹn lại' }) : null,
  ].filter(Boolean).flatMap((b) => [' ', b]);
}

function listHash(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const text = params.toString();
  return `#/ho-so${text ? `?${text}` : ''}`;
}

export async function renderDossierList(view, ctx, query = {}) {
  const status = STATUS[query['trang-thai']] ? query['trang-thai'] : '';
  const overdue = query['qua-han'] === '1';
  const page = Math.max(1, Number.parseInt(query.trang, 10) || 1);
  const search = (query.tim || '').trim();

  const statusSelect = h('select', { id: 'filter-status', name: 'status' },
    h('option', { value: '', text: 'Tất cả' }),
    Object.entries(STATUS).map(([value, text]) => h('option', { value, text, selected: value === status })));
  const overdueBox = h('input', { type: 'checkbox', id: 'filter-overdue', checked: overdue });
  const searchBox = h('input', {
    type: 'search', id: 'filter-q', name: 'q', value: search, maxlength: 100, autocomplete: 'off',
    placeholder: 'Mã hồ sơ, họ tên (gõ có hoặc không dấu), số CCCD, số điện thoại',
  });
  const filter = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Tìm và lọc hồ sơ' },
    h('div', { class: 'field grow' }, h('label', { for: 'filter-q', text: 'Tìm hồ sơ' }), searchBox),
    h('div', { class: 'field' }, h('label', { for: 'filter-status', text: 'Trạng thái' }), statusSelect),
    h('label', { class: 'choice', for: 'filter-overdue' }, overdueBox, 'Chỉ hồ sơ quá hạn'),
    h('button', { type: 'submit', text: 'Tìm' }));
  filter.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(listHash({ tim: searchBox.value.trim(), 'trang-thai': statusSelect.value, 'qua-han': overdueBox.checked ? '1' : '' }));
  });
  const results = h('div', { id: 'dossier-list' }, h('p', { class: 'hint', text: 'Đang tải…' }));
  view.replaceChildren(h('h1', { text: 'Hồ sơ' }), filter, results);

  let answer;
  try {
    answer = await get('/dossiers', {
      q: search || undefined, status, overdue: overdue ? 'true' : undefined, page, per_page: PER_PAGE,
    });
  } catch (error) {
    results.replaceChildren(problemAlert(error));
    return;
  }
  const pages = Math.max(1, Math.ceil(answer.total / answer.per_page));
  const base = { tim: search, 'trang-thai': status, 'qua-han': overdue ? '1' : '' };
  results.replaceChildren(
    answer.items.length ? table([
      { label: 'Mã hồ sơ', cell: (d) => h('a', { href: `#/ho-so/${encodeURIComponent(d.code)}`, text: d.code }) },
      { label: 'Thủ tục', cell: (d) => d.procedure_name || d.procedure_code },
      { label: 'Người nộp', cell: (d) => (d.applicant && d.applicant.name) || '' },
      { label: 'Trạng thái', cell: (d) => [statusBadge(d.status), ...flags(d)] },
      { label: 'Ngày nhận', cell: (d) => dateTime(d.received_at) },
      { label: 'Hẹn trả', cell: (d) => dateTime(d.due_at) },
    ], answer.items, { class: 'dossiers' }) : h('p', { class: 'empty', text: search ? `Không tìm thấy hồ sơ nào với «${search}».` : 'Không có hồ sơ nào.' }),
    h('nav', { class: 'pager', 'aria-label': 'Phân trang' },
      page > 1 ? h('a', { class: 'button small', href: listHash({ ...base, trang: String(page - 1) }), text: '← Trang trước' }) : null,
      h('span', { text: `Trang ${Math.min(page, pages)}/${pages} · ${answer.total} hồ sơ` }),
      page < pages ? h('a', { class: 'button small', href: listHash({ ...base, trang: String(page + 1) }), text: 'Trang sau →' }) : null));
}

function eventSummary(event) {
  const d = event.data || {};
  switch (event.type) {
    case 'received': return `Kênh: ${CHANNEL[d.channel] || d.channel || ''}; hẹn trả ${dateTime(d.due_at)}`;
    case 'step_ready': return `${d.name || ''} — ${lane(d.lane)}${d.due_at ? `, hạn ${dateTime(d.due_at)}` : ''}`;
    case 'step_completed': return `${d.name || ''}${d.on_time === false ? ' (trễ hạn)' : ''}`;
    case 'step_cancelled': return d.name || '';
    case 'supplement_requested': return d.reason || '';
    case 'apology': return `${d.reason || ''}; hẹn lại ${dateTime(d.new_due_at)}`;
    case 'finished': return `${STATUS[d.status] || d.status || ''}${d.reason ? `: ${d.reason}` : ''}`;
    case 'rated': return RATING[d.level] || (d.satisfied ? 'Hài lòng' : 'Không hài lòng');
    case 'result_issued': return `Kết quả điện tử${d.number ? ` số ${d.number}` : ''}`;
    default: return '';
  }
}

function historyTable(events) {
  if (!events.length) return h('p', { class: 'empty', text: 'Chưa có sự kiện.' });
  return table([
    { label: '#', cell: (e) => String(e.seq) },
    { label: 'Thời gian', cell: (e) => dateTime(e.at), class: 'when' },
    { label: 'Sự kiện', cell: (e) => EVENT[e.type] || e.type },
    { label: 'Người thực hiện', cell: (e) => e.actor || '' },
    {
      label: 'Nội dung',
      cell: (e) => [eventSummary(e), e.data ? h('details', { class: 'data' },
        h('summary', { text: 'Chi tiết' }), h('pre', { text: JSON.stringify(e.data, null, 2) })) : null],
    },
  ], events, { class: 'history' });
}

function actionsFor(ctx, dossier, done) {
  const code = encodeURIComponent(dossier.code);
  const run = (path, okText) => async (data) => {
    await post(`/dossiers/${code}/${path}`, data);
    ctx.flash(okText);
    done();
  };
  const open = ['processing', 'supplement_requested'].includes(dossier.status);
  const list = [];
  if (!ctx.has(...WORKING, 'admin')) return list;
  if (dossier.status === 'processing') {
    list.push(['supplement-request', 'Yêu cầu bổ sung', () => openDialog({
      title: 'Yêu cầu bổ sung hồ sơ',
      intro: 'Thời hạn giải quyết tạm dừng cho đến khi nhận đủ hồ sơ bổ sung.',
      fields: [
        { key: 'reason', ...textArea('reason', 'Lý do', { required: true }) },
        { key: 'items', ...lines('items', 'Giấy tờ cần bổ sung') },
      ],
      submitLabel: 'Gửi yêu cầu bổ sung',
      onSubmit: run('supplement-request', 'Đã yêu cầu bổ sung; thời hạn tạm dừng.'),
    })]);
  }
  if (dossier.status === 'supplement_requested') {
    const checklist = (dossier.checklist || []).map((item) => {
      const box = h('input', { type: 'checkbox' });
      const scan = attachField(item.name);
      scan.element.hidden = true;
      box.addEventListener('change', () => { scan.element.hidden = !box.checked; });
      return {
        item, box, scan,
        row: h('div', { class: 'choice-row' }, h('label', { class: 'choice' }, box, item.name), scan.element),
      };
    });
    const others = lines('documents', 'Giấy tờ khác đã nhận');
    list.push(['supplement', 'Nhận bổ sung', () => openDialog({
      title: 'Nhận hồ sơ bổ sung',
      intro: 'Đánh dấu giấy tờ đã nhận và đính kèm bản quét (kéo thả, chọn tệp hoặc chụp ảnh); '
        + 'thời hạn giải quyết tính tiếp và lùi theo thời gian tạm dừng.',
      fields: [
        { element: h('div', { class: 'field', dataset: { field: 'documents' } }, checklist.map((c) => c.row),
          h('p', { class: 'field-error', hidden: true })) },
        others,
        {
          key: 'documents',
          element: document.createDocumentFragment(),
          read: async () => [
            ...await Promise.all(checklist.filter((c) => c.box.checked)
              .map(async (c) => ({ name: c.item.name, ...(await c.scan.read()) }))),
            ...others.read().map((name) => ({ name })),
          ],
        },
      ],
      submitLabel: 'Nhận bổ sung',
      onSubmit: run('supplement', 'Đã nhận hồ sơ bổ sung; thời hạn tính tiếp.'),
    })]);
  }
  if (open && !dossier.apology) {
    list.push(['apology', 'Xin lỗi, hẹn lại', () => openDialog({
      title: 'Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết',
      intro: 'Chỉ hẹn lại một lần; ngày hẹn mới phải sau ngày hẹn hiện tại.',
      fields: [
        { key: 'reason', ...textArea('reason', 'Lý do chậm trễ', { required: true }) },
        { key: 'new_due_at', ...dateTimeField('new_due_at', 'Ngày giờ hẹn mới', { required: true }) },
      ],
      submitLabel: 'Lập văn bản xin lỗi',
      onSubmit: run('apology', 'Đã lập văn bản xin lỗi và đề nghị gia hạn.'),
    })]);
  }
  if (open) {
    list.push(['reject', 'Từ chối', () => openDialog({
      title: 'Từ chối giải quyết hồ sơ', danger: true,
      fields: [{ key: 'reason', ...textArea('reason', 'Lý do từ chối', { required: true }) }],
      submitLabel: 'Từ chối hồ sơ',
      onSubmit: run('reject', 'Đã từ chối hồ sơ.'),
    })]);
    list.push(['stop', 'Dừng giải quyết', () => openDialog({
      title: 'Dừng giải quyết hồ sơ', danger: true,
      fields: [{ key: 'reason', ...textArea('reason', 'Lý do dừng', { required: true }) }],
      submitLabel: 'Dừng giải quyết',
      onSubmit: run('stop', 'Đã dừng giải quyết hồ sơ.'),
    })]);
    list.push(['withdraw', 'Rút hồ sơ', () => openDialog({
      title: 'Rút hồ sơ theo đề nghị của người nộp', danger: true,
      fields: [{ key: 'reason', ...textArea('reason', 'Ghi chú') }],
      submitLabel: 'Rút hồ sơ',
      onSubmit: run('withdraw', 'Đã rút hồ sơ.'),
    })]);
  }
  if (dossier.status === 'done' && ctx.has('receiver', 'admin')) {
    list.push(['return', 'Trả kết quả', () => openDialog({
      title: 'Trả kết quả cho người nộp',
      intro: `Xác nhận đã trao kết quả hồ sơ ${dossier.code} cho người nộp.`,
      submitLabel: 'Đã trả kết quả',
      onSubmit: run('return', 'Đã trả kết quả.'),
    })]);
  }
  return list;
}

/** The electronic result: the competent office's specialist or leader, while it is open or done
 * and has no result yet (the API has the last word: motcua/access.py). */
export function mayIssueResult(ctx, dossier) {
  const ours = !!ctx.user && ctx.user.office_code === dossier.competent_office;
  return ctx.has('specialist', 'leader') && ours && !dossier.result_file
    && ['processing', 'supplement_requested', 'done'].includes(dossier.status);
}

export async function renderDossier(view, ctx, code) {
  view.replaceChildren(h('p', { class: 'hint', text: 'Đang tải hồ sơ…' }));
  const path = `/dossiers/${encodeURIComponent(code)}`;
  const [dossierAnswer, historyAnswer] = await Promise.allSettled([get(path), get(`${path}/history`)]);
  const back = h('p', {}, h('a', { href: '#/ho-so', text: '← Danh sách hồ sơ' }));
  if (dossierAnswer.status === 'rejected') {
    view.replaceChildren(back, problemAlert(dossierAnswer.reason));
    return;
  }
  const d = dossierAnswer.value;
  const applicant = d.applicant || {};
  const actions = actionsFor(ctx, d, () => renderDossier(view, ctx, code));
  const steps = d.current_steps || [];

  view.replaceChildren(
    back,
    h('h1', {}, 'Hồ sơ ', h('span', { id: 'dossier-code', text: d.code })),
    h('p', { id: 'dossier-status' }, statusBadge(d.status), ...flags(d)),
    h('div', { class: 'columns' },
      h('div', {},
        h('section', { class: 'panel', 'aria-labelledby': 'd-facts' },
          h('h2', { id: 'd-facts', text: 'Thông tin chung' }),
          facts([
            ['Thủ tục', d.procedure_name || d.procedure_code],
            ['Phiên bản quy trình', d.procedure_version ? String(d.procedure_version) : ''],
            ['Kênh tiếp nhận', CHANNEL[d.channel] || d.channel],
            ['Nơi tiếp nhận', d.receiving_office],
            ['Cơ quan giải quyết', d.competent_office],
            ['Ngày tiếp nhận', dateTime(d.received_at)],
            ['Bắt đầu tính thời hạn', dateTime(d.clock_start)],
            ['Hẹn trả kết quả', h('span', { id: 'dossier-due', text: dateTime(d.due_at) })],
            ['Ngày có kết quả', dateTime(d.finished_at)],
            ['Ngày trả kết quả', dateTime(d.returned_at)],
            ['Số lần bổ sung', d.supplement_count ? String(d.supplement_count) : ''],
            ['Xin lỗi, hẹn lại', d.apology ? `${d.apology.reason} (hẹn mới ${dateTime(d.apology.new_due_at)})` : ''],
          ])),
        h('section', { class: 'panel', 'aria-labelledby': 'd-steps' },
          h('h2', { id: 'd-steps', text: 'Bước đang xử lý' }),
          steps.length ? table([
            { label: 'Bước', cell: (s) => s.name },
            { label: 'Vai trò', cell: (s) => lane(s.lane) },
            { label: 'Cơ quan', cell: (s) => s.office },
            { label: 'Hạn', cell: (s) => dateTime(s.due_at) },
            { label: 'Người nhận', cell: (s) => s.assignee || '—' },
          ], steps) : h('p', { class: 'empty', text: 'Không có bước nào đang chờ.' })),
        diagramPanel(d.code),
        h('section', { class: 'panel', 'aria-labelledby': 'd-history' },
          h('h2', { id: 'd-history', text: 'Quá trình xử lý' }),
          ctx.has('auditor', 'admin') ? h('p', {}, h('a', {
            class: 'button small', href: `#/kiem-tra/${encodeURIComponent(d.code)}`, text: 'Xem lịch sử bằng lời và kết luận kiểm tra',
          })) : null,
          historyAnswer.status === 'fulfilled' ? historyTable(historyAnswer.value.events || []) : problemAlert(historyAnswer.reason))),
      h('div', {},
        actions.length ? h('section', { class: 'panel', 'aria-labelledby': 'd-actions' },
          h('h2', { id: 'd-actions', text: 'Thao tác' }),
          h('div', { class: 'actions' }, actions.map(([key, text, onclick]) => h('button', {
            type: 'button', class: ['reject', 'stop', 'withdraw'].includes(key) ? 'danger' : '', dataset: { action: key }, text, onclick,
          })))) : null,
        mayIssueResult(ctx, d) ? resultPanel(d.code, { onDone: () => renderDossier(view, ctx, code) }) : null,
        filesPanel(d.code),
        h('section', { class: 'panel', 'aria-labelledby': 'd-docs' },
          h('h2', { id: 'd-docs', text: 'Giấy tờ in' }),
          h('div', { class: 'doc-links' }, documentsFor(d).map((form) => documentLink(d.code, form, DOCUMENTS[form])))),
        h('section', { class: 'panel', 'aria-labelledby': 'd-applicant' },
          h('h2', { id: 'd-applicant', text: 'Người nộp' }),
          facts([
            ['Họ và tên', applicant.name], ['Số định danh', applicant.id_number], ['Điện thoại', applicant.phone],
            ['Thư điện tử', applicant.email], ['Địa chỉ', applicant.address],
          ])),
        (d.checklist || []).length ? h('section', { class: 'panel', 'aria-labelledby': 'd-checklist' },
          h('h2', { id: 'd-checklist', text: 'Thành phần hồ sơ' }),
          h('ul', {}, d.checklist.map((c) => h('li', {}, c.name, ' ',
            h('span', { class: `badge ${c.received ? 'ok' : 'bad'}`, text: c.received ? 'đã nhận' : 'chưa nhận' }),
            c.digitized ? [' ', h('span', { class: 'badge info', text: 'đã số hóa' })] : null)))) : null)));
}
