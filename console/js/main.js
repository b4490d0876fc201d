// The console's shell: sign-in, the signed-in session (in memory; sessionStorage only when the
// user asks to be remembered in this tab), and the hash routes that give every page its URL.

import { Api } from './api.js';
import { clear, field, h } from './dom.js';
import { errorBox } from './ui.js';
import { renderPools } from './pages/pools.js';
import { renderPool } from './pages/pool.js';
import { renderIdentity } from './pages/identity.js';
import { renderDataset } from './pages/dataset.js';
import { renderStatus } from './pages/status.js';

const REMEMBER_KEY = 'cogsync-console-key';
const main = document.getElementById('main');
const nav = document.getElementById('nav');
let api = null;
let dispose = null;  // stops the current page's timers

function restore() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(REMEMBER_KEY) || 'null');
    if (saved && saved.accessKeyId && saved.secretAccessKey) api = new Api(saved);
  } catch {
    sessionStorage.removeItem(REMEMBER_KEY);
  }
}

function signOut() {
  api = null;
  sessionStorage.removeItem(REMEMBER_KEY);
  route();
}

function renderNav() {
  clear(nav);
  if (!api) return;
  nav.append(
    h('a', { href: '#/pools' }, 'Pools'),
    h('a', { href: '#/status' }, 'Status'),
    h('span', { class: 'who' }, `Signed in as ${api.credentials.accessKeyId}`),
    h('button', { type: 'button', class: 'secondary', onclick: signOut }, 'Sign out'));
}

function signInPage() {
  const id = field('Access key ID', h('input', { type: 'text', name: 'access-key-id',
    autocomplete: 'username', required: true, spellcheck: 'false' }));
  const secret = field('Secret access key', h('input', { type: 'password',
    name: 'secret-access-key', autocomplete: 'current-password', required: true }));
  const remember = h('input', { type: 'checkbox', id: 'remember' });
  const status = h('div', { role: 'status', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'card signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in to the cogsync console'),
    h('p', {}, 'Use a developer access key (cogsync keys create, or the key printed at the ' +
      'first start). Identity credentials are not accepted.'),
    id.row, secret.row,
    h('div', { class: 'field inline' }, remember,
      h('label', { for: 'remember' }, 'Remember in this tab')),
    button, status,
    h('p', { class: 'hint' }, 'The secret stays in this page\'s memory (or, when remembered, ' +
      'in this tab\'s session storage until the tab closes). Requests are signed in the ' +
      'browser with SigV4; the secret is never sent. Signing is done in JavaScript, so it also ' +
      'works over plain HTTP from another host, but then the traffic itself is not encrypted: ' +
      'use HTTPS (a TLS proxy) or a loopback address for anything but a trusted network.'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(status);
    const candidate = new Api({ accessKeyId: id.input.value.trim(),
      secretAccessKey: secret.input.value });
    button.disabled = true;
    status.append(h('span', {}, 'Checking the key…'));
    try {
      // The admin API takes only developer keys: a wrong or expired secret fails here.
      await candidate.admin('metrics');
      api = candidate;
      if (remember.checked) {
        sessionStorage.setItem(REMEMBER_KEY, JSON.stringify(candidate.credentials));
      }
      secret.input.value = '';
      if (!location.hash || location.hash === '#/signin') location.hash = '#/pools';
      else route();
    } catch (err) {
      clear(status).append(errorBox(err, err.status === 403 || err.code === 'UnrecognizedClientException'
        ? h('p', {}, 'Check the access key ID and the secret access key.') : null));
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

const ROUTES = [
  [/^#\/pools\/?$/, renderPools],
  [/^#\/pools\/([^/]+)\/?$/, renderPool],
  [/^#\/pools\/([^/]+)\/identities\/([^/]+)\/?$/, renderIdentity],
  [/^#\/pools\/([^/]+)\/identities\/([^/]+)\/datasets\/([^/]+)\/?$/, renderDataset],
  [/^#\/status\/?$/, renderStatus],
];

async function route() {
  if (dispose) dispose();
  dispose = null;
  renderNav();
  clear(main);
  if (!api) {
    main.append(signInPage());
    main.querySelector('input').focus();
    return;
  }
  const hash = location.hash || '#/pools';
  for (const [pattern, render] of ROUTES) {
    const match = hash.match(pattern);
    if (!match) continue;
    let params;
    try {
      params = match.slice(1).map(decodeURIComponent);
    } catch {
      break;
    }
    const page = h('div', { class: 'page' });
    main.append(page);
    dispose = await render(page, api, ...params) || null;
    const heading = page.querySelector('h1');
    if (heading) heading.focus();
    return;
  }
  main.append(h('div', { class: 'card' }, h('h1', { tabindex: '-1' }, 'Page not found'),
    h('p', {}, 'No console page has this address. '), h('a', { href: '#/pools' }, 'Go to the pools')));
}

restore();
window.addEventListener('hashchange', route);
route();
