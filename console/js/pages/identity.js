// #/pools/{poolId}/identities/{identityId}: dates, linked logins, developer user identifiers
// (each can be unlinked), whether the identity is disabled (admin API), its datasets with record
// counts and sizes (ListDatasets, paged), and "Delete identity".

import { label } from '../api.js';
import { clear, formatBytes, formatDate, h } from '../dom.js';
import { busy, confirmButton, errorBox, link, loading, section, statusRegion, table, tokenPager }
  from '../ui.js';
import { identityHref, poolHref } from './pool.js';

const PAGE = 60;

export const datasetHref = (poolId, identityId, name) =>
  `${identityHref(poolId, identityId)}/datasets/${encodeURIComponent(name)}`;

export async function renderIdentity(page, api, poolId, identityId) {
  const status = statusRegion();
  page.append(h('p', { class: 'crumbs' }, link('#/pools', 'Pools'), ' / ',
    link(poolHref(poolId), poolId), ' / ', h('span', { class: 'mono' }, identityId)),
  h('h1', { tabindex: '-1' }, 'Identity ', h('span', { class: 'mono' }, identityId)), status);

  const details = h('section', { class: 'card', 'aria-labelledby': 'details-title' });
  const developer = h('section', { class: 'card', 'aria-labelledby': 'dev-title' });
  const datasets = h('section', { class: 'card', 'aria-labelledby': 'datasets-title' });
  page.append(details, developer, datasets, h('section', { class: 'card danger-zone',
    'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title' }, 'Delete identity'),
  h('p', {}, 'Deletes the identity (DeleteIdentities); its datasets go with it.'),
  confirmButton('Delete identity', 'Delete this identity and its data?', 'Confirm delete identity',
    async (yes) => {
      const ok = await busy(yes, status, () => api.identity('DeleteIdentities',
        { IdentityIdsToDelete: [identityId] }));
      if (ok) location.hash = poolHref(poolId);
    })));

  const detailsBody = h('div', {});
  details.append(h('h2', { id: 'details-title' }, 'Details'), detailsBody);
  section(detailsBody, 'the identity', async () => {
    const [identity, usage, admin] = await Promise.all([
      api.identity('DescribeIdentity', { IdentityId: identityId }),
      api.sync('GET', `/identitypools/${label(poolId)}/identities/${label(identityId)}`),
      api.admin('identity', [['IdentityId', identityId]])]);
    return { identity, usage: usage.IdentityUsage || {}, admin };
  }, ({ identity, usage, admin }) => h('dl', { class: 'facts' },
    h('dt', {}, 'Created'), h('dd', {}, formatDate(identity.CreationDate)),
    h('dt', {}, 'Last modified'), h('dd', {}, formatDate(identity.LastModifiedDate)),
    h('dt', {}, 'Disabled'), h('dd', {}, admin.Disabled
      ? ['Yes, merged into ', link(identityHref(poolId, admin.MergedInto), admin.MergedInto)]
      : 'No'),
    h('dt', {}, 'Linked logins'), h('dd', {}, (identity.Logins || []).length
      ? h('ul', {}, identity.Logins.map((l) => h('li', {}, l))) : 'None'),
    h('dt', {}, 'Datasets'), h('dd', {}, String(usage.DatasetCount ?? 0)),
    h('dt', {}, 'Storage'), h('dd', {}, formatBytes(usage.DataStorage ?? 0))));

  const devBody = h('div', {});
  developer.append(h('h2', { id: 'dev-title' }, 'Developer user identifiers'), devBody);
  const loadDeveloper = () => section(devBody, 'developer user identifiers', async () => {
    const pool = await api.identity('DescribeIdentityPool', { IdentityPoolId: poolId });
    try {
      const r = await api.identity('LookupDeveloperIdentity', { IdentityPoolId: poolId,
        IdentityId: identityId, MaxResults: 60 });
      return { provider: pool.DeveloperProviderName, ids: r.DeveloperUserIdentifierList || [] };
    } catch (err) {
      if (err.code === 'ResourceNotFoundException') return { provider: pool.DeveloperProviderName, ids: [] };
      throw err;
    }
  }, ({ provider, ids }) => table(`Developer user identifiers (provider ${provider || 'none'})`,
    ['Developer user identifier', 'Actions'], ids.map((id) => h('tr', {},
      h('td', { class: 'mono' }, id),
      h('td', {}, confirmButton('Unlink', `Unlink ${id} from this identity?`, 'Confirm unlink',
        async (yes) => {
          const ok = await busy(yes, status, () => api.identity('UnlinkDeveloperIdentity', {
            IdentityId: identityId, IdentityPoolId: poolId, DeveloperProviderName: provider,
            DeveloperUserIdentifier: id }), `Unlinked ${id}.`);
          if (ok) loadDeveloper();
        }, { 'aria-label': `Unlink ${id}` }))))));
  loadDeveloper();

  const list = h('div', {});
  datasets.append(h('h2', { id: 'datasets-title' }, 'Datasets'), list);
  const pager = tokenPager('Dataset pages', () => loadDatasets());
  async function loadDatasets() {
    clear(list).append(loading('datasets'));
    try {
      const query = [['maxResults', String(PAGE)], ['nextToken', pager.token]];
      const listed = await api.sync('GET',
        `/identitypools/${label(poolId)}/identities/${label(identityId)}/datasets`, { query });
      clear(list).append(table('Datasets', ['Dataset', 'Records', 'Size', 'Last modified',
        'Modified by'], (listed.Datasets || []).map((d) => h('tr', {},
        h('th', { scope: 'row' }, link(datasetHref(poolId, identityId, d.DatasetName),
          d.DatasetName)),
        h('td', {}, String(d.NumRecords ?? 0)),
        h('td', {}, formatBytes(d.DataStorage ?? 0)),
        h('td', {}, formatDate(d.LastModifiedDate)),
        h('td', { class: 'mono' }, d.LastModifiedBy || '—')))),
      pager.controls(listed.NextToken));
    } catch (err) {
      clear(list).append(errorBox(err));
    }
  }
  loadDatasets();
  return null;
}
