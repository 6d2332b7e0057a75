// A small JSON Schema (draft 2020-12) → HTML form renderer for the procedures' e-forms.
//
// It covers what the forms use: objects, strings (text, long text, date, date-time, time, e-mail),
// enums (select), booleans (checkbox), integers and numbers, arrays of enums (checkboxes) or of
// strings (one per line), local $ref. Anything else falls back to a JSON text box. The server
// validates the data against the same schema; its 422 messages come back keyed by the field path
// that each field carries in data-field, so they land next to the right field.
import { h, uid } from './dom.js';
import { localInputToInstant } from './format.js';

const LONG_TEXT = 255; // maxLength above this (or none with format "textarea") → a text area

function resolve(node, root, depth = 0) {
  if (!node || typeof node !== 'object' || depth > 20) return node || {};
  const ref = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#')) return node;
  let target = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    target = target && typeof target === 'object' ? target[key] : undefined;
  }
  const { $ref, ...rest } = node;
  return { ...resolve(target || {}, root, depth + 1), ...rest };
}

function typeOf(node) {
  let { type } = node;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') || type[0];
  if (!type && Array.isArray(node.enum)) type = typeof node.enum[0] === 'number' ? 'number' : 'string';
  if (!type && node.const !== undefined) type = typeof node.const;
  if (!type && node.properties) type = 'object';
  return type;
}

/** [value, label] pairs of an enum, with titles from oneOf/anyOf consts or enumNames. */
function choices(node) {
  const alternatives = node.oneOf || node.anyOf;
  if (!Array.isArray(node.enum) && Array.isArray(alternatives)
      && alternatives.every((a) => a && a.const !== undefined)) {
    return alternatives.map((a) => [a.const, a.title || String(a.const)]);
  }
  if (!Array.isArray(node.enum)) return null;
  const names = node['x-enumNames'] || node.enumNames || node['x-enum-titles'];
  return node.enum.map((v, i) => [v, Array.isArray(names) && names[i] ? names[i] : String(v)]);
}

function example(node) {
  const values = Array.isArray(node.examples) ? node.examples : [];
  const first = values.find((v) => typeof v === 'string' && v.trim() !== '' || typeof v === 'number');
  return first === undefined ? undefined : `Ví dụ: ${first}`;
}

function label(text, forId, required) {
  return h('label', { for: forId }, text, required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null);
}

/** The frame every field shares: data-field, description, error slot, ARIA wiring. */
function frame(path, node, name, required, control, { labelFirst = true, id } = {}) {
  const title = node.title || name;
  const descId = node.description ? `${id}-desc` : null;
  const errId = `${id}-err`;
  const describedBy = [descId, errId].filter(Boolean).join(' ');
  const controls = control.matches('input, select, textarea') ? [control]
    : [...control.querySelectorAll('input, select, textarea')];
  for (const c of controls) {
    c.setAttribute('aria-describedby', describedBy);
    if (required) c.setAttribute('aria-required', 'true');
  }
  const wrap = h('div', { class: 'field', dataset: { field: path } });
  if (labelFirst) wrap.append(label(title, id, required), control);
  else wrap.append(control);
  if (node.description) wrap.append(h('p', { class: 'desc', id: descId, text: node.description }));
  wrap.append(h('p', { class: 'field-error', id: errId, hidden: true }));
  return wrap;
}

function checkboxField(path, node, name, required, value) {
  const id = uid('fld');
  const input = h('input', { type: 'checkbox', id, name: path, checked: value === true });
  const title = node.title || name;
  const control = h('label', { class: 'choice', for: id }, input, h('span', {}, title,
    required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null));
  const element = frame(path, node, name, required, control, { labelFirst: false, id });
  return { element, read: () => input.checked };
}

function selectField(path, node, name, required, value, options) {
  const id = uid('fld');
  const select = h('select', { id, name: path },
    h('option', { value: '', text: '— Chọn —' }),
    options.map(([v, text], i) => h('option', { value: String(i), text, selected: value !== undefined && v === value })));
  return {
    element: frame(path, node, name, required, select, { id }),
    read: () => (select.value === '' ? undefined : options[Number(select.value)][0]),
  };
}

