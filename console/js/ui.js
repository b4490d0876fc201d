// Shared pieces of every page: headings, loading and error states, busy buttons, tables.

import { append, clear, h } from './dom.js';

// An error as people should read it: what happened, the AWS code, the request id.
export function errorBox(err, extra) {
  const status = err.status ? ` (HTTP ${err.status})` : '';
  const plain = err.code === 'NetworkError' ? 'Network error'
    : err.status === 403 ? 'Access denied' : 'Error';
  return h('div', { class: 'error', role: 'alert' },
    h('strong', {}, `${plain}: `), `${err.code || 'Error'}${status}: ${err.message}`,
    err.requestId ? h('span', { class: 'request-id' }, ` Request id: ${err.requestId}`) : null,
    extra || err.extra || null);
}

export function loading(what) {
  return h('p', { class: 'loading', role: 'status', 'aria-live': 'polite' }, `Loading ${what}…`);
}

// Replaces `container`'s content with the result of `render(data)` once `load()` resolves;
// shows a loading line meanwhile and the error (with its request id) on failure.
export async function section(container, what, load, render) {
  clear(container).append(loading(what));
  try {
    const data = await load();
    clear(container);
    append(container, [render(data)]);
  } catch (err) {
    clear(container).append(errorBox(err));
  }
}

// Runs `action` with the button disabled; the outcome goes to `status` (a live region).
export async function busy(button, status, action, done) {
  button.disabled = true;
  clear(status);
  try {
    await action();
    if (done) status.append(h('span', { class: 'ok' }, done));
    return true;
  } catch (err) {
    status.append(errorBox(err));
    return false;
  } finally {
    button.disabled = false;
  }
}

export function table(caption, headers, rows) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: headers.length,
      class: 'empty' }, 'None.')))));
}

export function statusRegion() {
  return h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
}

// A JSON text area: checked before anything is saved.
export function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (err) {
    const e = new Error(`${what} is not valid JSON: ${err.message}`);
    e.code = 'InvalidJSON';
    throw e;
  }
}

export const link = (href, text, attrs = {}) => h('a', { href, ...attrs }, text);

// NextToken paging, one page in the page at a time: `load()` reads `pager.token`, then puts
// `pager.controls(NextToken)` under what it shows.
export function tokenPager(ariaLabel, load) {
  const tokens = [undefined];
  let index = 0;
  return {
    get token() { return tokens[index]; },
    get number() { return index + 1; },
    reset() { tokens.length = 1; index = 0; },
    controls(next) {
      tokens[index + 1] = next;
      return h('nav', { class: 'pager', 'aria-label': ariaLabel },
        h('button', { type: 'button', class: 'secondary', disabled: index === 0,
          onclick: () => { index -= 1; load(); } }, 'Previous page'),
        h('span', {}, ` Page ${index + 1} `),
        h('button', { type: 'button', class: 'secondary', disabled: !next,
          onclick: () => { index += 1; load(); } }, 'Next page'));
    },
  };
}

// A button that asks again in place before `action` runs ("Confirm …" / "Cancel").
export function confirmButton(text, question, confirmText, action, attrs = {}) {
  const holder = h('span', { class: 'confirm-holder' });
  const button = h('button', { type: 'button', class: 'danger', ...attrs }, text);
  button.addEventListener('click', () => {
    const yes = h('button', { type: 'button', class: 'danger' }, confirmText);
    const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    no.addEventListener('click', () => {
      clear(holder).append(button);
      button.focus();
    });
    yes.addEventListener('click', () => action(yes));
    clear(holder).append(h('span', { class: 'confirm', role: 'group', 'aria-label': question },
      h('span', {}, `${question} `), yes, no));
    yes.focus();
  });
  holder.append(button);
  return holder;
}
