// "Thiết kế thủ tục": the process designer's studio. Upload a procedure folder (its files, or the
// folder zipped), see every problem with its line and element and that element marked on the
// diagram of the uploaded package, preview its e-forms as a clerk will see them, publish; browse a
// procedure's versions, what changed between them, their diagrams and forms.
import { apiText, get, postForm } from '../api.js';
import { facts, h, table } from '../dom.js';
import { problemAlert } from '../errors.js';
import { dateTime } from '../format.js';
import { renderSchemaForm } from '../form-renderer.js';

const FIELD_NAMES = {
  name: 'Tên', lane: 'Làn (người xử lý)', allotment_days: 'Thời gian (ngày làm việc)', form: 'Biểu mẫu',
  pause_clock: 'Tạm dừng chờ bổ sung', legal_days: 'Thời hạn theo luật', legal_reason: 'Lý do thời hạn',
  title: 'Tiêu đề', type: 'Kiểu', required: 'Bắt buộc', enum: 'Các lựa chọn', minimum: 'Nhỏ nhất',
  maximum: 'Lớn nhất', maxLength: 'Dài nhất', minLength: 'Ngắn nhất', pattern: 'Mẫu', format: 'Định dạng',
  fee: 'Lệ phí', channels: 'Kênh nộp', documents: 'Thành phần hồ sơ', competent_office: 'Cơ quan có thẩm quyền',
  saturday_service: 'Làm việc thứ Bảy', boundary_free: 'Không phụ thuộc địa giới', field: 'Lĩnh vực',
  process_id: 'Mã quy trình', application_form: 'Tờ khai', description: 'Mô tả',
};
const label = (key) => FIELD_NAMES[key] || key;
const svgImage = (svg, alt) => h('img', { src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`, alt });

/** The chosen files as multipart: folder files under their relative path, a zip as `package`. */
function uploadForm(files) {
  const form = new FormData();
  for (const file of files) {
    if (/\.zip$/i.test(file.name)) form.append('package', file, file.name);
    else form.append('files', file, file.webkitRelativePath || file.name);
  }
  return form;
}

function problemsTable(problems) {
  return table([
    { label: 'Dòng', cell: (p) => (p.line ? String(p.line) : '') },
    { label: 'Phần tử', cell: (p) => (p.element ? h('code', { text: p.element }) : '') },
    { label: 'Vấn đề', cell: (p) => p.message },
  ], problems, { class: 'problems' });
}

function formsPreview(forms, title = 'Xem trước biểu mẫu điện tử') {
  const names = Object.keys(forms || {});
  const section = h('section', { class: 'panel', 'aria-labelledby': 'studio-forms-h' },
    h('h2', { id: 'studio-forms-h', text: title }));
  if (!names.length) {
    section.append(h('p', { class: 'empty', text: 'Gói không có biểu mẫu nào.' }));
    return section;
  }
  const select = h('select', { id: 'studio-form-select' }, names.map((n) => h('option', { value: n, text: (forms[n] && forms[n].title) ? `${forms[n].title} (${n})` : n })));
  const body = h('div', { id: 'studio-form-preview' });
  const show = () => body.replaceChildren(renderSchemaForm(forms[select.value], { prefix: 'data' }).element);
  select.addEventListener('change', show);
  section.append(h('p', { class: 'hint', text: 'Cán bộ một cửa và chuyên viên sẽ thấy biểu mẫu đúng như dưới đây (chỉ xem, không gửi).' }),
    h('div', { class: 'field' }, h('label', { for: 'studio-form-select', text: 'Biểu mẫu' }), select), body);
  show();
  return section;
}

async function drawUploaded(files, slot) {
  slot.replaceChildren(h('p', { class: 'hint', text: 'Đang vẽ sơ đồ…' }));
  try {
    const response = await postForm('/procedures/diagram.svg', uploadForm(files), { accept: 'image/svg+xml' });
    const count = Number(response.headers.get('X-Problem-Count') || 0);
    slot.replaceChildren(
      h('p', { class: 'hint', text: count ? 'Các phần tử có vấn đề được viền đỏ, nét đứt (di chuột lên để xem lỗi).' : 'Sơ đồ của gói tải lên.' }),
      h('div', { class: 'diagram', id: 'studio-diagram' }, svgImage(await response.text(), 'Sơ đồ quy trình của gói tải lên')));
  } catch (error) {
    slot.replaceChildren(problemAlert(error));
  }
}

function uploadPanel(ctx) {
  const folder = h('input', { type: 'file', id: 'studio-folder', webkitdirectory: true, multiple: true });
  const loose = h('input', { type: 'file', id: 'studio-files', multiple: true, accept: '.bpmn,.yaml,.yml,.json,.zip' });
  const check = h('button', { type: 'submit', class: 'primary', text: 'Kiểm tra gói' });
  const result = h('div', { id: 'studio-result', 'aria-live': 'polite' });
  const diagram = h('div', {});
  const preview = h('div', {});
  let chosen = [];
  const choose = (input) => () => {
    chosen = [...input.files];
    (input === folder ? loose : folder).value = '';
    result.replaceChildren(h('p', { class: 'hint', text: `Đã chọn ${chosen.length} tệp.` }));
  };
  folder.addEventListener('change', choose(folder));
  loose.addEventListener('change', choose(loose));

  async function publish(button) {
    button.disabled = true;
    try {
      const response = await postForm('/procedures', uploadForm(chosen));
      const done = await response.json();
      ctx.flash(`Đã công bố phiên bản ${done.version} của thủ tục «${done.code}».`);
      ctx.navigate(`#/thiet-ke/${encodeURIComponent(done.code)}${done.version > 1 ? `?so-sanh=${done.version}` : ''}`);
    } catch (error) {
      result.append(problemAlert(error));
      button.disabled = false;
    }
  }

  const form = h('form', { class: 'panel', 'aria-labelledby': 'studio-upload-h' },
    h('h2', { id: 'studio-upload-h', text: 'Tải lên gói thủ tục' }),
    h('p', { class: 'hint', text: 'Một gói gồm process.bpmn, manifest.yaml và thư mục forms/ (*.json). Chọn cả thư mục, hoặc các tệp, hoặc thư mục đã nén .zip.' }),
    h('div', { class: 'grid-2' },
      h('div', { class: 'field' }, h('label', { for: 'studio-folder', text: 'Thư mục thủ tục' }), folder),
      h('div', { class: 'field' }, h('label', { for: 'studio-files', text: 'Hoặc các tệp / tệp .zip' }), loose)),
    h('div', { class: 'actions' }, check), result, diagram, preview);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!chosen.length) {
      result.replaceChildren(h('div', { class: 'alert error', role: 'alert', text: 'Chưa chọn tệp nào.' }));
      return;
    }
    check.disabled = true;
    result.replaceChildren(h('p', { class: 'hint', text: 'Đang kiểm tra…' }));
    preview.replaceChildren();
    try {
      const response = await postForm('/procedures/validate', uploadForm(chosen));
      const answer = await response.json();
      const button = h('button', { type: 'button', class: 'primary', id: 'studio-publish', text: 'Công bố phiên bản mới' });
      button.addEventListener('click', () => publish(button));
      result.replaceChildren(
        h('div', { class: 'alert success', role: 'status', text: `Gói hợp lệ: «${answer.manifest.name}» (${answer.manifest.code}), ${answer.steps.length} bước.` }),
        table([
          { label: 'Bước', cell: (s) => s.name },
          { label: 'Làn', cell: (s) => s.lane },
          { label: 'Ngày làm việc', cell: (s) => s.allotment_days },
          { label: 'Biểu mẫu', cell: (s) => s.form || '' },
        ], answer.steps),
        h('div', { class: 'actions' }, button));
      preview.replaceChildren(formsPreview(answer.forms));
    } catch (error) {
      const problems = (error.problem && error.problem.problems) || [];
      result.replaceChildren(
        h('div', { class: 'alert error', role: 'alert' },
          h('span', { class: 'alert-title', text: problems.length ? `Gói có ${problems.length} vấn đề` : (error.problem && error.problem.title) || 'Lỗi' }),
          h('span', { class: 'alert-detail', text: problems.length ? 'Sửa các vấn đề dưới đây rồi tải lên lại.' : error.message })),
        problems.length ? problemsTable(problems) : null);
    } finally {
      check.disabled = false;
    }
    await drawUploaded(chosen, diagram);
  });
  return form;
}

