// "Bảng điều hành": the leader's dashboard (leaders; admins and auditors read it too) for an office
// and a month: the on-time rate and its 12-month trend, the late dossiers with the officials
// responsible, the 766 index indicator by indicator with a drill-down to the dossiers behind each
// number, and the register's downloads. The charts are SVG drawn by the server, shown through <img>
// from a data: URL (no script runs in them); every number is also in a table beside them.
import { apiBlob, get } from '../api.js';
import { h } from '../dom.js';
import { problemAlert } from '../errors.js';
import { CHANNEL, date, dateTime, STATUS, STATUS_TONE } from '../format.js';

const DRILLABLE = new Set(['2.1', '2.2', '3.1', '3.2', '3.3', '5.4']);
const PART = { numerator: 'tử số', denominator: 'mẫu số' };

function percent(rate) {
  if (rate === null || rate === undefined) return 'N/A';
  return `${(rate * 100).toFixed(1).replace('.', ',')}%`;
}

function number(value) {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(2).replace('.', ',');
}

function hashFor(query) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v) params.set(k, v);
  const text = params.toString();
  return `#/dieu-hanh${text ? `?${text}` : ''}`;
}

function chart(svg, alt) {
  return h('img', { class: 'chart', src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt });
}

function statusBadge(status) {
  return h('span', { class: `badge ${STATUS_TONE[status] || ''}`.trim(), text: STATUS[status] || status });
}

function dossierLink(code) {
  return h('a', { href: `#/ho-so/${encodeURIComponent(code)}`, text: code });
}

function simpleTable(caption, columns, rows, attrs = {}) {
  return h('div', { class: 'table-wrap' }, h('table', { class: `list ${attrs.class || ''}`.trim(), id: attrs.id },
    h('caption', { class: 'visually-hidden', text: caption }),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c.label })))),
    h('tbody', {}, rows.map((row) => h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label }, c.cell(row))))))));
}

