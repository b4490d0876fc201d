// Devices keep syncing across a restore and an import (D28) and a migration (D29):
// amazon-cognito-js devices that synced against the original server continue against the
// restored (cogsync backup/restore), imported (cogsync export --include-secrets / import) or
// migrated (cogsync migrate, the original playing AWS) one, on the same endpoint, from
// their cached lastSyncCount: no full re-pull (ListRecords asks from the cached count and
// gets nothing back it already has) and no conflict loop (a local change syncs in one round).

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ACCESS_KEY_ID, CogsyncServer, DEVELOPER_CREDENTIALS, REGION, SECRET_ACCESS_KEY,
  serverBinary } from './support/server.mjs';
import { call, newDevice as newManager } from './support/sync_manager_device.mjs';

const require = createRequire(import.meta.url);
const AWS = require('aws-sdk');
require('amazon-cognito-js');

const cleanups = [];
after(async () => {
  for (const fn of cleanups.reverse()) await fn();
});

function cogsync(...args) {
  const proc = spawnSync(serverBinary(), args, { encoding: 'utf8' });
  assert.equal(proc.status, 0, `cogsync ${args.join(' ')}: ${proc.stderr}`);
  return proc;
}

const newDevice = () => newManager(AWS);

async function open(device, name) {
  const dataset = await call(device.openOrCreateDataset.bind(device), name);
  return {
    dataset,
    put: (k, v) => call(dataset.put.bind(dataset), k, v),
    get: (k) => call(dataset.get.bind(dataset), k),
    lastSyncCount: () => call(device.local.getLastSyncCount.bind(device.local),
      device.getIdentityId(), name),
  };
}

function synchronize(dataset) {
  const seen = { conflicts: [] };
  return new Promise((resolve, reject) => {
    dataset.synchronize({
      onSuccess: () => resolve(seen),
      onFailure: (err) => reject(err),
      onConflict: (ds, conflicts, cb) => { seen.conflicts.push(...conflicts); cb(false); },
      onDatasetDeleted: (ds, name, cb) => cb(false),
      onDatasetsMerged: (ds, names, cb) => cb(false),
    });
  });
}

// Every Cognito Sync call any SDK client makes: operation, parameters, answer.
const calls = [];
AWS.events.on('success', (response) => {
  const req = response.request;
  if (req.service.serviceIdentifier !== 'cognitosync') return;
  calls.push({ op: req.operation, params: req.params, data: response.data });
});