function numberField(path, node, name, required, value, integer) {
  const id = uid('fld');
  const input = h('input', {
    type: 'number', id, name: path, inputmode: integer ? 'numeric' : 'decimal',
    step: integer ? '1' : 'any', min: node.minimum, max: node.maximum,
    value: value === undefined || value === null ? '' : String(value), placeholder: example(node),
  });
  return {
    element: frame(path, node, name, required, input, { id }),
    read: () => {
      const raw = input.value.trim();
      if (raw === '') return undefined;
      const n = Number(raw);
      return Number.isFinite(n) ? n : raw;
    },
  };
}

function textField(path, node, name, required, value) {
  const id = uid('fld');
  const format = node.format;
  const initial = value === undefined || value === null ? '' : String(value);
  let control;
  let read;
  if (format === 'date') {
    control = h('input', { type: 'date', id, name: path, value: initial });
    read = () => control.value || undefined;
  } else if (format === 'date-time') {
    control = h('input', { type: 'datetime-local', id, name: path, value: initial.slice(0, 16) });
    read = () => localInputToInstant(control.value);
  } else if (format === 'time') {
    control = h('input', { type: 'time', id, name: path, value: initial.slice(0, 5) });
    read = () => (control.value ? (control.value.length === 5 ? `${control.value}:00` : control.value) : undefined);
  } else {
    const long = format === 'textarea' || node['x-widget'] === 'textarea' || (node.maxLength || 0) > LONG_TEXT;
    const common = { id, name: path, maxlength: node.maxLength, placeholder: example(node) };
    control = long
      ? h('textarea', { ...common, rows: 3, value: initial })
      : h('input', { ...common, type: format === 'email' ? 'email' : 'text', value: initial, autocomplete: 'off' });
    read = () => {
      const text = control.value.trim();
      return text === '' ? undefined : text;
    };
  }
  return { element: frame(path, node, name, required, control, { id }), read };
}

function multiChoiceField(path, node, name, required, value, options) {
  const id = uid('fld');
  const selected = new Set(Array.isArray(value) ? value : []);
  const boxes = options.map(([v, text]) => {
    const box = h('input', { type: 'checkbox', checked: selected.has(v) });
    return [v, box, h('label', { class: 'choice' }, box, text)];
  });
  const title = node.title || name;
  const group = h('fieldset', { class: 'field', dataset: { field: path } },
    h('legend', {}, title, required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null),
    boxes.map(([, , labelEl]) => labelEl),
    node.description ? h('p', { class: 'desc', id: `${id}-desc`, text: node.description }) : null,
    h('p', { class: 'field-error', id: `${id}-err`, hidden: true }));
  return {
    element: group,
    read: () => {
      const out = boxes.filter(([, box]) => box.checked).map(([v]) => v);
      return out.length || required ? out : undefined;
    },
  };
}

function linesField(path, node, name, required, value) {
  const id = uid('fld');
  const area = h('textarea', { id, name: path, rows: 3, value: Array.isArray(value) ? value.join('\n') : '' });
  const described = { ...node, description: [node.description, 'Mỗi dòng một mục.'].filter(Boolean).join(' ') };
  return {
    element: frame(path, described, name, required, area, { id }),
    read: () => {
      const items = area.value.split('\n').map((s) => s.trim()).filter(Boolean);
      return items.length ? items : undefined;
    },
  };
}

function jsonField(path, node, name, required, value) {
  const id = uid('fld');
  const area = h('textarea', {
    id, name: path, rows: 4, spellcheck: 'false',
    value: value === undefined ? '' : JSON.stringify(value, null, 2),
  });
  const described = { ...node, description: [node.description, 'Nhập dữ liệu dạng JSON.'].filter(Boolean).join(' ') };
  return {
    element: frame(path, described, name, required, area, { id }),
    read: () => {
      const text = area.value.trim();
      if (text === '') return undefined;
      try {
        return JSON.parse(text);
      } catch {
        return text; // the server answers with a message for this field
      }
    },
  };
}

