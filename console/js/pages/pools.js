// #/pools: every identity pool with its usage (DescribeIdentityPoolUsage) and its counts of
// identities and datasets (the admin API's /admin/pools), paged 60 at a time; create and delete
// a pool.

import { label } from '../api.js';
import { clear, field, formatBytes, formatDate, h } from '../dom.js';
import { busy, confirmButton, errorBox, loading, statusRegion, table, tokenPager } from '../ui.js';

const PAGE = 60;

export async function renderPools(page, api) {
  const status = statusRegion();
  const listing = h('div', {});
  const pager = tokenPager('Pool pages', () => load());

  const name = field('Pool name', h('input', { type: 'text', required: true, maxlength: 128 }));
  const unauth = h('input', { type: 'checkbox', id: 'allow-unauth', checked: true });
  const create = h('button', { type: 'submit' }, 'Create pool');
  const form = h('form', { class: 'card', 'aria-label': 'Create an identity pool' },
    h('h2', {}, 'Create an identity pool'), name.row,
    h('div', { class: 'field inline' }, unauth,
      h('label', { for: 'allow-unauth' }, 'Allow unauthenticated identities')),
    create);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    let created;
    const ok = await busy(create, status, async () => {
      created = await api.identity('CreateIdentityPool', { IdentityPoolName: name.input.value,
        AllowUnauthenticatedIdentities: unauth.checked });
    });
    if (!ok) return;
    clear(status).append(h('span', { class: 'ok' }, 'Created pool ',
      h('a', { href: `#/pools/${encodeURIComponent(created.IdentityPoolId)}` },
        created.IdentityPoolName), ` (${created.IdentityPoolId}).`));
    name.input.value = '';
    await load();
  });

  async function load() {
    clear(listing).append(loading('pools'));
    try {
      const input = { MaxResults: PAGE };
      if (pager.token) input.NextToken = pager.token;
      const listed = await api.identity('ListIdentityPools', input);
      const pools = listed.IdentityPools || [];
      const [usage, counts] = await Promise.all([
        Promise.all(pools.map((p) =>
          api.sync('GET', `/identitypools/${label(p.IdentityPoolId)}`)
            .then((u) => u.IdentityPoolUsage, (err) => ({ error: err })))),
        Promise.all(pools.map((p) =>
          api.admin('pools', [['IdentityPoolId', p.IdentityPoolId]])
            .catch((err) => ({ error: err })))),
      ]);
      clear(listing).append(table(`Identity pools, page ${pager.number}`,
        ['Name', 'Identity pool ID', 'Identities', 'Datasets', 'Sync sessions', 'Storage',
          'Last modified', 'Actions'],
        pools.map((p, i) => row(p, usage[i], counts[i]))), pager.controls(listed.NextToken));
    } catch (err) {
      clear(listing).append(errorBox(err));
    }
  }

  // A count as text, labelled with what it counts and for which pool.
  function countCell(counts, key, what, pool) {
    if (counts.error) {
      return h('td', { title: counts.error.message }, 'error');
    }
    const n = String(counts[key] ?? 0);
    return h('td', { class: 'count', 'data-count': key.toLowerCase(),
      'aria-label': `${what} in pool ${pool.IdentityPoolName}: ${n}` }, n);
  }

  function row(pool, usage, counts) {
    const href = `#/pools/${encodeURIComponent(pool.IdentityPoolId)}`;
    const actions = h('td', {}, confirmButton('Delete',
      `Delete pool ${pool.IdentityPoolName} with all its identities and data?`, 'Confirm delete',
      async (yes) => {
        const ok = await busy(yes, status, () =>
          api.identity('DeleteIdentityPool', { IdentityPoolId: pool.IdentityPoolId }),
        `Deleted pool ${pool.IdentityPoolName}.`);
        if (ok) await load();
      }, { 'aria-label': `Delete pool ${pool.IdentityPoolName}` }));
    const failed = usage && usage.error;
    return h('tr', {},
      h('th', { scope: 'row' }, h('a', { href }, pool.IdentityPoolName)),
      h('td', { class: 'mono' }, pool.IdentityPoolId),
      countCell(counts, 'Identities', 'Identities', pool),
      countCell(counts, 'Datasets', 'Datasets', pool),
      h('td', {}, failed ? 'error' : String(usage?.SyncSessionsCount ?? 0)),
      h('td', {}, failed ? 'error' : formatBytes(usage?.DataStorage ?? 0)),
      h('td', {}, failed ? usage.error.message : formatDate(usage?.LastModifiedDate)),
      actions);
  }

  page.append(h('h1', { tabindex: '-1' }, 'Identity pools'), form, status,
    h('section', { class: 'card', 'aria-label': 'Identity pools' }, listing));
  await load();
  return null;
}
