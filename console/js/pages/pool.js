// #/pools/{poolId}: the pool's settings (providers, tags: DescribeIdentityPool /
// UpdateIdentityPool), roles and role mappings, principal tags, the Sync configuration (push,
// Cognito Streams with "Start bulk publish", the Sync Trigger) and its identities, paged, with a
// search by identity id or developer user identifier.

import { label } from '../api.js';
import { clear, field, formatDate, h } from '../dom.js';
import { busy, errorBox, link, loading, parseJson, section, statusRegion, table, tokenPager }
  from '../ui.js';

const PAGE = 60;
const IDENTITY_ID = /^[\w-]+:[0-9a-f-]+$/;

export const poolHref = (poolId) => `#/pools/${encodeURIComponent(poolId)}`;
export const identityHref = (poolId, identityId) =>
  `${poolHref(poolId)}/identities/${encodeURIComponent(identityId)}`;

// A JSON editor with its own Save button: `save(parsed)` runs only for valid JSON.
function jsonEditor(title, value, save, rows = 10) {
  const area = field(`${title} (JSON)`, h('textarea', { rows, spellcheck: 'false',
    class: 'mono', value: JSON.stringify(value, null, 2) }));
  const status = statusRegion();
  const button = h('button', { type: 'button' }, `Save ${title.toLowerCase()}`);
  button.addEventListener('click', () => busy(button, status, async () => {
    await save(parseJson(area.input.value, title));
  }, `Saved ${title.toLowerCase()}.`));
  return h('div', {}, area.row, button, status);
}

function settingsSection(api, poolId, pool) {
  const editable = { ...pool };
  return h('section', { class: 'card', 'aria-labelledby': 'settings-title' },
    h('h2', { id: 'settings-title' }, 'Settings'),
    h('p', { class: 'hint' }, 'Name, unauthenticated access, login providers (SupportedLogin' +
      'Providers, DeveloperProviderName, OpenIdConnectProviderARNs, CognitoIdentityProviders, ' +
      'SamlProviderARNs) and tags (IdentityPoolTags), saved with UpdateIdentityPool.'),
    jsonEditor('Pool settings', editable, (parsed) =>
      api.identity('UpdateIdentityPool', { ...parsed, IdentityPoolId: poolId }), 16));
}

async function rolesSection(api, poolId) {
  const roles = await api.identity('GetIdentityPoolRoles', { IdentityPoolId: poolId });
  const value = { Roles: roles.Roles || {}, RoleMappings: roles.RoleMappings || {} };
  return h('div', {}, jsonEditor('Roles', value, (parsed) =>
    api.identity('SetIdentityPoolRoles', { IdentityPoolId: poolId, Roles: parsed.Roles || {},
      ...(parsed.RoleMappings && Object.keys(parsed.RoleMappings).length
        ? { RoleMappings: parsed.RoleMappings } : {}) })));
}

function principalTagsSection(api, poolId, pool) {
  const providers = [...Object.keys(pool.SupportedLoginProviders || {}),
    ...(pool.OpenIdConnectProviderARNs || []), ...(pool.SamlProviderARNs || []),
    ...(pool.CognitoIdentityProviders || []).map((p) => p.ProviderName)];
  const body = h('div', {});
  if (!providers.length) {
    body.append(h('p', {}, 'The pool has no login providers, so no principal tags.'));
  }
  for (const provider of providers) {
    const holder = h('div', { class: 'sub' }, h('h3', {}, provider));
    body.append(holder);
    const content = h('div', {});
    holder.append(content);
    section(content, `principal tags of ${provider}`, () => api.identity(
      'GetPrincipalTagAttributeMap', { IdentityPoolId: poolId, IdentityProviderName: provider }),
    (map) => jsonEditor(`Principal tags`, { UseDefaults: map.UseDefaults ?? false,
      PrincipalTags: map.PrincipalTags || {} }, (parsed) => api.identity(
      'SetPrincipalTagAttributeMap', { IdentityPoolId: poolId, IdentityProviderName: provider,
        UseDefaults: Boolean(parsed.UseDefaults), PrincipalTags: parsed.PrincipalTags || {} }), 6));
  }
  return body;
}

