// "Kiểm tra hồ sơ": the auditor's view. A dossier's timeline in words (resolved on the server:
// GET /dossiers/{code}/audit/timeline), the chain and replay verdict, the diagram with the path
// taken, exports (CSV, JSON), and the check of every dossier's chain page by page with progress.
import { apiText, get, post } from '../api.js';
import { facts, h, table } from '../dom.js';
import { problemAlert } from '../errors.js';
import { diagramPanel } from './diagram.js';

const PAGE = 200; // dossiers checked per request of the "verify all" run

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: name, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function verdictBox(timeline) {
  const { verdict } = timeline;
  return h('div', { class: `alert ${verdict.ok ? 'success' : 'error'}`, role: 'status', id: 'audit-verdict' },
    h('span', { class: 'alert-title', text: verdict.ok ? 'Lịch sử đáng tin cậy' : 'Lịch sử có sai lệch' }),
    h('span', { class: 'alert-detail', text: verdict.text }));
}

function eventItem(event) {
  const marks = [
    event.broken ? h('span', { class: 'badge bad', text: 'Sai chuỗi băm' }) : null,
    event.diverged ? h('span', { class: 'badge warn', text: 'Dựng lại không khớp từ đây' }) : null,
  ].filter(Boolean);
  const written = event.fields.filter((f) => f.form);
  const other = event.fields.filter((f) => !f.form);
  return h('li', { class: `timeline-item${event.broken ? ' broken' : ''}`, dataset: { type: event.type, seq: String(event.seq) } },
    h('div', { class: 'timeline-head' },
      h('span', { class: 'timeline-when', text: event.when }),
      h('strong', { class: 'timeline-name', text: `${event.seq}. ${event.name}` }),
      event.actor ? h('span', { class: 'timeline-actor', text: event.actor }) : null, ...marks),
    h('p', { class: 'timeline-summary', text: event.summary }),
    other.length ? facts(other.map((f) => [f.label, f.value]), { class: 'facts small' }) : null,
    written.length ? h('div', { class: 'timeline-data' }, h('p', { class: 'hint', text: 'Dữ liệu đã ghi:' }),
      facts(written.map((f) => [f.label, f.value]), { class: 'facts small' })) : null);
}

async function renderTimeline(view, ctx, code) {
  view.replaceChildren(h('p', { class: 'hint', text: 'Đang dựng lại lịch sử hồ sơ…' }));
  let timeline;
  try {
    timeline = await get(`/dossiers/${encodeURIComponent(code)}/audit/timeline`);
  } catch (error) {
    view.replaceChildren(h('p', {}, h('a', { href: '#/kiem-tra', text: '← Kiểm tra hồ sơ' })), problemAlert(error));
    return;
  }
  const csv = h('button', { type: 'button', class: 'small', id: 'audit-export-csv', text: 'Tải CSV' });
  const json = h('button', { type: 'button', class: 'small', id: 'audit-export-json', text: 'Tải JSON' });
  const exportSlot = h('div', {});
  csv.addEventListener('click', async () => {
    try {
      download(`dong-thoi-gian-${timeline.code}.csv`, 'text/csv;charset=utf-8',
        await apiText(`/dossiers/${encodeURIComponent(code)}/audit/timeline`, { query: { format: 'csv' } }));
    } catch (error) {
      exportSlot.replaceChildren(problemAlert(error));
    }
  });
  json.addEventListener('click', () => download(`dong-thoi-gian-${timeline.code}.json`, 'application/json',
    JSON.stringify(timeline, null, 2)));
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/kiem-tra', text: '← Kiểm tra hồ sơ' })),
    h('h1', {}, 'Lịch sử hồ sơ ', h('span', { id: 'audit-code', text: timeline.code })),
    facts([['Thủ tục', `${timeline.procedure} (phiên bản ${timeline.procedure_version})`],
      ['Trạng thái', timeline.status], ['Nơi tiếp nhận', timeline.receiving_office],
      ['Số sự kiện', String(timeline.events.length)]]),
    verdictBox(timeline),
    h('div', { class: 'actions' }, h('span', { class: 'hint', text: 'Xuất lịch sử kèm kết luận:' }), csv, json), exportSlot,
    diagramPanel(timeline.code),
    h('section', { class: 'panel', 'aria-labelledby': 'audit-timeline-h' },
      h('h2', { id: 'audit-timeline-h', text: 'Dòng thời gian' }),
      h('ol', { class: 'timeline', id: 'audit-timeline' }, timeline.events.map(eventItem))));
}

