// "Hộp việc": the steps waiting for the user (theirs and those they may take), and one step with its
// form rendered from the task's JSON Schema: claim, give back, complete.
import { get, post } from '../api.js';
import { facts, h, table } from '../dom.js';
import { clearFieldErrors, problemAlert, showProblem } from '../errors.js';
import { describeData, renderSchemaForm } from '../form-renderer.js';
import { dateTime, lane, STATUS } from '../format.js';
import { filesPanel, resultPanel } from './files.js';

const TASK_STATE = { ready: 'Chờ xử lý', completed: 'Đã hoàn thành', cancelled: 'Đã hủy' };

function due(task) {
  return h('span', {}, dateTime(task.due_at), task.overdue ? [' ', h('span', { class: 'badge bad', text: 'Quá hạn' })] : null);
}

function taskTable(tasks, emptyText) {
  if (!tasks.length) return h('p', { class: 'empty', text: emptyText });
  return table([
    { label: 'Hồ sơ', cell: (t) => h('a', { href: `#/ho-so/${encodeURIComponent(t.dossier_code)}`, text: t.dossier_code }) },
    { label: 'Thủ tục', cell: (t) => t.procedure_name },
    { label: 'Bước', cell: (t) => t.name },
    { label: 'Hạn xử lý', cell: due },
    { label: 'Người nhận', cell: (t) => t.assignee || '—' },
    {
      label: 'Thao tác',
      cell: (t) => h('a', {
        class: 'button small', href: `#/hop-viec/${encodeURIComponent(t.id)}`, text: 'Mở',
        'aria-label': `Mở bước «${t.name}» của hồ sơ ${t.dossier_code}`, dataset: { task: t.id },
      }),
    },
  ], tasks, { class: 'tasks' });
}

export async function renderInbox(view, ctx) {
  const mineSlot = h('div', { id: 'inbox-mine' }, h('p', { class: 'hint', text: 'Đang tải…' }));
  const candidateSlot = h('div', { id: 'inbox-candidate' }, h('p', { class: 'hint', text: 'Đang tải…' }));
  view.replaceChildren(
    h('div', { class: 'section-head' }, h('h1', { text: 'Hộp việc' }),
      h('button', { type: 'button', class: 'small', text: 'Làm mới', onclick: () => ctx.refresh() })),
    h('section', { 'aria-labelledby': 'inbox-mine-title' }, h('h2', { id: 'inbox-mine-title', text: 'Việc tôi đã nhận' }), mineSlot),
    h('section', { 'aria-labelledby': 'inbox-cand-title' }, h('h2', { id: 'inbox-cand-title', text: 'Việc chờ nhận' }), candidateSlot));
  const [mine, candidate] = await Promise.allSettled([
    get('/tasks', { scope: 'mine', per_page: 100 }),
    get('/tasks', { scope: 'candidate', per_page: 100 }),
  ]);
  mineSlot.replaceChildren(mine.status === 'fulfilled'
    ? taskTable(mine.value.items, 'Chưa nhận việc nào.') : problemAlert(mine.reason));
  candidateSlot.replaceChildren(candidate.status === 'fulfilled'
    ? taskTable(candidate.value.items, 'Không có việc nào đang chờ.') : problemAlert(candidate.reason));
}

async function dossierContext(code) {
  // What the person needs to decide the step: the applicant and the application form's data.
  try {
    const dossier = await get(`/dossiers/${encodeURIComponent(code)}`);
    let schema = null;
    try {
      const procedure = await get(`/procedures/${encodeURIComponent(dossier.procedure_code)}`);
      const key = procedure.manifest && procedure.manifest.application_form;
      schema = key && procedure.forms ? procedure.forms[key] : null;
    } catch {
      schema = null;
    }
    const applicant = dossier.applicant || {};
    return h('section', { class: 'panel', 'aria-labelledby': 'task-dossier-title' },
      h('h2', { id: 'task-dossier-title', text: 'Thông tin hồ sơ' }),
      facts([
        ['Trạng thái hồ sơ', STATUS[dossier.status] || dossier.status],
        ['Hẹn trả kết quả', dateTime(dossier.due_at)],
        ['Người nộp', applicant.name],
        ['Điện thoại', applicant.phone],
        ...describeData(dossier.data, schema),
      ]));
  } catch (error) {
    return problemAlert(error);
  }
}

