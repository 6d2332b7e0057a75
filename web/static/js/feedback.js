// "Phản ánh, kiến nghị" (/gop-y): a citizen sends a complaint or recommendation (no sign-in), gets
// its code, follows it by that code (status and published answer; never the name, contact or
// content) and rates the published answer once.
import { get, post } from './api.js';
import { facts, fill, h } from './dom.js';
import { clearFieldErrors, problemAlert, showFieldErrors } from './errors.js';
import { dateTime } from './format.js';

const $ = (id) => document.getElementById(id);
const KIND = { complaint: 'Phản ánh', recommendation: 'Kiến nghị' };
const TONE = { received: 'info', classified: 'info', info_requested: 'warn', refused: 'bad', answered: 'info', published: 'ok' };
let current = null;

function say(box, kind, ...content) {
  box.className = `alert ${kind}`;
  fill(box, ...content);
  box.hidden = false;
}

function fail(box, form, error) {
  const rest = error.problem && form ? showFieldErrors(form, error.errors) : {};
  say(box, 'error', ...problemAlert({ ...error, problem: { ...error.problem, errors: rest } }).childNodes);
}

function show(item) {
  current = item.code;
  fill($('follow-result'),
    h('h2', { text: `${KIND[item.kind] || ''} ${item.code}`.trim() }),
    h('p', { class: 'status-line' }, 'Tình trạng: ',
      h('span', { id: 'follow-status', class: `badge ${TONE[item.status] || ''}`.trim(), dataset: { status: item.status }, text: item.status_text })),
    facts([
      ['Cơ quan giải quyết', item.office_name],
      ['Ngày tiếp nhận', dateTime(item.received_at)],
      ['Hạn trả lời', item.answered || item.refused ? null : dateTime(item.answer_due_at)],
      ['Ngày công khai trả lời', dateTime(item.published_at)],
    ]),
    item.info_requested && !item.answered ? h('p', { class: 'alert warn', text: `Cơ quan đề nghị bổ sung thông tin: ${item.info_reason || ''}` }) : null,
    item.refused ? h('p', { class: 'alert warn', text: `Từ chối tiếp nhận: ${item.refuse_reason || ''}` }) : null,
    item.answer ? h('section', { 'aria-labelledby': 'answer-title' }, h('h3', { id: 'answer-title', text: 'Nội dung trả lời' }),
      h('p', { id: 'follow-answer', class: 'answer', text: item.answer })) : null);
  $('follow-result').hidden = false;
  const rating = $('pakn-rating');
  $('pakn-rating-message').hidden = true;
  if (item.may_rate) {
    rating.hidden = false;
    $('pakn-rating-form').hidden = false;
  } else if (item.rating) {
    rating.hidden = false;
    $('pakn-rating-form').hidden = true;
    say($('pakn-rating-message'), 'info', 'Ông/bà đã đánh giá kết quả trả lời. Xin cảm ơn!');
  } else {
    rating.hidden = true;
  }
}

async function follow(code) {
  const message = $('follow-message');
  message.hidden = true;
  try {
    show(await get(`/public/feedback/${encodeURIComponent(code)}`, null, { auth: false }));
  } catch (error) {
    $('follow-result').hidden = true;
    $('pakn-rating').hidden = true;
    fail(message, $('follow-form'), error);
  }
}

$('follow-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  clearFieldErrors($('follow-form'));
  const code = $('follow-code').value.trim();
  if (!code) {
    showFieldErrors($('follow-form'), { code: ['Nhập mã phản ánh, kiến nghị.'] });
    return;
  }
  await follow(code);
});

$('send-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('send-form');
  const box = $('send-message');
  clearFieldErrors(form);
  box.hidden = true;
  const body = {
    kind: form.querySelector('input[name=kind]:checked').value,
    name: $('send-name').value.trim(),
    contact: $('send-contact').value.trim(),
    content: $('send-content').value.trim(),
    dossier_code: $('send-dossier').value.trim() || null,
    phone4: $('send-phone4').value.trim() || null,
  };
  const errors = {};
  if (!body.name) errors.name = ['Nhập họ và tên.'];
  if (body.contact.length < 3) errors.contact = ['Nhập số điện thoại hoặc thư điện tử.'];
  if (!body.content) errors.content = ['Nhập nội dung phản ánh, kiến nghị.'];
  if (body.phone4 && !/^\d{4}$/.test(body.phone4)) errors.phone4 = ['Nhập đúng 4 chữ số.'];
  if (body.phone4 && !body.dossier_code) errors.dossier_code = ['Nhập mã hồ sơ.'];
  if (Object.keys(errors).length) {
    showFieldErrors(form, errors);
    return;
  }
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const sent = await post('/public/feedback', body, { auth: false });
    form.reset();
    say(box, 'success', 'Đã gửi. Mã phản ánh, kiến nghị của ông/bà: ', h('strong', { id: 'sent-code', text: sent.code }),
      '. Hãy ghi lại mã này để theo dõi kết quả trả lời.');
    $('follow-code').value = sent.code;
    await follow(sent.code);
  } catch (error) {
    fail(box, form, error);
  } finally {
    button.disabled = false;
  }
});

$('pakn-rating-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = $('pakn-rating-form');
  clearFieldErrors(form);
  const choice = form.querySelector('input[name=rating]:checked');
  if (!choice) {
    showFieldErrors(form, { rating: ['Chọn một mức đánh giá.'] });
    return;
  }
  try {
    await post(`/public/feedback/${encodeURIComponent(current)}/rating`, { rating: choice.value }, { auth: false });
    form.hidden = true;
    say($('pakn-rating-message'), 'success', 'Cảm ơn ông/bà đã đánh giá.');
  } catch (error) {
    fail($('pakn-rating-message'), form, error);
  }
});

// /gop-y?ma=CODE opens that PAKN's status.
const preset = new URLSearchParams(location.search).get('ma');
if (preset) {
  $('follow-code').value = preset;
  follow(preset);
}
