// "Tra cứu hồ sơ", phone first: a citizen looks a dossier up by its code and the last four phone
// digits, or opens the receipt's QR link (/tra-cuu?code=…&key=…) and sees the status at once; a
// progress line like the national portal's; the electronic result downloaded with the key; the
// three-level rating once the result is returned. No sign-in, no personal data on the page.
import { get, post } from './api.js';
import { facts, h } from './dom.js';
import { clearFieldErrors, problemAlert, showFieldErrors } from './errors.js';
import { dateTime, STATUS_TONE } from './format.js';

const $ = (id) => document.getElementById(id);
const form = $('lookup-form');
const search = $('lookup-search');
const message = $('lookup-message');
const result = $('lookup-result');
const rating = $('rating');
const ratingForm = $('rating-form');
const ratingMessage = $('rating-message');
let current = null; // {code, phone4} or {code, key}

const STEPS = ['Tiếp nhận', 'Đang xử lý', 'Có kết quả', 'Đã trả'];
// status -> [steps done, the current step, its words when they differ from the step's name]
const PROGRESS = {
  processing: [1, 1],
  supplement_requested: [1, 1, 'Chờ bổ sung'],
  done: [2, 2],
  returned: [4, -1],
  rejected: [1, 1, 'Từ chối'],
  stopped: [1, 1, 'Dừng giải quyết'],
  withdrawn: [1, 1, 'Đã rút'],
};
const ENDED = ['rejected', 'stopped', 'withdrawn'];

/** What the status means for the citizen, in words. */
function explain(d) {
  const due = dateTime(d.due_at);
  switch (d.status) {
    case 'processing': return `Hồ sơ đang được giải quyết.${due ? ` Hẹn trả kết quả: ${due}.` : ''}`;
    case 'supplement_requested': return 'Hồ sơ đang tạm dừng, chờ ông/bà bổ sung giấy tờ theo phiếu yêu cầu bổ sung; '
      + 'thời hạn giải quyết tính tiếp khi nhận đủ.';
    case 'done': return 'Đã có kết quả; mời ông/bà đến nhận kết quả tại Bộ phận Một cửa.';
    case 'returned': return `Đã trả kết quả${d.returned_at ? ` lúc ${dateTime(d.returned_at)}` : ''}.`;
    case 'rejected': return 'Cơ quan đã từ chối giải quyết hồ sơ; lý do ghi trong văn bản từ chối gửi ông/bà.';
    case 'stopped': return 'Cơ quan đã dừng giải quyết hồ sơ; lý do ghi trong thông báo gửi ông/bà.';
    case 'withdrawn': return 'Hồ sơ đã được rút theo đề nghị của người nộp.';
    default: return '';
  }
}

function progressLine(d) {
  const [done, now, words] = PROGRESS[d.status] || [1, 1];
  const stopped = ENDED.includes(d.status);
  return h('ol', { class: 'progress', id: 'lookup-progress', 'aria-label': 'Tiến trình giải quyết' },
    STEPS.map((name, i) => {
      let state = '';
      if (i < done) state = 'done';
      else if (i === now) state = stopped ? 'stopped' : 'current';
      const label = i === now && words ? words : name;
      return h('li', { class: state, 'aria-current': i === now ? 'step' : null, dataset: { step: String(i) } },
        label, state === 'done' ? h('span', { class: 'visually-hidden', text: ' (đã xong)' }) : null);
    }));
}

function say(box, kind, ...content) {
  box.className = `alert ${kind}`;
  box.replaceChildren(...content);
  box.hidden = false;
}

function showError(box, error) {
  const alert = problemAlert(error);
  say(box, 'error', ...alert.childNodes);
}

function resultDownload(d) {
  if (!['done', 'returned'].includes(d.status)) return null;
  if (d.result_available && current && current.key) {
    const href = `/api/v1/public/dossiers/${encodeURIComponent(d.code)}/result?key=${encodeURIComponent(current.key)}`;
    return h('p', { class: 'actions' },
      h('a', { class: 'button primary big-button', id: 'lookup-download', href, download: '', text: 'Tải kết quả điện tử' }));
  }
  if (current && !current.key) {
    return h('p', { class: 'hint', text: 'Kết quả điện tử (nếu có) tải được từ đường dẫn hoặc mã QR in trên giấy tiếp nhận.' });
  }
  return null;
}

