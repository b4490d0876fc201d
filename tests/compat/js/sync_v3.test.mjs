// Cognito Sync with the AWS SDK for JavaScript v3, signed with identity credentials obtained
// through @aws-sdk/client-cognito-identity (GetId, then GetCredentialsForIdentity): one full
// sync cycle and a conflict.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';

import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DeleteIdentityPoolCommand,
  GetCredentialsForIdentityCommand,
  GetIdCommand,
  SetIdentityPoolRolesCommand,
} from '@aws-sdk/client-cognito-identity';
import {
  CognitoSyncClient,
  DescribeDatasetCommand,
  ListRecordsCommand,
  ResourceConflictException,
  UpdateRecordsCommand,
} from '@aws-sdk/client-cognito-sync';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION } from './support/server.mjs';

const server = new CogsyncServer();

before(async () => {
  await server.start();
});

after(async () => {
  await server.stop();
});

function identityClient(credentials) {
  return new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint, maxAttempts: 1,
    credentials });
}

// A pool with roles and one unauthenticated identity; returns the identity's Sync client.
async function identitySyncClient() {
  const dev = identityClient(DEVELOPER_CREDENTIALS);
  const { IdentityPoolId: poolId } = await dev.send(new CreateIdentityPoolCommand({
    IdentityPoolName: `js-sync-${Math.random().toString(36).slice(2, 10)}`,
    AllowUnauthenticatedIdentities: true }));
  await dev.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: poolId, Roles: {
    authenticated: 'arn:aws:iam::000000000000:role/JsAuth',
    unauthenticated: 'arn:aws:iam::000000000000:role/JsUnauth' } }));
  const pub = identityClient(async () => { throw new Error('public calls are unsigned'); });
  const { IdentityId: identityId } = await pub.send(new GetIdCommand({ IdentityPoolId: poolId }));
  const { Credentials: c } = await pub.send(new GetCredentialsForIdentityCommand({
    IdentityId: identityId }));
  assert.match(c.AccessKeyId, /^ASIA/);  // D8
  const sync = new CognitoSyncClient({ region: REGION, endpoint: server.endpoint, maxAttempts: 1,
    credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretKey,
      sessionToken: c.SessionToken } });
  return { poolId, identityId, sync,
    cleanup: () => dev.send(new DeleteIdentityPoolCommand({ IdentityPoolId: poolId })) };
}

test('a full sync cycle, then a conflict', async () => {
  const { poolId, identityId, sync, cleanup } = await identitySyncClient();
  try {
    const ids = { IdentityPoolId: poolId, IdentityId: identityId, DatasetName: 'profile' };
    // First sync: nothing there yet, but a session token (D18).
    const first = await sync.send(new ListRecordsCommand({ ...ids, LastSyncCount: 0,
      MaxResults: 1024 }));
    assert.deepEqual(first.Records, []);
    assert.equal(first.DatasetExists, false);
    assert.equal(first.DatasetSyncCount, 0);
    assert.ok(first.SyncSessionToken);

    const deviceDate = new Date('2024-02-03T04:05:06.789Z');
    const written = await sync.send(new UpdateRecordsCommand({ ...ids,
      SyncSessionToken: first.SyncSessionToken, DeviceId: 'js-v3', RecordPatches: [
        { Op: 'replace', Key: 'name', Value: 'Ada', SyncCount: 0,
          DeviceLastModifiedDate: deviceDate },
        { Op: 'replace', Key: 'color', Value: 'blue', SyncCount: 0 }] }));
    assert.deepEqual(written.Records.map((r) => [r.Key, r.Value, r.SyncCount]).sort(),
      [['color', 'blue', 1], ['name', 'Ada', 1]]);  // D14
    const name = written.Records.find((r) => r.Key === 'name');
    assert.equal(name.DeviceLastModifiedDate.getTime(), deviceDate.getTime());  // D6
    assert.equal(name.LastModifiedBy, identityId);  // D21

    // A second revision touching one key.
    const second = await sync.send(new ListRecordsCommand({ ...ids, LastSyncCount: 1 }));
    assert.deepEqual(second.Records, []);
    await sync.send(new UpdateRecordsCommand({ ...ids, SyncSessionToken: second.SyncSessionToken,
      RecordPatches: [{ Op: 'replace', Key: 'color', Value: 'green', SyncCount: 1 }] }));

    // A device at revision 1 sees only the new revision.
    const since = await sync.send(new ListRecordsCommand({ ...ids, LastSyncCount: 1 }));
    assert.equal(since.DatasetSyncCount, 2);
    assert.equal(since.Count, 1);
    assert.deepEqual(since.Records.map((r) => [r.Key, r.Value, r.SyncCount]),
      [['color', 'green', 2]]);
    assert.equal(since.LastModifiedBy, identityId);

    // A device still at revision 1 writes the same key: 409 (D15).
    await assert.rejects(
      sync.send(new UpdateRecordsCommand({ ...ids, SyncSessionToken: since.SyncSessionToken,
        RecordPatches: [{ Op: 'replace', Key: 'color', Value: 'red', SyncCount: 1 }] })),
      (err) => {
        assert.ok(err instanceof ResourceConflictException, err);
        assert.equal(err.name, 'ResourceConflictException');
        assert.equal(err.$metadata.httpStatusCode, 409);
        assert.equal(err.message, 'Current SyncCount for: color is: 2 not: 1');
        return true;
      });
    const dataset = await sync.send(new DescribeDatasetCommand(ids));
    assert.equal(dataset.Dataset.NumRecords, 2);
    assert.equal(dataset.Dataset.DataStorage, 'nameAda'.length + 'colorgreen'.length);
  } finally {
    await cleanup();
  }
});
