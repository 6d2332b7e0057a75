// The dossier's process drawing (GET /dossiers/{code}/diagram.svg): the path taken, each completed
// step early / on time / late, the current steps. Drawn on request (one button), not with every
// dossier view. An <img src> cannot send the bearer token, so the SVG is fetched with it and shown
// from a data: URL, which the console's img-src already allows (no blob: needed); a picture shown
// through <img> runs nothing and loads nothing.
import { apiText } from '../api.js';
import { h } from '../dom.js';
import { problemAlert } from '../errors.js';

export function diagramPanel(code) {
  const body = h('div', { class: 'diagram', id: 'dossier-diagram' });
  const button = h('button', { type: 'button', class: 'small', text: 'Xem sơ đồ quy trình' });
  button.addEventListener('click', async () => {
    button.disabled = true;
    body.replaceChildren(h('p', { class: 'hint', text: 'Đang vẽ sơ đồ…' }));
    await showDiagram(code, body);
    button.disabled = false;
    button.textContent = 'Vẽ lại sơ đồ';
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'd-diagram' },
    h('h2', { id: 'd-diagram', text: 'Sơ đồ quy trình' }),
    h('p', { class: 'hint', text: 'Đường đã đi, các bước trước hạn, đúng hạn, trễ hạn và bước đang xử lý.' }),
    button, body);
}

async function showDiagram(code, body) {
  let svg;
  try {
    svg = await apiText(`/dossiers/${encodeURIComponent(code)}/diagram.svg`);
  } catch (error) {
    body.replaceChildren(problemAlert(error));
    return;
  }
  body.replaceChildren(h('img', {
    src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
    alt: `Sơ đồ quy trình của hồ sơ ${code}`,
  }));
}
