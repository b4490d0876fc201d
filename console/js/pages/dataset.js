// #/pools/{poolId}/identities/{identityId}/datasets/{datasetName}: the records (tombstones shown
// as removed), "Add record", per-record "Edit" and "Remove", a value editor that checks JSON
// before saving, and "Delete dataset". Every change is one UpdateRecords carrying the SyncCounts
// this page read (D30): if a device wrote meanwhile the server answers with a conflict, which
// is shown with a reload, and nothing is overwritten.

import { label } from '../api.js';
import { clear, field, formatDate, h } from '../dom.js';
import { busy, confirmButton, errorBox, link, loading, parseJson, statusRegion, table }
  from '../ui.js';
import { identityHref, poolHref } from './pool.js';

// Values longer than this are shown shortened in the table (the editor holds all of it).
const SHOWN_CHARS = 200;
const PAGE = 1024;

const looksLikeJson = (text) => /^\s*[[{]/.test(text || '');

export async function renderDataset(page, api, poolId, identityId, datasetName) {
  const path = `/identitypools/${label(poolId)}/identities/${label(identityId)}/datasets/` +
    label(datasetName);
  const status = statusRegion();
  const summary = h('p', { class: 'summary' });
  const editorHolder = h('div', {});
  const listing = h('section', { class: 'card', 'aria-labelledby': 'records-title' });
  let records = new Map();
  let sessionToken = null;

  page.append(h('p', { class: 'crumbs' }, link('#/pools', 'Pools'), ' / ',
    link(poolHref(poolId), poolId), ' / ', link(identityHref(poolId, identityId), identityId),
    ' / ', h('span', {}, datasetName)),
  h('h1', { tabindex: '-1' }, 'Dataset ', h('span', { class: 'dataset-name' }, datasetName)),
  summary, status);

  const add = h('button', { type: 'button' }, 'Add record');
  add.addEventListener('click', () => openEditor(null));
  const remove = confirmButton('Delete dataset',
    `Delete the dataset ${datasetName}? Devices see it as deleted on their next sync.`,
    'Confirm delete dataset', async (yes) => {
      const ok = await busy(yes, status, () => api.sync('DELETE', path));
      if (ok) location.hash = identityHref(poolId, identityId);
    });
  page.append(h('div', { class: 'toolbar' }, add, remove), editorHolder, listing);

  // Every page of records (a dataset holds at most a few thousand, within its size limit).
  async function load() {
    clear(listing).append(h('h2', { id: 'records-title' }, 'Records'), loading('records'));
    try {
      const next = new Map();
      let token;
      let last;
      do {
        last = await api.sync('GET', `${path}/records`, { query: [['maxResults', String(PAGE)],
          ['nextToken', token]] });
        for (const r of last.Records || []) next.set(r.Key, r);
        token = last.NextToken;
      } while (token);
      records = next;
      sessionToken = last.SyncSessionToken;
      clear(summary).append(last.DatasetExists === false
        ? 'This dataset does not exist (it was never written or has been deleted).'
        : `Dataset SyncCount ${last.DatasetSyncCount ?? 0}, ${records.size} record(s)` +
          `${last.LastModifiedBy ? `, last modified by ${last.LastModifiedBy}` : ''}.`);
      renderTable();
    } catch (err) {
      clear(listing).append(h('h2', { id: 'records-title' }, 'Records'), errorBox(err));
    }
  }

  function renderTable() {
    const rows = [...records.values()].sort((a, b) => (a.Key < b.Key ? -1 : 1)).map((r) => {
      const removed = r.Value === undefined || r.Value === null;
      const text = removed ? '' : r.Value;
      const shown = text.length > SHOWN_CHARS
        ? [text.slice(0, SHOWN_CHARS), h('span', { class: 'hint' },
          `… (${text.length.toLocaleString('en')} characters)`)] : text;
      const edit = h('button', { type: 'button', class: 'secondary',
        'aria-label': `Edit ${r.Key}` }, 'Edit');
      edit.addEventListener('click', () => openEditor(r));
      const drop = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${r.Key}` },
        'Remove');
      drop.addEventListener('click', async () => {
        if (await write(drop, status, { Op: 'remove', Key: r.Key, SyncCount: r.SyncCount })) {
          await load();
          clear(status).append(h('span', { class: 'ok' }, `Removed ${r.Key}.`));
        }
      });
      return h('tr', { class: removed ? 'removed' : null, 'data-key': r.Key },
        h('th', { scope: 'row', class: 'key' }, r.Key),
        h('td', { class: 'value' }, removed ? h('em', {}, '(removed)') : shown),
        h('td', {}, String(r.SyncCount)),
        h('td', {}, formatDate(r.LastModifiedDate)),
        h('td', { class: 'mono' }, r.LastModifiedBy || '—'),
        h('td', { class: 'actions' }, edit, removed ? null : drop));
    });
    clear(listing).append(h('h2', { id: 'records-title' }, 'Records'), table(
      `Records of ${datasetName}`, ['Key', 'Value', 'SyncCount', 'Last modified', 'Modified by',
        'Actions'], rows));
  }

  // One UpdateRecords with the SyncCount this page read; a conflict is explained, not retried.
  async function write(button, where, patch, done) {
    let conflict = false;
    const ok = await busy(button, where, async () => {
      try {
        await api.sync('POST', path, { body: { SyncSessionToken: sessionToken,
          RecordPatches: [{ ...patch, DeviceLastModifiedDate: Date.now() / 1000 }] } });
      } catch (err) {
        if (err.code !== 'ResourceConflictException') throw err;
        conflict = true;
        const reload = h('button', { type: 'button' }, 'Reload');
        reload.addEventListener('click', async () => {
          await load();
          reload.replaceWith(h('span', { class: 'ok' }, ` Reloaded: ${patch.Key} now has ` +
            `SyncCount ${records.get(patch.Key)?.SyncCount ?? 0} on the server.`));
        });
        throw Object.assign(new Error(`Conflict: "${patch.Key}" was changed on another device ` +
          `after this page read it (SyncCount ${patch.SyncCount}). Nothing was saved and ` +
          'nothing was overwritten. Reload to see the current value, then edit again.'), {
          code: 'ResourceConflictException', status: err.status, requestId: err.requestId,
          extra: reload });
      }
    }, done);
    if (conflict) where.querySelector('.error')?.classList.add('conflict');
    return ok;
  }

  function openEditor(record) {
    const adding = record === null;
    const key = field('Key', h('input', { type: 'text', class: 'mono', required: true,
      maxlength: 128, readonly: !adding, value: adding ? '' : record.Key }));
    const initial = adding || record.Value == null ? '' : record.Value;
    const value = field('Value', h('textarea', { rows: 8, class: 'mono', spellcheck: 'false',
      value: initial }));
    const asJson = h('input', { type: 'checkbox', id: 'value-json', checked: looksLikeJson(initial) });
    const where = statusRegion();
    const save = h('button', { type: 'submit' }, 'Save');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const form = h('form', { class: 'card editor', 'aria-labelledby': 'editor-title' },
      h('h2', { id: 'editor-title' }, adding ? 'Add record' : `Edit ${record.Key}`),
      key.row, value.row,
      h('div', { class: 'field inline' }, asJson,
        h('label', { for: 'value-json' }, 'The value is JSON (checked before saving)')),
      save, cancel, where);
    cancel.addEventListener('click', () => {
      clear(editorHolder);
      add.focus();
    });
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clear(where);
      const k = key.input.value;
      if (!k) {
        where.append(errorBox({ code: 'InvalidParameter', message: 'A key is required.' }));
        return;
      }
      if (asJson.checked) {
        try {
          parseJson(value.input.value, 'The value');
        } catch (err) {
          where.append(errorBox(err));
          value.input.focus();
          return;
        }
      }
      // The SyncCount read for this key: 0 for a key this page has not seen.
      const base = records.get(k)?.SyncCount ?? 0;
      const ok = await write(save, where, { Op: 'replace', Key: k, Value: value.input.value,
        SyncCount: base });
      if (ok) {
        clear(editorHolder);
        clear(status).append(h('span', { class: 'ok' }, `Saved ${k}.`));
        await load();
      }
    });
    clear(editorHolder).append(form);
    (adding ? key.input : value.input).focus();
  }

  await load();
  return null;
}