export async function renderTask(view, ctx, taskId) {
  view.replaceChildren(h('p', { class: 'hint', text: 'Đang tải công việc…' }));
  let task;
  try {
    task = await get(`/tasks/${encodeURIComponent(taskId)}`);
  } catch (error) {
    view.replaceChildren(h('p', {}, h('a', { href: '#/hop-viec', text: '← Hộp việc' })), problemAlert(error));
    return;
  }
  const messages = h('div', { class: 'messages' });
  const me = ctx.user.username;
  const ready = task.state === 'ready';

  const actMessages = h('div', { class: 'messages' });

  async function act(action, okText) {
    actMessages.replaceChildren();
    try {
      await post(`/tasks/${encodeURIComponent(task.id)}/${action}`);
      ctx.flash(okText);
      renderTask(view, ctx, taskId);
    } catch (error) {
      actMessages.replaceChildren(problemAlert(error));
    }
  }

  const buttons = h('div', { class: 'actions' });
  if (ready && !task.assignee) {
    buttons.append(h('button', { type: 'button', id: 'task-claim', text: 'Nhận việc', onclick: () => act('claim', 'Đã nhận việc.') }));
  }
  if (ready && task.assignee === me) {
    buttons.append(h('button', { type: 'button', id: 'task-unclaim', text: 'Trả lại việc', onclick: () => act('unclaim', 'Đã trả lại việc.') }));
  }

  let formPanel;
  if (ready) {
    const rendered = renderSchemaForm(task.form_schema || { type: 'object', properties: {} });
    const submit = h('button', { type: 'submit', class: 'primary', id: 'task-complete', text: 'Hoàn thành bước' });
    const form = h('form', { id: 'task-form', novalidate: true },
      task.form_schema ? rendered.element : h('p', { class: 'hint', text: 'Bước này không có biểu mẫu; bấm «Hoàn thành bước» khi đã xử lý xong.' }),
      messages,
      h('div', { class: 'actions' }, submit));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearFieldErrors(form);
      messages.replaceChildren();
      submit.disabled = true;
      try {
        const dossier = await post(`/tasks/${encodeURIComponent(task.id)}/complete`, { data: rendered.read() });
        const next = (dossier.current_steps || []).map((s) => `${s.name} (${lane(s.lane)})`).join('; ');
        ctx.flash(`Đã hoàn thành bước «${task.name}» của hồ sơ ${dossier.code}. `
          + `Trạng thái: ${STATUS[dossier.status] || dossier.status}.${next ? ` Bước tiếp theo: ${next}.` : ''}`);
        ctx.navigate('#/hop-viec');
      } catch (error) {
        showProblem(form, messages, error);
        submit.disabled = false;
      }
    });
    formPanel = h('section', { class: 'panel', 'aria-label': 'Biểu mẫu xử lý' }, form);
  } else {
    formPanel = h('section', { class: 'panel' },
      h('p', { text: `Bước này ${TASK_STATE[task.state] ? TASK_STATE[task.state].toLowerCase() : task.state}.` }),
      task.data ? facts(describeData(task.data, task.form_schema)) : null);
  }

  view.replaceChildren(
    h('p', {}, h('a', { href: '#/hop-viec', text: '← Hộp việc' })),
    h('h1', { id: 'task-title', text: task.name }),
    h('div', { class: 'columns' },
      h('div', {},
        h('section', { class: 'panel' },
          facts([
            ['Hồ sơ', h('a', { href: `#/ho-so/${encodeURIComponent(task.dossier_code)}`, text: task.dossier_code })],
            ['Thủ tục', task.procedure_name],
            ['Vai trò', lane(task.lane)],
            ['Cơ quan', task.office],
            ['Hạn xử lý', due(task)],
            ['Trạng thái', TASK_STATE[task.state] || task.state],
            ['Người nhận', task.assignee || 'Chưa có'],
          ]),
          buttons, actMessages),
        formPanel),
      h('div', { id: 'task-dossier' }, h('p', { class: 'hint', text: 'Đang tải hồ sơ…' }))));
  const context = await dossierContext(task.dossier_code);
  const slot = view.querySelector('#task-dossier');
  // The scans beside the form, read inline (PDF in a frame, images as images); the leader's step
  // also takes the electronic result.
  if (slot) {
    const leaderStep = ready && (task.role || task.lane) === 'leader' && ctx.has('leader');
    slot.replaceChildren(...[context, filesPanel(task.dossier_code, { open: 3, title: 'Hồ sơ đính kèm' }),
      leaderStep ? resultPanel(task.dossier_code) : null].filter(Boolean));
  }
}
