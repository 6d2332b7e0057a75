// The document viewer: fetches one printable paper of a dossier with this window's token and shows
// it in a sandboxed frame (no scripts run in it), ready to print.
import { apiText, getToken } from './api.js';
import { DOCUMENTS } from './format.js';

const params = new URLSearchParams(location.search);
const code = params.get('ma') || '';
const form = params.get('mau') || '';
const frame = document.getElementById('viewer-frame');
const printButton = document.getElementById('viewer-print');
const message = document.getElementById('viewer-message');

function fail(text) {
  message.textContent = text;
  message.hidden = false;
  frame.hidden = true;
}

document.getElementById('viewer-close').addEventListener('click', () => window.close());
printButton.addEventListener('click', () => frame.contentWindow.print());

const label = DOCUMENTS[form] || 'Giấy tờ';
document.getElementById('viewer-title').textContent = `${label} — ${code}`;
document.title = `${label} — ${code} — Một Cửa`;

if (!code || !DOCUMENTS[form]) {
  fail('Địa chỉ không đúng: thiếu mã hồ sơ hoặc loại giấy tờ.');
} else if (!getToken()) {
  fail('Cửa sổ này chưa có phiên đăng nhập; hãy mở giấy tờ từ bàn làm việc cán bộ (/app).');
} else {
  try {
    const html = await apiText(`/dossiers/${encodeURIComponent(code)}/documents/${encodeURIComponent(form)}`);
    frame.addEventListener('load', () => { printButton.disabled = false; }, { once: true });
    frame.srcdoc = html;
  } catch (error) {
    fail([error.problem && error.problem.title, error.message].filter(Boolean).join(': '));
  }
}