export async function renderStudio(view, ctx, code, query = {}) {
  if (code) {
    await renderProcedure(view, ctx, code, query);
    return;
  }
  const list = h('div', { id: 'studio-procedures' }, h('p', { class: 'hint', text: 'Đang tải…' }));
  view.replaceChildren(h('h1', { text: 'Thiết kế thủ tục' }), uploadPanel(ctx),
    h('section', { class: 'panel', 'aria-labelledby': 'studio-list-h' }, h('h2', { id: 'studio-list-h', text: 'Thủ tục đã công bố' }), list));
  try {
    const answer = await get('/procedures', { per_page: 100 });
    list.replaceChildren(table([
      { label: 'Thủ tục', cell: (p) => h('a', { href: `#/thiet-ke/${encodeURIComponent(p.code)}`, text: p.name }) },
      { label: 'Mã', cell: (p) => h('code', { text: p.code }) },
      { label: 'Phiên bản', cell: (p) => String(p.latest_version) },
      { label: 'Thời hạn', cell: (p) => (p.legal_days === null ? '' : `${p.legal_days} ngày làm việc`) },
    ], answer.items));
  } catch (error) {
    list.replaceChildren(problemAlert(error));
  }
}

function changeList(changes) {
  return h('ul', {}, changes.map((c) => h('li', {},
    h('strong', { text: `${label(c.field)}: ` }), c.before === null ? 'trước: (không có)' : `«${c.before}»`, ' → ',
    c.after === null ? '(bỏ)' : `«${c.after}»`)));
}