// freshCredentials: the move carries no secrets (a migration from AWS), so the devices' cached
// AWS credentials are worthless there: they are expired, and the SDK fetches new ones for its
// cached identity id from the new endpoint, as the app update that switches endpoints does.
async function scenario(t, move, { freshCredentials = false } = {}) {
  const original = new CogsyncServer();
  await original.start();
  cleanups.push(() => original.stop());
  const dev = new AWS.CognitoIdentity({ region: REGION, endpoint: original.endpoint,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS), maxRetries: 0 });
  const { IdentityPoolId: poolId } = await dev.createIdentityPool({
    IdentityPoolName: 'continuity', AllowUnauthenticatedIdentities: true }).promise();
  await dev.setIdentityPoolRoles({ IdentityPoolId: poolId, Roles: {
    unauthenticated: 'arn:aws:iam::000000000000:role/JsUnauth' } }).promise();
  const { IdentityId: identityId } = await dev.getId({ IdentityPoolId: poolId }).promise();
  AWS.config.update({ region: REGION, maxRetries: 0,
    cognitoidentity: { endpoint: original.endpoint },
    cognitosync: { endpoint: original.endpoint } });
  AWS.config.credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId,
    IdentityId: identityId });
  await AWS.config.credentials.getPromise();

  // Two devices sync several revisions against the original.
  const deviceA = newDevice();
  const deviceB = newDevice();
  const a = await open(deviceA, 'settings');
  const b = await open(deviceB, 'settings');
  await a.put('theme', 'dark');
  await synchronize(a.dataset);
  await a.put('lang', 'fr');
  await synchronize(a.dataset);
  await synchronize(b.dataset);
  assert.equal(await b.get('lang'), 'fr');
  const cachedA = await a.lastSyncCount();
  const cachedB = await b.lastSyncCount();
  assert.equal(cachedA, 2);
  assert.equal(cachedB, 2);

  // The server moves (restore or import) and comes back on the same endpoint.
  const moved = await move(original);
  cleanups.push(() => moved.stop());
  assert.equal(moved.endpoint, original.endpoint);
  if (freshCredentials) {
    AWS.config.credentials.expired = true;
    await AWS.config.credentials.getPromise();
    assert.equal(AWS.config.credentials.identityId, identityId);
  }

  // Device A syncs with nothing to send: one ListRecords from its cached count, nothing new.
  calls.length = 0;
  let seen = await synchronize(a.dataset);
  assert.deepEqual(seen.conflicts, []);
  const lists = calls.filter((c) => c.op === 'listRecords');
  assert.equal(lists.length, 1, JSON.stringify(calls.map((c) => c.op)));
  assert.equal(lists[0].params.LastSyncCount, cachedA);
  assert.deepEqual(lists[0].data.Records, []);
  assert.equal(lists[0].data.DatasetSyncCount, cachedA);
  assert.equal(calls.filter((c) => c.op === 'updateRecords').length, 0);

  // Device B changes a key: one round, no conflict, counted on from the original's revisions.
  calls.length = 0;
  await b.put('theme', 'light');
  seen = await synchronize(b.dataset);
  assert.deepEqual(seen.conflicts, []);
  assert.equal(calls.filter((c) => c.op === 'updateRecords').length, 1);
  assert.equal(calls.find((c) => c.op === 'listRecords').params.LastSyncCount, cachedB);
  assert.equal(await b.lastSyncCount(), 3);
  // A picks it up incrementally: only the one new record.
  calls.length = 0;
  await synchronize(a.dataset);
  const pulled = calls.find((c) => c.op === 'listRecords');
  assert.equal(pulled.params.LastSyncCount, 2);
  assert.deepEqual(pulled.data.Records.map((r) => [r.Key, r.Value, r.SyncCount]),
    [['theme', 'light', 3]]);
  assert.equal(await a.get('theme'), 'light');
  t.diagnostic(`${poolId}: devices continued from lastSyncCount ${cachedA}`);
}

test('devices continue across cogsync backup and restore', async (t) => {
  await scenario(t, async (original) => {
    const work = mkdtempSync(join(tmpdir(), 'cogsync-continuity-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    cogsync('backup', '--data-dir', original.dataPath, '--output', join(work, 'backup.db'));
    await original.halt();
    const moved = new CogsyncServer({ rootDir: join(work, 'root'), port: original.port });
    cogsync('restore', '--data-dir', join(work, 'root', 'data'), '--input',
      join(work, 'backup.db'));
    return moved.start();
  });
});

test('devices continue across cogsync export and import', async (t) => {
  await scenario(t, async (original) => {
    const work = mkdtempSync(join(tmpdir(), 'cogsync-continuity-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    cogsync('export', '--data-dir', original.dataPath, '--include-secrets', '--quiet',
      '--output', join(work, 'archive.jsonl.gz'));
    await original.halt();
    cogsync('import', '--data-dir', join(work, 'root', 'data'), '--quiet', '--input',
      join(work, 'archive.jsonl.gz'));
    const moved = new CogsyncServer({ rootDir: join(work, 'root'), port: original.port });
    return moved.start();
  });
});

test('devices continue across cogsync migrate (D29)', async (t) => {
  await scenario(t, async (original) => {
    const work = mkdtempSync(join(tmpdir(), 'cogsync-continuity-'));
    cleanups.push(() => rmSync(work, { recursive: true, force: true }));
    const dev = new AWS.CognitoIdentity({ region: REGION, endpoint: original.endpoint,
      credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS), maxRetries: 0 });
    const { IdentityPools: pools } = await dev.listIdentityPools({ MaxResults: 60 }).promise();
    cogsync('migrate', '--data-dir', join(work, 'root', 'data'), '--source-endpoint',
      original.endpoint, '--access-key-id', ACCESS_KEY_ID, '--secret-access-key',
      SECRET_ACCESS_KEY, '--quiet', '--rate', '200',
      ...pools.flatMap((p) => ['--pool', p.IdentityPoolId]));
    await original.halt();
    const moved = new CogsyncServer({ rootDir: join(work, 'root'), port: original.port });
    return moved.start();
  }, { freshCredentials: true });
});
