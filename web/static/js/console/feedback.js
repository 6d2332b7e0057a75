// "Phản ánh, kiến nghị": the office's complaints and recommendations (PAKN) with their due times and
// overdue marks; one PAKN with the sender's contact and content, and its actions: classify, ask for
// information, refuse, answer (and publish).
import { get, post } from '../api.js';
import { facts, fill, h, table } from '../dom.js';
import { problemAlert } from '../errors.js';
import { dateTime } from '../format.js';
import { openDialog, textArea } from './dialogs.js';

const KIND = { complaint: 'Phản ánh', recommendation: 'Kiến nghị' };
const CATEGORY = { policy: 'Cơ chế, chính sách', procedure: 'Thủ tục hành chính', conduct: 'Hành vi, thái độ cán bộ' };
const DUTY = { refuse: 'Hạn từ chối', request_info: 'Hạn đề nghị bổ sung', answer: 'Hạn trả lời', publish: 'Hạn công khai' };
const RATING = { very_satisfied: 'Rất hài lòng', satisfied: 'Hài lòng', dissatisfied: 'Không hài lòng' };
const TONE = { received: 'info', classified: 'info', info_requested: 'warn', refused: 'bad', answered: 'info', published: 'ok' };
const FILTERS = [['', 'Tất cả'], ['open', 'Quá hạn'], ['received', 'Mới tiếp nhận'], ['answered', 'Chờ công khai'], ['published', 'Đã công khai']];

function status(item) {
  return h('span', {}, h('span', { class: `badge ${TONE[item.status] || ''}`.trim(), text: item.status_text }),
    item.overdue ? [' ', h('span', { class: 'badge bad', text: 'Quá hạn' })] : null);
}

function nextDue(item) {
  const duty = ['publish', 'answer'].find((d) => item.pending.includes(d));
  return duty ? h('span', {}, `${DUTY[duty]}: `, dateTime(item.due[duty])) : '—';
}

export async function renderFeedbackList(view, ctx, query = {}) {
  const slot = h('div', { id: 'feedback-list' }, h('p', { class: 'hint', text: 'Đang tải…' }));
  const filter = query.loc || '';
  view.replaceChildren(
    h('div', { class: 'section-head' }, h('h1', { text: 'Phản ánh, kiến nghị' }),
      h('button', { type: 'button', class: 'small', text: 'Làm mới', onclick: () => ctx.refresh() })),
    h('nav', { class: 'filters', 'aria-label': 'Lọc phản ánh, kiến nghị' },
      FILTERS.map(([value, label]) => h('a', {
        href: value ? `#/gop-y?loc=${value}` : '#/gop-y', text: label, class: 'button small',
        'aria-current': value === filter ? 'page' : null,
      }))),
    slot);
  const params = { per_page: 100 };
  if (filter === 'open') params.overdue = true;
  else if (filter) params.status = filter;
  try {
    const page = await get('/feedback', params);
    slot.replaceChildren(page.items.length ? table([
      { label: 'Mã', cell: (f) => h('a', { href: `#/gop-y/${f.id}`, text: f.code, dataset: { feedback: f.id } }) },
      { label: 'Loại', cell: (f) => KIND[f.kind] || f.kind },
      { label: 'Phân loại', cell: (f) => CATEGORY[f.category] || 'Chưa phân loại' },
      { label: 'Tiếp nhận', cell: (f) => dateTime(f.received_at) },
      { label: 'Hạn', cell: nextDue },
      { label: 'Tình trạng', cell: status },
    ], page.items, { class: 'feedback' }) : h('p', { class: 'empty', text: 'Không có phản ánh, kiến nghị nào.' }));
  } catch (error) {
    slot.replaceChildren(problemAlert(error));
  }
}

function act(ctx, item, action, title, fields, submitLabel, danger = false) {
  openDialog({
    title, fields, submitLabel, danger,
    onSubmit: async (data) => {
      await post(`/feedback/${item.id}/${action}`, data);
      ctx.flash(`${title}: đã ghi nhận.`);
      ctx.refresh();
    },
  });
}

function categoryField() {
  const select = h('select', { name: 'category', id: 'feedback-category' },
    Object.entries(CATEGORY).map(([value, label]) => h('option', { value, text: label })));
  return {
    key: 'category',
    element: h('div', { class: 'field', dataset: { field: 'category' } },
      h('label', { for: 'feedback-category', text: 'Phân loại' }), select, h('p', { class: 'field-error', hidden: true })),
    read: () => select.value,
  };
}

