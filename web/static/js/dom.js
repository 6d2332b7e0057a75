// Building DOM safely: every piece of data goes in as text (textContent / attributes), never as HTML.
const PROPERTIES = new Set(['value', 'checked', 'selected', 'disabled', 'hidden', 'open']);

/** h('p', {class: 'x', text: data}, child, ...) → an element; children are Nodes or text. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(el, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Replace an element's content. */
export function fill(el, ...children) {
  clear(el);
  return append(el, ...children);
}

let counter = 0;
export function uid(prefix = 'f') {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A definition list from [label, value] pairs; empty values are left out. */
export function facts(pairs, attrs = {}) {
  const dl = h('dl', { class: 'facts', ...attrs });
  for (const [label, value] of pairs) {
    if (value === undefined || value === null || value === '') continue;
    dl.append(h('dt', { text: label }), h('dd', {}, value));
  }
  return dl;
}

/** A table; columns: [{label, cell: row => Node|text}]. Stacks into cards on a phone. */
export function table(columns, rows, attrs = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', text: c.label })));
  const body = h('tbody', {}, rows.map((row) => h('tr', {},
    columns.map((c) => h('td', { 'data-label': c.label, class: c.class }, c.cell(row))))));
  return h('div', { class: 'table-wrap' },
    h('table', { class: `list stack ${attrs.class || ''}`.trim() }, h('thead', {}, head), body));
}
