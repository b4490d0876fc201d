// Building the page without HTML strings: every value is set as text (textContent, attributes
// through setAttribute), so nothing that came from users can become markup or script.

// h('button', { class: 'x', onclick: fn }, 'label', child, ...). Children: strings and numbers
// become text nodes, nodes are appended, null/false/undefined are skipped, arrays are flattened.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' || name === 'checked' || name === 'disabled') {
      el[name] = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A labelled form field; returns { row, input }.
export function field(labelText, input, hint) {
  const id = `f-${Math.random().toString(36).slice(2, 10)}`;
  input.id = id;
  const row = h('div', { class: 'field' }, h('label', { for: id }, labelText), input,
    hint ? h('p', { class: 'hint' }, hint) : null);
  return { row, input };
}

export function formatDate(seconds) {
  if (seconds === undefined || seconds === null) return '—';
  const d = new Date(Number(seconds) * 1000);
  return Number.isNaN(d.getTime()) ? String(seconds) : d.toISOString().replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

export function formatBytes(n) {
  if (n === undefined || n === null) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