function diffView(diff) {
  const box = h('div', { id: 'studio-diff' });
  if (diff.same) {
    box.append(h('p', { class: 'empty', text: 'Hai phiên bản giống nhau.' }));
    return box;
  }
  const part = (title, ...content) => h('section', {}, h('h3', { text: title }), ...content);
  if (diff.legal_days) box.append(part('Thời hạn giải quyết', h('p', { text: `${diff.legal_days.before ?? '—'} → ${diff.legal_days.after ?? '—'} ngày làm việc` })));
  const steps = diff.steps;
  if (steps.added.length || steps.removed.length || steps.changed.length) {
    box.append(part('Các bước',
      h('ul', {},
        steps.added.map((s) => h('li', { class: 'added' }, h('span', { class: 'badge ok', text: 'Thêm' }), ` ${s.name} — ${s.lane}, ${s.allotment_days} ngày`)),
        steps.removed.map((s) => h('li', { class: 'removed' }, h('span', { class: 'badge bad', text: 'Bỏ' }), ` ${s.name} — ${s.lane}, ${s.allotment_days} ngày`)),
        steps.changed.map((s) => h('li', { class: 'changed' }, h('span', { class: 'badge warn', text: 'Đổi' }), ` ${s.name}`, changeList(s.changes))))));
  }
  if (diff.lanes.added.length || diff.lanes.removed.length) {
    box.append(part('Các làn', h('ul', {},
      diff.lanes.added.map((l) => h('li', {}, h('span', { class: 'badge ok', text: 'Thêm' }), ` ${l}`)),
      diff.lanes.removed.map((l) => h('li', {}, h('span', { class: 'badge bad', text: 'Bỏ' }), ` ${l}`)))));
  }
  const forms = diff.forms;
  if (forms.added.length || forms.removed.length || forms.changed.length) {
    box.append(part('Biểu mẫu', h('ul', {},
      forms.added.map((f) => h('li', {}, h('span', { class: 'badge ok', text: 'Thêm' }), ` ${f}`)),
      forms.removed.map((f) => h('li', {}, h('span', { class: 'badge bad', text: 'Bỏ' }), ` ${f}`)),
      forms.changed.map((f) => h('li', {}, h('strong', { text: f.form }), h('ul', {},
        (f.added || []).map((x) => h('li', {}, h('span', { class: 'badge ok', text: 'Thêm trường' }), ` ${x.title || x.name}`)),
        (f.removed || []).map((x) => h('li', {}, h('span', { class: 'badge bad', text: 'Bỏ trường' }), ` ${x.title || x.name}`)),
        (f.changed || []).map((x) => h('li', {}, h('span', { class: 'badge warn', text: 'Đổi trường' }), ` ${x.title || x.name}`, changeList(x.changes))),
        f.schema ? h('li', {}, 'Biểu mẫu:', changeList(f.schema)) : null))))));
  }
  if (diff.manifest.length) box.append(part('Thông tin thủ tục (manifest)', changeList(diff.manifest)));
  return box;
}

