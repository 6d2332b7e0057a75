// "Chuyển phiên bản": move running dossiers of a procedure to a newer version (designers, admins).
// Dry run first: per dossier, the current steps before → after, the offices that change, how far
// each due time moves in working days, the forms whose fields changed, and why a dossier cannot
// move; then run it for the dossiers that can. The designer's studio links here with
// #/chuyen-phien-ban?thu-tuc=CODE&tu=V&sang=W.
import { get, post } from '../api.js';
import { h, table } from '../dom.js';
import { problemAlert } from '../errors.js';
import { dateTime } from '../format.js';

function days(text) {
  const n = Number(text);
  if (!n) return 'không đổi';
  const shown = Math.abs(n).toLocaleString('vi-VN');
  return `${n > 0 ? 'lùi' : 'sớm'} ${shown} ngày làm việc`;
}

function parseMap(text) {
  const map = {};
  const bad = [];
  for (const line of text.split(/[\n,]/).map((l) => l.trim()).filter(Boolean)) {
    const [oldId, newId] = line.split('=').map((p) => (p || '').trim());
    if (!oldId || !newId) bad.push(line);
    else map[oldId] = newId;
  }
  return { map, bad };
}

function stepCell(item) {
  const steps = item.changes.filter((c) => c.kind === 'step');
  if (!steps.length) return '—';
  return h('ul', { class: 'plain' }, steps.map((c) => h('li', {},
    `${c.before.name} → ${c.after.name}`,
    c.before.step !== c.after.step ? ` (${c.before.step} → ${c.after.step})` : '',
    c.rerouted ? h('div', { class: 'hint', text: `Chuyển xử lý: ${c.before.office_name} → ${c.after.office_name}` }) : null)));
}

function dueCell(item) {
  const moves = item.changes.filter((c) => c.kind === 'step' || c.kind === 'dossier');
  if (!moves.length) return '—';
  return h('ul', { class: 'plain' }, moves.map((c) => h('li', {},
    c.kind === 'dossier' ? 'Hẹn trả kết quả: ' : `${c.after.name}: `,
    `${dateTime(c.before.due_at)} → ${dateTime(c.after.due_at)} (${days(c.due_moved_days)})`)));
}

function notesCell(item) {
  const notes = [];
  for (const p of item.problems) notes.push(h('li', { class: 'bad', text: p.message }));
  for (const c of item.changes.filter((x) => x.kind === 'form')) {
    const parts = [];
    if (c.added.length) parts.push(`thêm ${c.added.join(', ')}`);
    if (c.removed.length) parts.push(`bỏ ${c.removed.join(', ')}`);
    if (c.changed.length) parts.push(`đổi ${c.changed.join(', ')}`);
    if (c.required_changed) parts.push('đổi trường bắt buộc');
    notes.push(h('li', { text: `Biểu mẫu «${c.form}» đổi: ${parts.join('; ')}` }));
  }
  for (const c of item.changes.filter((x) => x.kind === 'event')) {
    notes.push(h('li', { text: `Hẹn giờ đang chờ: ${c.before.step} → ${c.after.step} (giữ nguyên thời điểm)` }));
  }
  return notes.length ? h('ul', { class: 'plain' }, notes) : '—';
}

function resultTable(result) {
  if (!result.items.length) return h('p', { class: 'empty', text: 'Không có hồ sơ đang giải quyết nào theo phiên bản này.' });
  return table([
    { label: 'Hồ sơ', cell: (i) => h('a', { href: `#/ho-so/${encodeURIComponent(i.code)}`, text: i.code }) },
    {
      label: 'Chuyển được',
      cell: (i) => h('span', { class: `badge ${i.migratable ? 'ok' : 'bad'}`, text: i.migratable ? 'Có' : 'Không' }),
    },
    { label: 'Bước hiện tại (trước → sau)', cell: stepCell },
    { label: 'Thời hạn', cell: dueCell },
    { label: 'Ghi chú', cell: notesCell },
  ], result.items, { class: 'migrations' });
}

