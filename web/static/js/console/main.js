// The staff console: sign-in, the signed-in user, tabs by role and a small hash router.
import { clearToken, get, getToken, onUnauthorized, post, setToken } from '../api.js';
import { h, fill } from '../dom.js';
import { clearFieldErrors, showProblem } from '../errors.js';
import { ROLE } from '../format.js';
import { renderReceive } from './receive.js';
import { renderInbox, renderTask } from './inbox.js';
import { renderDossier, renderDossierList } from './dossiers.js';
import { renderFeedback, renderFeedbackList } from './feedback.js';
import { refreshBell, startBell, stopBell } from './bell.js';
import { renderMigrations } from './migrations.js';
import { renderStudio } from './studio.js';
import { renderAudit } from './audit.js';
import { renderDashboard } from './dashboard.js';

const $ = (id) => document.getElementById(id);
const WORKING = ['receiver', 'specialist', 'leader'];

const TABS = [
  { id: 'tiep-nhan', label: 'Tiếp nhận hồ sơ', roles: ['receiver'], render: (view, ctx) => renderReceive(view, ctx) },
  {
    id: 'hop-viec', label: 'Hộp việc', roles: WORKING,
    render: (view, ctx, rest) => (rest ? renderTask(view, ctx, rest) : renderInbox(view, ctx)),
  },
  {
    id: 'ho-so', label: 'Hồ sơ', roles: [...WORKING, 'admin', 'auditor'],
    render: (view, ctx, rest, query) => (rest ? renderDossier(view, ctx, rest) : renderDossierList(view, ctx, query)),
  },
  {
    id: 'gop-y', label: 'Phản ánh, kiến nghị', roles: [...WORKING, 'admin', 'auditor'],
    render: (view, ctx, rest, query) => (rest ? renderFeedback(view, ctx, rest) : renderFeedbackList(view, ctx, query)),
  },
  { id: 'thiet-ke', label: 'Thiết kế thủ tục', roles: ['designer', 'admin'], render: (view, ctx, rest, query) => renderStudio(view, ctx, rest, query) },
  {
    id: 'chuyen-phien-ban', label: 'Chuyển phiên bản', roles: ['designer', 'admin'],
    render: (view, ctx, rest, query) => renderMigrations(view, ctx, rest, query),
  },
  { id: 'kiem-tra', label: 'Kiểm tra hồ sơ', roles: ['auditor', 'admin'], render: (view, ctx, rest) => renderAudit(view, ctx, rest) },
  { id: 'dieu-hanh', label: 'Bảng điều hành', roles: ['leader', 'admin', 'auditor'], render: (view, ctx, rest, query) => renderDashboard(view, ctx, query) },
];

let user = null;
let flashKeep = 0;

const ctx = {
  get user() { return user; },
  has(...roles) { return !!user && roles.some((r) => user.roles.includes(r)); },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  /** A message above the view; it survives the one navigation that usually follows it. */
  flash(message, kind = 'success') {
    const box = $('flash');
    box.className = `alert ${kind}`;
    box.textContent = message;
    box.hidden = false;
    flashKeep = 1;
  },
  refresh() { route(); },
};

function tabsFor() {
  return TABS.filter((t) => ctx.has(...t.roles));
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, queryText = ''] = raw.split('?');
  const [tab = '', ...rest] = path.split('/');
  return {
    tab,
    rest: rest.length ? decodeURIComponent(rest.join('/')) : '',
    query: Object.fromEntries(new URLSearchParams(queryText)),
  };
}

function route() {
  if (!user) return;
  const tabs = tabsFor();
  const view = $('view');
  if (flashKeep > 0) flashKeep -= 1;
  else $('flash').hidden = true;
  if (!tabs.length) {
    fill(view, h('div', { class: 'panel' },
      h('h1', { text: 'Bàn làm việc' }),
      h('p', { text: 'Tài khoản này không có vai trò nào dùng được trên bàn làm việc; '
        + 'quản trị người dùng được thực hiện qua API.' }),
      h('p', {}, h('a', { href: '/api/docs', text: 'Mở tài liệu API' }))));
    return;
  }
  const { tab, rest, query } = parseHash();
  const current = tabs.find((t) => t.id === tab);
  if (!current) {
    location.replace(`#/${tabs[0].id}`);
    return;
  }
  for (const link of $('tabs').querySelectorAll('a')) {
    if (link.dataset.tab === current.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const container = h('div', { class: 'view-body' });
  fill(view, container);
  refreshBell();
  current.render(container, ctx, rest, query);
}

function showLogin(message) {
  user = null;
  stopBell();
  $('app-view').hidden = true;
  $('user-box').hidden = true;
  $('login-view').hidden = false;
  const box = $('login-message');
  if (message) {
    box.className = 'alert info';
    box.textContent = message;
    box.hidden = false;
  } else {
    box.hidden = true;
  }
  $('login-username').focus();
}

async function showApp() {
  try {
    user = await get('/users/me');
  } catch (error) {
    clearToken();
    showLogin(error.status === 401 ? 'Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.' : error.message);
    return;
  }
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('user-box').hidden = false;
  $('user-name').textContent = user.full_name || user.username;
  $('user-office').textContent = [user.office_name || user.office_code,
    user.roles.map((r) => ROLE[r] || r).join(', ')].filter(Boolean).join(' · ');
  fill($('tabs'), tabsFor().map((t) => h('a', { href: `#/${t.id}`, dataset: { tab: t.id }, text: t.label })));
  startBell(ctx);
  route();
}

async function login(event) {
  event.preventDefault();
  const form = $('login-form');
  const slot = $('login-message');
  clearFieldErrors(form);
  slot.hidden = true;
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    const answer = await post('/auth/token', {
      username: $('login-username').value.trim(),
      password: $('login-password').value,
    }, { auth: false });
    setToken(answer.access_token);
    $('login-password').value = '';
    await showApp();
  } catch (error) {
    slot.className = '';
    showProblem(form, slot, error);
  } finally {
    button.disabled = false;
  }
}

async function logout() {
  try {
    await post('/auth/revoke');
  } catch {
    // the token is dropped either way
  }
  clearToken();
  history.replaceState(null, '', location.pathname);
  showLogin('Đã đăng xuất.');
}

onUnauthorized(() => {
  clearToken();
  showLogin('Phiên đăng nhập đã hết hạn hoặc bị thu hồi; vui lòng đăng nhập lại.');
});

$('login-form').addEventListener('submit', login);
$('logout').addEventListener('click', logout);
window.addEventListener('hashchange', route);

if (getToken()) showApp();
else showLogin();