function toolbar(ctx, answer, query) {
  const office = h('select', { id: 'dash-office', name: 'office' },
    answer.offices.map((o) => h('option', { value: o.code || '', text: o.name, selected: (o.code || '') === (answer.office || '') })));
  const month = h('input', { id: 'dash-month', name: 'month', type: 'month', value: answer.month, required: true });
  const form = h('form', { class: 'toolbar', 'aria-label': 'Phạm vi báo cáo' },
    h('div', { class: 'field' }, h('label', { for: 'dash-office', text: 'Cơ quan' }), office),
    h('div', { class: 'field' }, h('label', { for: 'dash-month', text: 'Tháng' }), month),
    h('button', { type: 'submit', text: 'Xem' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    ctx.navigate(hashFor({ 'co-quan': office.value, thang: month.value, 'chi-tieu': query['chi-tieu'], phan: query.phan }));
  });
  return form;
}

function registerButtons(answer) {
  const [year, month] = answer.month.split('-').map(Number);
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const range = { office: answer.office || undefined, from: `${answer.month}-01`, to: `${answer.month}-${String(last).padStart(2, '0')}` };
  const slot = h('div', { role: 'status', class: 'hint' });
  const button = (format, label) => {
    const b = h('button', { type: 'button', class: 'small', text: label });
    b.addEventListener('click', async () => {
      b.disabled = true;
      slot.replaceChildren();
      try {
        const { blob, name } = await apiBlob('/reports/register', { ...range, format });
        const link = h('a', { href: URL.createObjectURL(blob), download: name, hidden: true });
        document.body.append(link);
        link.click();
        link.remove();
        slot.textContent = `Đã tải ${name}.`;
      } catch (error) {
        slot.replaceChildren(problemAlert(error));
      } finally {
        b.disabled = false;
      }
    });
    return b;
  };
  return h('section', { class: 'panel', 'aria-labelledby': 'dash-register' },
    h('h2', { id: 'dash-register', text: 'Sổ theo dõi hồ sơ (mẫu 07)' }),
    h('p', { class: 'hint', text: `Các hồ sơ tiếp nhận từ ngày 01 đến ngày ${last} tháng ${month}/${year}.` }),
    h('div', { class: 'doc-links' }, button('csv', 'Tải sổ (CSV)'), button('xlsx', 'Tải sổ (Excel)')), slot);
}

function onTimePanel(answer) {
  const t = answer.on_time;
  return h('section', { class: 'panel', 'aria-labelledby': 'dash-ontime' },
    h('h2', { id: 'dash-ontime', text: 'Tỷ lệ hồ sơ đúng hạn' }),
    h('p', { class: 'big-figure', id: 'dash-rate' }, percent(t.rate),
      h('span', { class: 'hint', text: ` (${number(t.numerator)}/${number(t.denominator)} hồ sơ đúng hạn hoặc còn trong hạn)` })),
    chart(answer.charts.trend, `Biểu đồ tỷ lệ hồ sơ đúng hạn 12 tháng đến tháng ${answer.month}; số liệu ở bảng dưới.`),
    h('details', {}, h('summary', { text: 'Số liệu 12 tháng' }),
      simpleTable('Tỷ lệ đúng hạn từng tháng', [
        { label: 'Tháng', cell: (p) => p.label },
        { label: 'Đúng hạn', cell: (p) => number(p.numerator) },
        { label: 'Tổng số', cell: (p) => number(p.denominator) },
        { label: 'Tỷ lệ', cell: (p) => percent(p.rate) },
      ], answer.trend)));
}

function latePanel(answer) {
  const body = answer.late.length ? simpleTable('Hồ sơ trễ hạn', [
    { label: 'Mã hồ sơ', cell: (d) => dossierLink(d.code) },
    { label: 'Thủ tục', cell: (d) => d.procedure_name },
    { label: 'Hẹn trả', cell: (d) => dateTime(d.due_at) },
    { label: 'Trạng thái', cell: (d) => statusBadge(d.status) },
    { label: 'Lý do', cell: (d) => d.reason },
    {
      label: 'Bước trễ hạn và người chịu trách nhiệm',
      cell: (d) => (d.steps.length ? h('ul', { class: 'plain' }, d.steps.map((s) => h('li', {},
        h('strong', { text: s.step }), ` (${s.office_name}, hạn ${dateTime(s.due_at)}): `,
        s.officials.length ? s.officials.join(', ') : 'chưa xác định'))) : '—'),
    },
  ], answer.late, { id: 'late-dossiers' }) : h('p', { class: 'empty', text: 'Không có hồ sơ trễ hạn trong tháng.' });
  return h('section', { class: 'panel', 'aria-labelledby': 'dash-late' },
    h('h2', { id: 'dash-late', text: `Hồ sơ trễ hạn (${answer.late.length})` }), body);
}

function drillLink(query, ind, part) {
  const value = part === 'numerator' ? ind.numerator : ind.denominator;
  if (!DRILLABLE.has(ind.code) || value === null || value === undefined) return number(value);
  return h('a', {
    href: hashFor({ ...query, 'chi-tieu': ind.code, phan: part }), text: number(value),
    'aria-label': `${number(value)}: xem danh sách ${PART[part]} chỉ tiêu ${ind.code}`,
  });
}

function indexPanel(answer, query) {
  const report = answer.index;
  const rows = report.groups.flatMap((g) => g.indicators);
  return h('section', { class: 'panel', 'aria-labelledby': 'dash-index' },
    h('h2', { id: 'dash-index', text: 'Chỉ số phục vụ người dân, doanh nghiệp (Quyết định 766)' }),
    h('p', {}, h('strong', { text: `${number(report.total)}/${number(report.measured_max)} điểm` }),
      h('span', { class: 'hint', text: ` đo được (thang ${number(report.max_total)}); ${report.stored ? 'số liệu tháng đã chốt' : `tính đến ${dateTime(report.as_of)}`}.` })),
    chart(answer.charts.index, `Biểu đồ tỷ lệ từng chỉ tiêu 766 tháng ${answer.month}; số liệu ở bảng dưới.`),
    simpleTable('Chỉ tiêu 766', [
      { label: 'Chỉ tiêu', cell: (i) => i.code },
      { label: 'Nội dung', cell: (i) => i.name },
      { label: 'Tử số', cell: (i) => (i.measured ? drillLink(query, i, 'numerator') : 'chưa đo được') },
      { label: 'Mẫu số', cell: (i) => (i.measured ? drillLink(query, i, 'denominator') : '—') },
      { label: 'Tỷ lệ', cell: (i) => (i.measured ? percent(i.rate) : '—') },
      { label: 'Điểm', cell: (i) => `${number(i.points)}/${number(i.max_points)}` },
    ], rows, { id: 'index-766' }));
}

function dossierTable(items, caption) {
  return simpleTable(caption, [
    { label: 'Mã hồ sơ', cell: (d) => dossierLink(d.code) },
    { label: 'Thủ tục', cell: (d) => d.procedure_name },
    { label: 'Kênh', cell: (d) => CHANNEL[d.channel] || d.channel },
    { label: 'Ngày nhận', cell: (d) => date(d.received_at) },
    { label: 'Hẹn trả', cell: (d) => dateTime(d.due_at) },
    { label: 'Trạng thái', cell: (d) => statusBadge(d.status) },
    {
      label: 'Đánh giá',
      cell: (d) => (d.on_time === undefined ? '' : h('span', {
        class: `badge ${d.on_time ? 'ok' : 'bad'}`, text: d.on_time ? 'Đúng hạn' : 'Trễ hạn',
      })),
    },
  ], items, { id: 'drill-dossiers' });
}

async function drillPanel(query) {
  const panel = h('section', { class: 'panel', id: 'drill', 'aria-labelledby': 'dash-drill', tabindex: '-1' },
    h('h2', { id: 'dash-drill', text: `Chi tiết chỉ tiêu ${query['chi-tieu']}` }), h('p', { class: 'hint', text: 'Đang tải…' }));
  let answer;
  try {
    answer = await get('/reports/index766/dossiers', {
      office: query['co-quan'], month: query.thang, indicator: query['chi-tieu'], part: query.phan || 'denominator',
    });
  } catch (error) {
    panel.lastChild.replaceWith(problemAlert(error));
    return panel;
  }
  const unit = answer.unit === 'procedure' ? 'thủ tục' : 'hồ sơ';
  panel.querySelector('h2').textContent = `Chỉ tiêu ${answer.indicator}, ${PART[answer.part]}: ${number(answer.count)} ${unit}`;
  const body = [h('p', { class: 'hint', text: `${answer.name} — ${answer.office_name || 'Toàn tỉnh'}, tháng ${answer.month}.` })];
  if (answer.note) body.push(h('p', { class: 'alert info', text: answer.note }));
  if (!answer.items.length) body.push(h('p', { class: 'empty', text: `Không có ${unit} nào.` }));
  else if (answer.unit === 'procedure') {
    for (const p of answer.items) {
      const times = p.average_days === undefined ? ''
        : ` — trung bình ${number(p.average_days)} ngày làm việc, cho phép ${number(p.allowed_days)} (${p.within ? 'trong hạn' : 'quá hạn'})`;
      body.push(h('h3', { text: `${p.procedure}${times}` }));
      if (p.dossiers) body.push(dossierTable(p.dossiers, `Hồ sơ của thủ tục ${p.procedure}`));
    }
  } else body.push(dossierTable(answer.items, `Hồ sơ ở ${PART[answer.part]} chỉ tiêu ${answer.indicator}`));
  panel.lastChild.replaceWith(...body);
  return panel;
}

// The last dashboard answer: opening or closing a drill-down of the same office and month reuses it
// (only the list is fetched); choosing an office or a month, or coming back to the tab, reloads.
let last = null;
const keyOf = (query) => `${query['co-quan'] || ''}|${query.thang || ''}`;

export async function renderDashboard(view, ctx, query = {}) {
  view.replaceChildren(h('h1', { text: 'Bảng điều hành' }), h('p', { class: 'hint', text: 'Đang tải…' }));
  let answer;
  const reuse = last && last.key === keyOf(query) && (query['chi-tieu'] || last.drilled);
  try {
    answer = reuse ? last.answer : await get('/reports/dashboard', { office: query['co-quan'], month: query.thang });
  } catch (error) {
    view.replaceChildren(h('h1', { text: 'Bảng điều hành' }), problemAlert(error));
    return;
  }
  const current = { 'co-quan': answer.office || '', thang: answer.month };
  last = { key: keyOf(current), answer, drilled: Boolean(query['chi-tieu']) };
  view.replaceChildren(
    h('h1', { text: `Bảng điều hành — ${answer.office_name || 'Toàn tỉnh'}, tháng ${answer.month.split('-').reverse().join('/')}` }),
    toolbar(ctx, answer, query),
    h('div', { class: 'columns' }, onTimePanel(answer), registerButtons(answer)),
    latePanel(answer),
    indexPanel(answer, current));
  if (query['chi-tieu']) {
    const panel = await drillPanel({ ...current, ...query, 'co-quan': current['co-quan'], thang: current.thang });
    view.append(panel);
    panel.focus();
  }
}