function objectFields(node, path, values, root, container, registry = null) {
  const required = new Set(Array.isArray(node.required) ? node.required : []);
  const readers = [];
  for (const [name, raw] of Object.entries(node.properties || {})) {
    if (raw === false) continue;
    const child = resolve(raw === true ? {} : raw, root);
    const childPath = path ? `${path}.${name}` : name;
    const value = values && values[name] !== undefined ? values[name] : child.default;
    const { element, read } = field(childPath, child, name, required.has(name), value, root);
    container.append(element);
    readers.push([name, read]);
    if (registry) registry[name] = element;
  }
  return () => {
    const out = {};
    for (const [name, read] of readers) {
      const value = read();
      if (value !== undefined) out[name] = value;
    }
    return out;
  };
}

function field(path, node, name, required, value, root) {
  if (node.readOnly && node.const === undefined) {
    return { element: document.createDocumentFragment(), read: () => undefined };
  }
  const type = typeOf(node);
  const options = choices(node);
  if (type === 'boolean') return checkboxField(path, node, name, required, value);
  if (options) return selectField(path, node, name, required, value, options);
  if (type === 'integer' || type === 'number') return numberField(path, node, name, required, value, type === 'integer');
  if (type === 'string') return textField(path, node, name, required, value);
  if (type === 'array') {
    const items = resolve(node.items || {}, root);
    const itemChoices = choices(items);
    if (itemChoices) return multiChoiceField(path, node, name, required, value, itemChoices);
    if (typeOf(items) === 'string' && !items.format) return linesField(path, node, name, required, value);
    return jsonField(path, node, name, required, value);
  }
  if (type === 'object' && node.properties) {
    const group = h('fieldset', { class: 'group field', dataset: { field: path } },
      h('legend', {}, node.title || name, required ? h('span', { class: 'req', 'aria-hidden': 'true', text: '*' }) : null));
    if (node.description) group.append(h('p', { class: 'desc', text: node.description }));
    const read = objectFields(node, path, value || {}, root, group);
    group.append(h('p', { class: 'field-error', hidden: true }));
    return {
      element: group,
      read: () => {
        const out = read();
        return Object.keys(out).length || required ? out : undefined;
      },
    };
  }
  return jsonField(path, node, name, required, value);
}

/**
 * Fields that appear only when needed: the object's `if`/`then` rules (alone or in `allOf`) whose
 * `if` tests properties by `const` or `enum`, `dependentRequired` and `dependentSchemas`. A field
 * named only in a rule's consequence (its `required` or `properties`) and not required by the
 * object itself is shown, and marked required, only while a rule naming it holds (the tested
 * fields having the values it names); a hidden field sends nothing. A rule this cannot read leaves its fields shown (the server still validates).
 */
function conditionalRules(node) {
  const rules = [];
  const known = (test) => test && typeof test === 'object' && Object.keys(test).every((k) => ['properties', 'required'].includes(k))
    && Object.values(test.properties || {}).every((p) => p && typeof p === 'object' && (p.const !== undefined || Array.isArray(p.enum)));
  for (const rule of [node, ...(Array.isArray(node.allOf) ? node.allOf : [])]) {
    if (!rule || !rule.if || !rule.then || !known(rule.if)) continue;
    const targets = [...(rule.then.required || []), ...Object.keys(rule.then.properties || {})];
    const test = rule.if;
    rules.push({
      targets,
      requires: new Set(rule.then.required || []),
      holds: (data) => (test.required || []).every((k) => data[k] !== undefined)
        && Object.entries(test.properties || {}).every(([k, p]) => data[k] !== undefined
          && (p.const !== undefined ? data[k] === p.const : p.enum.includes(data[k]))),
    });
  }
  const present = (data, k) => data[k] !== undefined && data[k] !== '' && data[k] !== false;
  for (const [k, names] of Object.entries(node.dependentRequired || {})) {
    if (Array.isArray(names)) rules.push({ targets: names, requires: new Set(names), holds: (data) => present(data, k) });
  }
  for (const [k, sub] of Object.entries(node.dependentSchemas || {})) {
    if (!sub || typeof sub !== 'object') continue;
    const targets = [...(sub.required || []), ...Object.keys(sub.properties || {})];
    rules.push({ targets, requires: new Set(sub.required || []), holds: (data) => present(data, k) });
  }
  return rules;
}