function showDossier(d) {
  // (append via h() skips nulls; replaceChildren would print them as the text "null")
  result.replaceChildren(h('div', {},
    h('h2', { text: 'Kết quả tra cứu' }),
    h('p', { class: 'status-line' },
      h('span', { id: 'lookup-status', class: `badge ${STATUS_TONE[d.status] || ''}`.trim(), dataset: { status: d.status }, text: d.status_text || '' })),
    progressLine(d),
    h('p', { id: 'lookup-explain', text: explain(d) }),
    facts([
      ['Mã hồ sơ', h('span', { id: 'lookup-code-shown', text: d.code || '' })],
      ['Thủ tục', d.procedure_name ? h('span', { id: 'lookup-procedure', text: d.procedure_name }) : ''],
      ['Ngày tiếp nhận', dateTime(d.received_at)],
      ['Hẹn trả kết quả', ENDED.includes(d.status) ? '' : h('span', { id: 'lookup-due', text: dateTime(d.due_at) })],
      ['Ngày có kết quả', dateTime(d.finished_at)],
      ['Ngày trả kết quả', dateTime(d.returned_at)],
    ]),
    resultDownload(d)));
  result.hidden = false;
  $('feedback-link').href = `/gop-y?ma=${encodeURIComponent(d.code)}`;
  ratingMessage.hidden = true;
  ratingForm.reset();
  clearFieldErrors(ratingForm);
  if (d.status === 'returned' && !d.rated) {
    rating.hidden = false;
    ratingForm.hidden = false;
  } else if (d.status === 'returned' && d.rated) {
    rating.hidden = false;
    ratingForm.hidden = true;
    say(ratingMessage, 'info', 'Hồ sơ này đã được đánh giá. Xin cảm ơn ông/bà!');
  } else {
    rating.hidden = true;
  }
}

async function look(code, proof) {
  message.hidden = true;
  const dossier = await get(`/public/dossiers/${encodeURIComponent(code)}`, proof, { auth: false });
  current = { code: dossier.code, ...proof };
  showDossier(dossier);
  return dossier;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  message.hidden = true;
  const code = $('lookup-code').value.trim().toUpperCase(); // codes match in any case
  const phone4 = $('lookup-phone4').value.trim();
  const errors = {};
  if (!code) errors.code = ['Nhập mã hồ sơ.'];
  if (!/^\d{4}$/.test(phone4)) errors.phone4 = ['Nhập đúng 4 chữ số cuối số điện thoại.'];
  if (Object.keys(errors).length) {
    showFieldErrors(form, errors);
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await look(code, { phone4 });
  } catch (error) {
    current = null;
    result.hidden = true;
    rating.hidden = true;
    const rest = error.problem ? showFieldErrors(form, error.errors) : {};
    showError(message, { ...error, problem: { ...error.problem, errors: rest } });
  } finally {
    button.disabled = false;
  }
});

ratingForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!current) return;
  clearFieldErrors(ratingForm);
  ratingMessage.hidden = true;
  const choice = ratingForm.querySelector('input[name=level]:checked');
  if (!choice) {
    showFieldErrors(ratingForm, { level: ['Chọn một mức: «Rất hài lòng», «Hài lòng» hoặc «Không hài lòng».'] });
    return;
  }
  const comment = $('rating-comment').value.trim();
  const button = ratingForm.querySelector('button[type=submit]');
  button.disabled = true;
  const proof = current.key ? { key: current.key } : { phone4: current.phone4 };
  try {
    await post(`/public/dossiers/${encodeURIComponent(current.code)}/rating`,
      { ...proof, level: choice.value, comment: comment || null }, { auth: false });
    ratingForm.hidden = true;
    say(ratingMessage, 'success', 'Cảm ơn ông/bà đã đánh giá. Ý kiến đã được ghi nhận.');
  } catch (error) {
    const rest = error.problem ? showFieldErrors(ratingForm, error.errors) : {};
    showError(ratingMessage, { ...error, problem: { ...error.problem, errors: rest } });
  } finally {
    button.disabled = false;
  }
});

// The receipt's QR link (/tra-cuu?code=CODE&key=KEY) shows the status at once; ?ma=CODE fills the code in.
const params = new URLSearchParams(location.search);
const preset = (params.get('code') || params.get('ma') || '').trim();
const key = (params.get('key') || '').trim();
if (preset) $('lookup-code').value = preset.toUpperCase();
if (preset && key) {
  search.hidden = true;
  look(preset, { key }).then(() => {
    result.append(h('p', {}, h('a', { href: '/tra-cuu', text: 'Tra cứu hồ sơ khác' })));
  }).catch((error) => {
    search.hidden = false;
    showError(message, error);
  });
}
