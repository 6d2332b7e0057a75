// The bell in the console's header: the count of unread notifications (GET /notifications?unread=true,
// its `total`), a dropdown listing them; opening one marks it read and opens the dossier concerned.
import { get, post } from '../api.js';
import { h } from '../dom.js';
import { dateTime } from '../format.js';

const $ = (id) => document.getElementById(id);
const SHOWN = 10;
const EVERY_MS = 60_000;
let timer = null;
let navigate = null;

function setCount(total) {
  const badge = $('bell-count');
  badge.hidden = !total;
  badge.textContent = total > 99 ? '99+' : String(total || '');
  $('bell-button').setAttribute('aria-label', total ? `Thông báo: ${total} chưa đọc` : 'Thông báo: không có thông báo mới');
}

export async function refreshBell() {
  try {
    const answer = await get('/notifications', { unread: 'true', per_page: SHOWN });
    setCount(answer.total);
    return answer;
  } catch {
    return null; // the bell never breaks the page; the next refresh tries again
  }
}

function close() {
  $('bell-menu').hidden = true;
  $('bell-button').setAttribute('aria-expanded', 'false');
}

async function open(item) {
  try {
    await post(`/notifications/${item.id}/read`);
  } catch {
    // opening the dossier matters more than the mark
  }
  close();
  await refreshBell();
  if (item.dossier_code) navigate(`#/ho-so/${encodeURIComponent(item.dossier_code)}`);
}

async function toggle() {
  const menu = $('bell-menu');
  if (!menu.hidden) {
    close();
    return;
  }
  menu.replaceChildren(h('p', { class: 'empty', text: 'Đang tải…' }));
  menu.hidden = false;
  $('bell-button').setAttribute('aria-expanded', 'true');
  const answer = await refreshBell();
  if (!answer) {
    menu.replaceChildren(h('p', { class: 'empty', text: 'Không tải được thông báo; hãy thử lại.' }));
    return;
  }
  if (!answer.items.length) {
    menu.replaceChildren(h('p', { class: 'empty', text: 'Không có thông báo mới.' }));
    return;
  }
  const list = h('ul', {}, answer.items.map((item) => {
    const link = h('a', { href: item.dossier_code ? `#/ho-so/${encodeURIComponent(item.dossier_code)}` : '#', dataset: { id: String(item.id) } },
      h('strong', { text: item.title }), h('span', { class: 'when', text: dateTime(item.created_at) }));
    link.addEventListener('click', (event) => {
      event.preventDefault();
      open(item);
    });
    return h('li', {}, link);
  }));
  const more = answer.total - answer.items.length;
  menu.replaceChildren(list, ...(more > 0 ? [h('p', { class: 'more', text: `và ${more} thông báo khác` })] : []));
}

export function startBell(ctx) {
  navigate = (hash) => ctx.navigate(hash);
  if (!$('bell-button').dataset.bound) {
    $('bell-button').dataset.bound = '1';
    $('bell-button').addEventListener('click', toggle);
    document.addEventListener('keydown', (event) => { if (event.key === 'Escape') close(); });
    document.addEventListener('click', (event) => { if (!$('bell').contains(event.target)) close(); });
  }
  clearInterval(timer);
  timer = setInterval(refreshBell, EVERY_MS);
  refreshBell();
}

export function stopBell() {
  clearInterval(timer);
  close();
}