function applyConditions(node, elements, read, container) {
  const always = new Set(Array.isArray(node.required) ? node.required : []);
  const rules = conditionalRules(node);
  const targets = new Set(rules.flatMap((r) => r.targets).filter((t) => !always.has(t) && elements[t]));
  if (!targets.size) return read;
  let hidden = new Set();
  const update = () => {
    const data = read();
    hidden = new Set();
    for (const t of targets) {
      const active = rules.filter((r) => r.targets.includes(t) && r.holds(data));
      const element = elements[t];
      element.hidden = !active.length;
      if (!active.length) hidden.add(t);
      const needed = active.some((r) => r.requires.has(t));
      element.dataset.conditional = 'true';
      const labelEl = element.querySelector(':scope > label, :scope > legend');
      let star = labelEl ? labelEl.querySelector('.req.when') : null;
      if (needed && labelEl && !star) {
        star = h('span', { class: 'req when', 'aria-hidden': 'true', text: '*' });
        labelEl.append(star);
      } else if (!needed && star) star.remove();
      for (const control of element.querySelectorAll('input, select, textarea')) {
        if (needed) control.setAttribute('aria-required', 'true');
        else control.removeAttribute('aria-required');
      }
    }
  };
  container.addEventListener('input', update);
  container.addEventListener('change', update);
  update();
  return () => {
    const out = read();
    for (const t of hidden) delete out[t];
    return out;
  };
}

/**
 * Render `schema` as form fields.
 * options.prefix: the path the server's errors use for this data ("data" for an application form);
 * options.values: initial values; options.heading: show the schema's title and description.
 * Returns {element, read()} where read() gives the data object to send.
 */
export function renderSchemaForm(schema, { prefix = '', values = {}, heading = true } = {}) {
  const root = schema && typeof schema === 'object' ? schema : {};
  const node = resolve(root, root);
  const element = h('div', { class: 'schema-form', dataset: { field: prefix || '_' } });
  if (heading && node.title) element.append(h('h3', { class: 'form-title', text: node.title }));
  if (heading && node.description) element.append(h('p', { class: 'form-desc', text: node.description }));
  if (typeOf(node) !== 'object' || !node.properties) {
    const { element: only, read } = jsonField(prefix || '_', node, 'Dữ liệu', false, values);
    element.append(only);
    return { element, read: () => read() || {} };
  }
  const elements = {};
  const read = applyConditions(node, elements, objectFields(node, prefix, values, root, element, elements), element);
  if (Array.isArray(node.required) && node.required.length) {
    element.append(h('p', { class: 'hint' }, 'Trường có dấu ', h('span', { class: 'req', text: '*' }), ' là bắt buộc.'));
  }
  element.append(h('p', { class: 'field-error', hidden: true }));
  return { element, read };
}

/** Read-only [title, value] pairs of `data`, titled by `schema` where it knows the key. */
export function describeData(data, schema) {
  const props = (schema && schema.properties) || {};
  return Object.entries(data || {}).map(([key, value]) => {
    const node = resolve(props[key] || {}, schema || {});
    let text = value;
    const options = choices(node);
    if (options) {
      const hit = options.find(([v]) => v === value);
      if (hit) text = hit[1];
    }
    if (typeof value === 'boolean') text = value ? 'Có' : 'Không';
    else if (value !== null && typeof value === 'object') text = JSON.stringify(value);
    return [node.title || key, String(text)];
  });
}