function syncSection(api, poolId, config, events) {
  const push = config.PushSync || {};
  const streams = config.CognitoStreams || {};
  const arns = field('Push application ARNs (one per line)', h('textarea', { rows: 2,
    class: 'mono', value: (push.ApplicationArns || []).join('\n') }));
  const pushRole = field('Push role ARN', h('input', { type: 'text', class: 'mono',
    value: push.RoleArn || '' }));
  const stream = field('Stream name', h('input', { type: 'text', value: streams.StreamName || '' }));
  const streamRole = field('Streams role ARN', h('input', { type: 'text', class: 'mono',
    value: streams.RoleArn || '' }));
  const statusSelect = h('select', {}, ['ENABLED', 'DISABLED'].map((s) =>
    h('option', { value: s, selected: (streams.StreamingStatus || 'DISABLED') === s }, s)));
  const streaming = field('Streaming status', statusSelect);
  const saveStatus = statusRegion();
  const save = h('button', { type: 'button' }, 'Save sync configuration');
  save.addEventListener('click', () => busy(save, saveStatus, () => {
    const input = { CognitoStreams: { StreamName: stream.input.value,
      RoleArn: streamRole.input.value, StreamingStatus: statusSelect.value } };
    const apps = arns.input.value.split('\n').map((s) => s.trim()).filter(Boolean);
    input.PushSync = { ApplicationArns: apps, ...(pushRole.input.value
      ? { RoleArn: pushRole.input.value } : {}) };
    if (!input.CognitoStreams.StreamName) delete input.CognitoStreams;
    return api.sync('POST', `/identitypools/${label(poolId)}/configuration`, { body: input });
  }, 'Saved the sync configuration.'));

  const bulkStatus = statusRegion();
  const bulkDetails = h('p', { class: 'bulk-details' });
  const showDetails = async () => {
    const d = await api.sync('POST', `/identitypools/${label(poolId)}/getBulkPublishDetails`,
      { body: {} });
    clear(bulkDetails).append(`Bulk publish status: ${d.BulkPublishStatus || 'NOT_STARTED'}`,
      d.BulkPublishStartTime ? `, started ${formatDate(d.BulkPublishStartTime)}` : '',
      d.BulkPublishCompleteTime ? `, completed ${formatDate(d.BulkPublishCompleteTime)}` : '',
      d.FailureMessage ? `. Failure: ${d.FailureMessage}` : '');
  };
  const start = h('button', { type: 'button' }, 'Start bulk publish');
  start.addEventListener('click', () => busy(start, bulkStatus, async () => {
    await api.sync('POST', `/identitypools/${label(poolId)}/bulkpublish`, { body: {} });
    await showDetails();
  }, 'Bulk publish started.'));
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Refresh status');
  refresh.addEventListener('click', () => busy(refresh, bulkStatus, showDetails));
  showDetails().catch((err) => bulkDetails.append(errorBox(err)));

  const trigger = field('Sync Trigger (Lambda function ARN)', h('input', { type: 'text',
    class: 'mono', value: (events.Events || {}).SyncTrigger || '' }));
  const triggerStatus = statusRegion();
  const saveTrigger = h('button', { type: 'button' }, 'Save Sync Trigger');
  saveTrigger.addEventListener('click', () => busy(saveTrigger, triggerStatus, () =>
    // SetCognitoEvents merges: an empty ARN is what removes the trigger.
    api.sync('POST', `/identitypools/${label(poolId)}/events`, { body: {
      Events: { SyncTrigger: trigger.input.value.trim() } } }),
  'Saved the Sync Trigger.'));

  return h('div', {},
    h('h3', {}, 'Push sync'), arns.row, pushRole.row,
    h('h3', {}, 'Cognito Streams'), stream.row, streamRole.row, streaming.row, save, saveStatus,
    h('div', { class: 'sub' }, h('h3', {}, 'Bulk publish'), bulkDetails, start, refresh,
      bulkStatus),
    h('div', { class: 'sub' }, h('h3', {}, 'Sync Trigger'), trigger.row, saveTrigger,
      triggerStatus));
}