async function showDiff(code, version, against, slot) {
  slot.replaceChildren(h('p', { class: 'hint', text: 'Đang so sánh…' }));
  try {
    const diff = await get(`/procedures/${encodeURIComponent(code)}/versions/${version}/diff`, { against });
    slot.replaceChildren(h('h2', { id: 'studio-diff-h', text: `Thay đổi của phiên bản ${version} so với phiên bản ${against}` }), diffView(diff));
    slot.scrollIntoView({ block: 'nearest' });
  } catch (error) {
    slot.replaceChildren(problemAlert(error));
  }
}

async function showVersionDiagram(code, version, slot) {
  slot.replaceChildren(h('p', { class: 'hint', text: 'Đang vẽ sơ đồ…' }));
  try {
    const svg = await apiText(`/procedures/${encodeURIComponent(code)}/versions/${version}/diagram.svg`);
    slot.replaceChildren(h('h2', { text: `Sơ đồ phiên bản ${version}` }),
      h('div', { class: 'diagram', id: 'studio-version-diagram' }, svgImage(svg, `Sơ đồ quy trình, phiên bản ${version}`)));
  } catch (error) {
    slot.replaceChildren(problemAlert(error));
  }
}

async function renderProcedure(view, ctx, code, query) {
  view.replaceChildren(h('p', { class: 'hint', text: 'Đang tải…' }));
  let procedure;
  try {
    procedure = await get(`/procedures/${encodeURIComponent(code)}`);
  } catch (error) {
    view.replaceChildren(h('p', {}, h('a', { href: '#/thiet-ke', text: '← Thiết kế thủ tục' })), problemAlert(error));
    return;
  }
  const diffSlot = h('section', { class: 'panel', id: 'studio-diff-panel', 'aria-live': 'polite' });
  const diagramSlot = h('section', { class: 'panel', id: 'studio-version-diagram-panel' });
  diffSlot.hidden = true;
  diagramSlot.hidden = true;
  const versions = [...procedure.versions].reverse();
  const row = (v) => {
    const buttons = [h('button', { type: 'button', class: 'small', text: 'Sơ đồ', onclick: () => { diagramSlot.hidden = false; showVersionDiagram(code, v.version, diagramSlot); } })];
    if (v.version > 1) {
      buttons.push(' ', h('button', {
        type: 'button', class: 'small', text: `So với phiên bản ${v.version - 1}`,
        onclick: () => { diffSlot.hidden = false; showDiff(code, v.version, v.version - 1, diffSlot); },
      }));
    }
    return buttons;
  };
  view.replaceChildren(
    h('p', {}, h('a', { href: '#/thiet-ke', text: '← Thiết kế thủ tục' })),
    h('h1', { id: 'studio-title', text: procedure.name }),
    facts([['Mã thủ tục', procedure.code], ['Phiên bản mới nhất', String(procedure.latest_version)],
      ['Thời hạn', procedure.legal_days === null ? '' : `${procedure.legal_days} ngày làm việc`]]),
    procedure.versions.length > 1 ? h('p', {}, h('a', {
      class: 'button', id: 'studio-migrate', href: `#/chuyen-phien-ban/${encodeURIComponent(code)}`,
      text: 'Chuyển hồ sơ đang giải quyết sang phiên bản mới',
    })) : null,
    h('section', { class: 'panel', 'aria-labelledby': 'studio-versions-h' },
      h('h2', { id: 'studio-versions-h', text: 'Các phiên bản' }),
      table([
        { label: 'Phiên bản', cell: (v) => String(v.version) },
        { label: 'Công bố lúc', cell: (v) => dateTime(v.published_at) },
        { label: 'Thời hạn', cell: (v) => (v.manifest && v.manifest.legal_days !== null ? `${v.manifest.legal_days} ngày` : '') },
        { label: '', cell: row },
      ], versions, { class: 'versions' })),
    diffSlot, diagramSlot,
    formsPreview(procedure.forms, `Biểu mẫu điện tử của phiên bản ${procedure.latest_version}`));
  const wanted = Number.parseInt(query['so-sanh'], 10);
  if (wanted > 1 && procedure.versions.some((v) => v.version === wanted)) {
    diffSlot.hidden = false;
    showDiff(code, wanted, wanted - 1, diffSlot);
  }
}