export async function renderMigrations(view, ctx, rest, query = {}) {
  const status = h('div', { id: 'migration-status', 'aria-live': 'polite' });
  const output = h('div', { id: 'migration-result' });
  const procedureSelect = h('select', { id: 'mig-procedure', name: 'procedure', required: true });
  const fromSelect = h('select', { id: 'mig-from', name: 'from_version', required: true });
  const toSelect = h('select', { id: 'mig-to', name: 'to_version', required: true });
  const mapInput = h('textarea', { id: 'mig-map', name: 'map', rows: 2, placeholder: 'ma_cu=ma_moi (mỗi dòng một bước)' });
  const codesInput = h('textarea', { id: 'mig-dossiers', name: 'dossiers', rows: 2, placeholder: 'Để trống: mọi hồ sơ đang giải quyết' });
  const dryButton = h('button', { type: 'submit', text: 'Xem trước (không ghi gì)' });
  const runButton = h('button', { type: 'button', class: 'danger', text: 'Chuyển các hồ sơ chuyển được', disabled: true });
  const form = h('form', { class: 'panel', novalidate: true },
    h('div', { class: 'grid' },
      h('label', { for: 'mig-procedure' }, 'Thủ tục', procedureSelect),
      h('label', { for: 'mig-from' }, 'Từ phiên bản', fromSelect),
      h('label', { for: 'mig-to' }, 'Sang phiên bản', toSelect)),
    h('label', { for: 'mig-map' }, 'Bước đổi mã (không bắt buộc)', mapInput),
    h('label', { for: 'mig-dossiers' }, 'Chỉ các hồ sơ (mã, không bắt buộc)', codesInput),
    h('div', { class: 'actions' }, dryButton, runButton));
  view.replaceChildren(
    h('div', { class: 'section-head' }, h('h1', { text: 'Chuyển hồ sơ sang phiên bản mới' })),
    h('p', { class: 'hint', text: 'Hồ sơ đang giải quyết giữ phiên bản thủ tục lúc tiếp nhận. Khi quy định thay đổi, '
      + 'xem trước tác động lên từng hồ sơ rồi mới chuyển. Hồ sơ đang chờ bổ sung, đã kết thúc hoặc đang ở bước '
      + 'không còn trong phiên bản mới được giữ nguyên.' }),
    form, status, output);

  let versions = [];
  let preview = null;
  const fillVersions = async () => {
    const code = procedureSelect.value;
    versions = code ? (await get(`/procedures/${encodeURIComponent(code)}`)).versions : [];
    const options = versions.map((v) => h('option', { value: v.version, text: `Phiên bản ${v.version} (${dateTime(v.published_at)})` }));
    fromSelect.replaceChildren(...options.map((o) => o.cloneNode(true)));
    toSelect.replaceChildren(...options);
    if (versions.length) {
      fromSelect.value = query.tu || String(versions[Math.max(0, versions.length - 2)].version);
      toSelect.value = query.sang || String(versions[versions.length - 1].version);
    }
    preview = null;
    runButton.disabled = true;
    output.replaceChildren();
  };

  const request = (dryRun) => {
    const { map, bad } = parseMap(mapInput.value);
    if (bad.length) throw new Error(`Bước đổi mã phải có dạng ma_cu=ma_moi: ${bad.join(', ')}`);
    const codes = codesInput.value.split(/[\s,]+/).map((c) => c.trim()).filter(Boolean);
    return {
      from_version: Number(fromSelect.value), to_version: Number(toSelect.value), dry_run: dryRun, map,
      ...(codes.length ? { dossiers: codes } : {}),
    };
  };

  const send = async (dryRun) => {
    status.replaceChildren(h('p', { class: 'hint', text: dryRun ? 'Đang xem trước…' : 'Đang chuyển…' }));
    try {
      const body = request(dryRun);
      const result = await post(`/procedures/${encodeURIComponent(procedureSelect.value)}/migrations`, body);
      const ready = result.items.filter((i) => i.migratable).length;
      status.replaceChildren(h('p', {
        class: `alert ${dryRun ? 'info' : 'success'}`, role: 'status',
        text: dryRun
          ? `Xem trước: ${ready}/${result.items.length} hồ sơ chuyển được. Chưa có gì thay đổi.`
          : `Đã chuyển ${result.migrated}/${result.items.length} hồ sơ sang phiên bản ${result.to_version}.`,
      }));
      output.replaceChildren(resultTable(result));
      preview = dryRun ? body : null;
      runButton.disabled = !dryRun || ready === 0;
    } catch (error) {
      status.replaceChildren(problemAlert(error));
    }
  };

  form.addEventListener('submit', (event) => { event.preventDefault(); send(true); });
  runButton.addEventListener('click', () => {
    if (!preview) return;
    // eslint-disable-next-line no-alert
    if (window.confirm('Chuyển các hồ sơ chuyển được sang phiên bản mới? Việc này được ghi vào lịch sử từng hồ sơ.')) send(false);
  });
  procedureSelect.addEventListener('change', () => fillVersions().catch((e) => status.replaceChildren(problemAlert(e))));
  for (const el of [fromSelect, toSelect, mapInput, codesInput]) {
    el.addEventListener('input', () => { preview = null; runButton.disabled = true; });
  }

  try {
    const list = await get('/procedures', { per_page: 100 });
    procedureSelect.replaceChildren(...list.items.map((p) => h('option', { value: p.code, text: `${p.name} (${p.code})` })));
    if (query['thu-tuc']) procedureSelect.value = query['thu-tuc'];
    await fillVersions();
  } catch (error) {
    status.replaceChildren(problemAlert(error));
  }
}