function publishField() {
  const box = h('input', { type: 'checkbox', name: 'publish', id: 'feedback-publish', checked: true });
  return {
    key: 'publish',
    element: h('div', { class: 'field', dataset: { field: 'publish' } },
      h('label', { class: 'choice', for: 'feedback-publish' }, box, ' Công khai kết quả trả lời ngay')),
    read: () => box.checked,
  };
}

function actions(ctx, item) {
  const buttons = [];
  const open = ['received', 'classified', 'info_requested'].includes(item.status);
  if (['received', 'info_requested'].includes(item.status)) {
    buttons.push(h('button', { type: 'button', text: 'Phân loại',
      onclick: () => act(ctx, item, 'classify', 'Phân loại phản ánh, kiến nghị', [categoryField()], 'Phân loại') }));
  }
  if (['received', 'classified'].includes(item.status) && !item.info_requested_at) {
    buttons.push(h('button', { type: 'button', text: 'Đề nghị bổ sung thông tin',
      onclick: () => act(ctx, item, 'request-info', 'Đề nghị bổ sung thông tin',
        [{ ...textArea('reason', 'Thông tin cần bổ sung', { required: true }), key: 'reason' }], 'Gửi đề nghị') }));
  }
  if (item.category && ['classified', 'info_requested'].includes(item.status)) {
    buttons.push(h('button', { type: 'button', class: 'primary', text: 'Trả lời',
      onclick: () => act(ctx, item, 'answer', 'Trả lời phản ánh, kiến nghị',
        [{ ...textArea('text', 'Nội dung trả lời', { required: true, rows: 6, maxlength: 20000 }), key: 'text' }, publishField()],
        'Gửi trả lời') }));
  }
  if (item.status === 'answered') {
    buttons.push(h('button', { type: 'button', class: 'primary', text: 'Công khai trả lời',
      onclick: () => act(ctx, item, 'publish', 'Công khai kết quả trả lời', [], 'Công khai') }));
  }
  if (open) {
    buttons.push(h('button', { type: 'button', class: 'danger', text: 'Từ chối tiếp nhận',
      onclick: () => act(ctx, item, 'refuse', 'Từ chối tiếp nhận phản ánh, kiến nghị',
        [{ ...textArea('reason', 'Lý do từ chối', { required: true }), key: 'reason' }], 'Từ chối', true) }));
  }
  return buttons.length && ctx.has('receiver', 'specialist', 'leader', 'admin')
    ? h('div', { class: 'actions', id: 'feedback-actions' }, buttons) : null;
}

export async function renderFeedback(view, ctx, id) {
  view.replaceChildren(h('p', { class: 'hint', text: 'Đang tải…' }));
  let item;
  try {
    item = await get(`/feedback/${encodeURIComponent(id)}`);
  } catch (error) {
    view.replaceChildren(problemAlert(error), h('p', {}, h('a', { href: '#/gop-y', text: '← Danh sách phản ánh, kiến nghị' })));
    return;
  }
  fill(view,
    h('p', {}, h('a', { href: '#/gop-y', text: '← Danh sách phản ánh, kiến nghị' })),
    h('h1', { text: `${KIND[item.kind] || ''} ${item.code}` }),
    h('p', { class: 'status-line' }, 'Tình trạng: ', status(item)),
    actions(ctx, item),
    h('section', { class: 'panel', 'aria-labelledby': 'fb-sender' }, h('h2', { id: 'fb-sender', text: 'Người gửi và nội dung' }),
      facts([['Họ và tên', item.name], ['Liên hệ', item.contact], ['Hồ sơ liên quan', item.dossier_code]]),
      h('p', { class: 'answer', id: 'feedback-content', text: item.content })),
    h('section', { class: 'panel', 'aria-labelledby': 'fb-due' }, h('h2', { id: 'fb-due', text: 'Thời hạn' }),
      facts([
        ['Tiếp nhận', dateTime(item.received_at)],
        ['Bắt đầu tính hạn', dateTime(item.clock_start)],
        ...Object.keys(DUTY).filter((d) => item.due[d]).map((d) => [DUTY[d], h('span', {},
          dateTime(item.due[d]), item.late.includes(d) ? [' ', h('span', { class: 'badge bad', text: 'Trễ hạn' })] : null)]),
        ['Phân loại', CATEGORY[item.category]],
        ['Đề nghị bổ sung', item.info_reason],
        ['Lý do từ chối', item.refuse_reason],
        ['Trả lời', item.answer],
        ['Công khai lúc', dateTime(item.published_at)],
        ['Đánh giá của người gửi', RATING[item.rating]],
      ])));
}