function verifyPanel() {
  const button = h('button', { type: 'button', class: 'primary', id: 'audit-verify', text: 'Kiểm tra toàn bộ hồ sơ' });
  const bar = h('progress', { id: 'audit-progress', max: '1', value: '0', hidden: true, 'aria-label': 'Tiến độ kiểm tra' });
  const status = h('p', { id: 'audit-verify-status', 'aria-live': 'polite' });
  const result = h('div', {});
  button.addEventListener('click', async () => {
    button.disabled = true;
    bar.hidden = false;
    result.replaceChildren();
    const broken = [];
    let checked = 0;
    let after = 0;
    try {
      for (;;) {
        const page = await post('/audit/verify', { after, limit: PAGE });
        checked += page.checked;
        broken.push(...page.broken);
        bar.max = Math.max(page.total, 1);
        bar.value = checked;
        status.textContent = `Đã kiểm tra ${checked}/${page.total} hồ sơ; ${broken.length} hồ sơ có sai lệch.`;
        if (page.next === undefined || page.next === null || page.checked === 0) break;
        after = page.next;
      }
      result.replaceChildren(broken.length
        ? h('div', { class: 'alert error', role: 'alert' }, h('span', { class: 'alert-title', text: `${broken.length} hồ sơ có chuỗi băm hoặc tệp bị sai` }),
          h('ul', {}, broken.map((c) => h('li', {}, h('a', { href: `#/kiem-tra/${encodeURIComponent(c)}`, text: c })))))
        : h('div', { class: 'alert success', role: 'status', text: `Cả ${checked} hồ sơ đều có chuỗi băm nguyên vẹn.` }));
    } catch (error) {
      result.replaceChildren(problemAlert(error));
    } finally {
      button.disabled = false;
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'audit-verify-h' },
    h('h2', { id: 'audit-verify-h', text: 'Kiểm tra toàn bộ' }),
    h('p', { class: 'hint', text: 'Kiểm tra chuỗi băm của mọi hồ sơ và các tệp đã lưu, từng trang một.' }),
    button, ' ', bar, status, result);
}

export async function renderAudit(view, ctx, code) {
  if (code) {
    await renderTimeline(view, ctx, code);
    return;
  }
  const input = h('input', { type: 'text', id: 'audit-code-input', required: true, autocomplete: 'off' });
  const search = h('form', { class: 'toolbar', role: 'search', 'aria-label': 'Mở hồ sơ' },
    h('div', { class: 'field' }, h('label', { for: 'audit-code-input', text: 'Mã hồ sơ' }), input),
    h('button', { type: 'submit', text: 'Xem lịch sử' }));
  search.addEventListener('submit', (event) => {
    event.preventDefault();
    if (input.value.trim()) ctx.navigate(`#/kiem-tra/${encodeURIComponent(input.value.trim())}`);
  });
  const recent = h('div', {}, h('p', { class: 'hint', text: 'Đang tải…' }));
  view.replaceChildren(h('h1', { text: 'Kiểm tra hồ sơ' }), search, verifyPanel(),
    h('section', { class: 'panel', 'aria-labelledby': 'audit-recent-h' }, h('h2', { id: 'audit-recent-h', text: 'Hồ sơ gần đây' }), recent));
  try {
    const answer = await get('/dossiers', { per_page: 20 });
    recent.replaceChildren(answer.items.length ? table([
      { label: 'Mã hồ sơ', cell: (d) => h('a', { href: `#/kiem-tra/${encodeURIComponent(d.code)}`, text: d.code }) },
      { label: 'Thủ tục', cell: (d) => d.procedure_name || d.procedure_code },
    ], answer.items) : h('p', { class: 'empty', text: 'Chưa có hồ sơ nào.' }));
  } catch (error) {
    recent.replaceChildren(problemAlert(error));
  }
}