function identitiesSection(api, poolId) {
  const listing = h('div', {});
  const pager = tokenPager('Identity pages', () => load());
  const search = field('Identity ID', h('input', { type: 'search', class: 'mono' }),
    'An identity ID, or a developer user identifier to look up.');
  const searchStatus = statusRegion();
  const find = h('button', { type: 'submit' }, 'Find');
  const form = h('form', { role: 'search', 'aria-label': 'Find an identity' }, search.row, find,
    searchStatus);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const wanted = search.input.value.trim();
    if (!wanted) return;
    await busy(find, searchStatus, async () => {
      let found = null;
      if (IDENTITY_ID.test(wanted)) {
        try {
          found = (await api.identity('DescribeIdentity', { IdentityId: wanted })).IdentityId;
        } catch (err) {
          if (err.code !== 'ResourceNotFoundException') throw err;
        }
      }
      if (!found) {
        try {
          const r = await api.identity('LookupDeveloperIdentity', { IdentityPoolId: poolId,
            DeveloperUserIdentifier: wanted, MaxResults: 1 });
          found = r.IdentityId;
        } catch (err) {
          if (err.code !== 'ResourceNotFoundException') throw err;
        }
      }
      if (!found) {
        throw Object.assign(new Error(`No identity of this pool has the ID or developer user ` +
          `identifier "${wanted}".`), { code: 'NotFound' });
      }
      location.hash = identityHref(poolId, found);
    });
  });

  async function load() {
    clear(listing).append(loading('identities'));
    try {
      const input = { IdentityPoolId: poolId, MaxResults: PAGE };
      if (pager.token) input.NextToken = pager.token;
      const listed = await api.identity('ListIdentities', input);
      clear(listing).append(table(`Identities, page ${pager.number} (${PAGE} per page)`,
        ['Identity ID', 'Logins', 'Created', 'Last modified'],
        (listed.Identities || []).map((i) => h('tr', {},
          h('th', { scope: 'row', class: 'mono' }, link(identityHref(poolId, i.IdentityId),
            i.IdentityId)),
          h('td', {}, (i.Logins || []).join(', ') || '—'),
          h('td', {}, formatDate(i.CreationDate)),
          h('td', {}, formatDate(i.LastModifiedDate))))),
      pager.controls(listed.NextToken));
    } catch (err) {
      clear(listing).append(errorBox(err));
    }
  }
  load();
  return h('div', {}, form, listing);
}

export async function renderPool(page, api, poolId) {
  const header = h('div', {}, h('p', { class: 'crumbs' }, link('#/pools', 'Pools'), ' / ',
    h('span', { class: 'mono' }, poolId)));
  const title = h('h1', { tabindex: '-1' }, 'Identity pool');
  page.append(header, title);
  let pool;
  try {
    page.append(loading('the pool'));
    pool = await api.identity('DescribeIdentityPool', { IdentityPoolId: poolId });
    page.lastChild.remove();
  } catch (err) {
    page.lastChild.remove();
    page.append(errorBox(err));
    return null;
  }
  clear(title).append(`Identity pool ${pool.IdentityPoolName}`);
  const roles = h('div', {});
  const sync = h('div', {});
  page.append(
    settingsSection(api, poolId, pool),
    h('section', { class: 'card', 'aria-labelledby': 'roles-title' },
      h('h2', { id: 'roles-title' }, 'Roles and role mappings'), roles),
    h('section', { class: 'card', 'aria-labelledby': 'tags-title' },
      h('h2', { id: 'tags-title' }, 'Principal tags'), principalTagsSection(api, poolId, pool)),
    h('section', { class: 'card', 'aria-labelledby': 'sync-title' },
      h('h2', { id: 'sync-title' }, 'Sync configuration'), sync),
    h('section', { class: 'card', 'aria-labelledby': 'identities-title' },
      h('h2', { id: 'identities-title' }, 'Identities'), identitiesSection(api, poolId)));
  section(roles, 'roles', () => rolesSection(api, poolId), (node) => node);
  section(sync, 'the sync configuration', async () => {
    const base = `/identitypools/${label(poolId)}`;
    const [config, events] = await Promise.all([api.sync('GET', `${base}/configuration`),
      api.sync('GET', `${base}/events`)]);
    return [config, events];
  }, ([config, events]) => syncSection(api, poolId, config, events));
  return null;
}
