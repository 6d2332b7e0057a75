// "Tra cứu hồ sơ": a citizen looks a dossier up by its code and the last four phone digits (no
// sign-in, no personal data on the page), then rates the service once after receiving the result.
import { get, post } from './api.js';
import { facts, h } from './dom.js';
import { clearFieldErrors, problemAlert, showFieldErrors } from './errors.js';
import { dateTime, STATUS_TONE } from './format.js';

const $ = (id) => document.getElementById(id);
const form = $('lookup-form');
const message = $('lookup-message');
const result = $('lookup-result');
const rating = $('rating');
const ratingForm = $('rating-form');
const ratingMessage = $('rating-message');
let current = null; // {code, phone4}

function say(box, kind, ...content) {
  box.className = `alert ${kind}`;
  box.replaceChildren(...content);
  box.hidden = false;
}

function showError(box, error) {
  const alert = problemAlert(error);
  say(box, 'error', ...alert.childNodes);
}

function showDossier(d) {
  result.replaceChildren(
    h('h2', { text: 'Kết quả tra cứu' }),
    h('p', { class: 'status-line' }, 'Tình trạng: ',
      h('span', { id: 'lookup-status', class: `badge ${STATUS_TONE[d.status] || ''}`.trim(), dataset: { status: d.status }, text: d.status_text })),
    facts([
      ['Mã hồ sơ', d.code],
      ['Thủ tục', h('span', { id: 'lookup-procedure', text: d.procedure_name })],
      ['Ngày tiếp nhận', dateTime(d.received_at)],
      ['Hẹn trả kết quả', h('span', { id: 'lookup-due', text: dateTime(d.due_at) })],
      ['Ngày có kết quả', dateTime(d.finished_at)],
      ['Ngày trả kết quả', dateTime(d.returned_at)],
    ]),
    d.paused ? h('p', { class: 'alert warn', text: 'Hồ sơ đang tạm dừng chờ ông/bà bổ sung giấy tờ; thời hạn sẽ tính tiếp khi nhận đủ.' }) : null,
    d.status === 'done' ? h('p', { class: 'alert info', text: 'Đã có kết quả; mời ông/bà đến nhận. Sau khi nhận kết quả có thể đánh giá mức độ hài lòng tại đây.' }) : null);
  result.hidden = false;
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

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors(form);
  message.hidden = true;
  const code = $('lookup-code').value.trim();
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
    const dossier = await get(`/public/dossiers/${encodeURIComponent(code)}`, { phone4 }, { auth: false });
    current = { code: dossier.code, phone4 };
    showDossier(dossier);
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
  const choice = ratingForm.querySelector('input[name=satisfied]:checked');
  if (!choice) {
    showFieldErrors(ratingForm, { satisfied: ['Chọn «Hài lòng» hoặc «Chưa hài lòng».'] });
    return;
  }
  const comment = $('rating-comment').value.trim();
  const button = ratingForm.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    await post(`/public/dossiers/${encodeURIComponent(current.code)}/rating`,
      { phone4: current.phone4, satisfied: choice.value === 'true', comment: comment || null }, { auth: false });
    ratingForm.hidden = true;
    say(ratingMessage, 'success', 'Cảm ơn ông/bà đã đánh giá. Ý kiến đã được ghi nhận.');
  } catch (error) {
    const rest = error.problem ? showFieldErrors(ratingForm, error.errors) : {};
    showError(ratingMessage, { ...error, problem: { ...error.problem, errors: rest } });
  } finally {
    button.disabled = false;
  }
});

// A link such as /tra-cuu?ma=CODE fills the code in.
const preset = new URLSearchParams(location.search).get('ma');
if (preset) $('lookup-code').value = preset;
