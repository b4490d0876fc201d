// The Cognito Sync Manager (amazon-cognito-js, on aws-sdk v2) under Node: two devices of one
// identity, each with its own in-memory window.localStorage, synchronizing through cogsync.
// Covers first sync, propagation, a conflict resolved in onConflict, a removal (tombstone, D16)
// and a dataset deletion seen by the other device through onDatasetDeleted (D17).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION } from './support/server.mjs';
import { call, newDevice as newManager, open, synchronize }
  from './support/sync_manager_device.mjs';

const require = createRequire(import.meta.url);
const AWS = require('aws-sdk');
// The manager extends the aws-sdk module it requires (the same object as AWS above).
require('amazon-cognito-js');

const server = new CogsyncServer();
let poolId;
let identityId;

before(async () => {
  await server.start();
  const dev = new AWS.CognitoIdentity({ region: REGION, endpoint: server.endpoint,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS), maxRetries: 0 });
  ({ IdentityPoolId: poolId } = await dev.createIdentityPool({
    IdentityPoolName: 'sync-manager', AllowUnauthenticatedIdentities: true }).promise());
  await dev.setIdentityPoolRoles({ IdentityPoolId: poolId, Roles: {
    authenticated: 'arn:aws:iam::000000000000:role/JsAuth',
    unauthenticated: 'arn:aws:iam::000000000000:role/JsUnauth' } }).promise();
  ({ IdentityId: identityId } = await dev.getId({ IdentityPoolId: poolId }).promise());
  // What an application does: region plus the two service endpoints, and Cognito credentials.
  // The manager builds its own AWS.CognitoSync client from this global configuration.
  AWS.config.update({ region: REGION, maxRetries: 0,
    cognitoidentity: { endpoint: server.endpoint }, cognitosync: { endpoint: server.endpoint } });
  AWS.config.credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId,
    IdentityId: identityId });
  await AWS.config.credentials.getPromise();
  assert.match(AWS.config.credentials.accessKeyId, /^ASIA/);  // D8
});

after(async () => {
  await server.stop();
});

// One device: a manager whose local cache is a storage of its own.
const newDevice = () => newManager(AWS);

function remoteClient() {
  return new AWS.CognitoSync({ region: REGION, endpoint: server.endpoint, maxRetries: 0,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS) });
}

async function remoteRecords(name) {
  const listed = await remoteClient().listRecords({ IdentityPoolId: poolId,
    IdentityId: identityId, DatasetName: name }).promise();
  return listed;
}

test('two devices of one identity stay in sync', async () => {
  const deviceA = newDevice();
  const deviceB = newDevice();
  assert.equal(deviceA.getIdentityId(), identityId);
  const a = await open(deviceA, 'settings');
  const b = await open(deviceB, 'settings');

  // A writes and synchronizes; B synchronizes and sees it.
  await a.put('theme', 'dark');
  await a.put('color', 'red');
  let seen = await synchronize(a.dataset);
  assert.deepEqual(seen.conflicts, []);
  let remote = await remoteRecords('settings');
  assert.equal(remote.DatasetSyncCount, 1);  // D14: one revision for both keys
  assert.deepEqual(remote.Records.map((r) => [r.Key, r.Value, r.SyncCount]).sort(),
    [['color', 'red', 1], ['theme', 'dark', 1]]);
  assert.equal(await b.get('theme'), undefined);
  await synchronize(b.dataset);
  assert.equal(await b.get('theme'), 'dark');
  assert.equal(await b.get('color'), 'red');

  // Both change one key: A first, then B meets the conflict and keeps its own value.
  await a.put('theme', 'light');
  await synchronize(a.dataset);
  await b.put('theme', 'blue');
  seen = await synchronize(b.dataset, {
    onConflict: (ds, conflicts, cb) => {
      ds.resolve(conflicts.map((c) => c.resolveWithLocalRecord()), () => cb(true));
    },
  });
  assert.equal(seen.conflicts.length, 1);
  assert.equal(seen.conflicts[0].getKey(), 'theme');
  assert.equal(seen.conflicts[0].getRemoteRecord().getValue(), 'light');
  assert.equal(seen.conflicts[0].getLocalRecord().getValue(), 'blue');
  remote = await remoteRecords('settings');
  assert.equal(remote.Records.find((r) => r.Key === 'theme').Value, 'blue');
  // The next synchronization of both succeeds without a conflict.
  seen = await synchronize(b.dataset);
  assert.deepEqual(seen.conflicts, []);
  seen = await synchronize(a.dataset);
  assert.deepEqual(seen.conflicts, []);
  assert.equal(await a.get('theme'), 'blue');

  // A removal by A reaches B (a tombstone, D16).
  await a.remove('color');
  await synchronize(a.dataset);
  remote = await remoteRecords('settings');
  const tombstone = remote.Records.find((r) => r.Key === 'color');
  assert.ok(tombstone, 'the removed key is listed as a tombstone');
  assert.equal(tombstone.Value, undefined);
  assert.equal(await b.get('color'), 'red');
  await synchronize(b.dataset);
  assert.ok(!(await b.get('color')), 'B no longer has the removed key');
  assert.equal(await b.get('theme'), 'blue');

  // A deletes the dataset (the manager marks it locally and calls DeleteDataset during its
  // next synchronization); B learns of it through onDatasetDeleted (D17).
  await call(deviceA.local.deleteDataset.bind(deviceA.local), identityId, 'settings');
  await synchronize(a.dataset);
  await assert.rejects(remoteClient().describeDataset({ IdentityPoolId: poolId,
    IdentityId: identityId, DatasetName: 'settings' }).promise(),
  (err) => err.code === 'ResourceNotFoundException' && err.statusCode === 404);
  const deleted = [];
  await assert.rejects(synchronize(b.dataset, { deleted }),
    /Cancelled due to .onDatasetDeleted result/);
  assert.deepEqual(deleted, ['settings']);
  // The application then drops its copy (what returning true would have done).
  await call(deviceB.local.purgeDataset.bind(deviceB.local), identityId, 'settings');
  const again = await open(deviceB, 'settings');
  assert.equal(await again.get('theme'), undefined);
});
