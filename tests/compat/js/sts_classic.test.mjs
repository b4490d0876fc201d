// The classic (basic) Cognito flow (D27) with the AWS SDKs for JavaScript under Node:
//   - v2: AWS.CognitoIdentityCredentials WITH RoleArn (GetId, GetOpenIdToken, then STS
//     AssumeRoleWithWebIdentity), whose credentials then sync a dataset through the Cognito
//     Sync Manager (amazon-cognito-js); the bad inputs as the provider reports them;
//   - v3: @aws-sdk/client-sts AssumeRoleWithWebIdentity and GetCallerIdentity, with the bad
//     inputs as typed exceptions.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { CognitoIdentityClient, GetIdCommand, GetOpenIdTokenCommand,
  GetOpenIdTokenForDeveloperIdentityCommand } from '@aws-sdk/client-cognito-identity';
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient }
  from '@aws-sdk/client-sts';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION } from './support/server.mjs';
import { newDevice, open, synchronize } from './support/sync_manager_device.mjs';

const require = createRequire(import.meta.url);
const AWS = require('aws-sdk');
require('amazon-cognito-js');

const ACCOUNT = '000000000000';
const UNAUTH_ROLE = `arn:aws:iam::${ACCOUNT}:role/JsClassicUnauth`;
const AUTH_ROLE = `arn:aws:iam::${ACCOUNT}:role/JsClassicAuth`;
const DEV_PROVIDER = 'login.jsclassic.dev';

const server = new CogsyncServer();
let dev;

before(async () => {
  await server.start();
  dev = new AWS.CognitoIdentity({ region: REGION, endpoint: server.endpoint,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS), maxRetries: 0 });
  // What a classic-flow application configures: the three endpoints it talks to.
  AWS.config.update({ region: REGION, maxRetries: 0,
    cognitoidentity: { endpoint: server.endpoint }, cognitosync: { endpoint: server.endpoint },
    sts: { endpoint: server.endpoint } });
});

after(async () => {
  await server.stop();
});

async function classicPool(extra = {}) {
  const { IdentityPoolId } = await dev.createIdentityPool({ IdentityPoolName: 'js-classic',
    AllowUnauthenticatedIdentities: true, DeveloperProviderName: DEV_PROVIDER, ...extra })
    .promise();
  await dev.setIdentityPoolRoles({ IdentityPoolId,
    Roles: { authenticated: AUTH_ROLE, unauthenticated: UNAUTH_ROLE } }).promise();
  return IdentityPoolId;
}

// The classic provider: an account's pool plus the role to assume (the RoleArn is what makes
// the v2 SDK take GetOpenIdToken + STS instead of GetCredentialsForIdentity).
function classicCredentials(poolId, roleArn) {
  return new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId, RoleArn: roleArn,
    RoleSessionName: 'web' });
}

test('v2 classic flow: credentials from STS sync a dataset through amazon-cognito-js', async () => {
  const poolId = await classicPool();
  const credentials = classicCredentials(poolId, UNAUTH_ROLE);
  AWS.config.credentials = credentials;
  await credentials.getPromise();
  assert.match(credentials.accessKeyId, /^ASIA[A-Z0-9]{16}$/);  // D8
  assert.ok(credentials.sessionToken);
  const identityId = credentials.identityId;
  assert.match(identityId, /^us-east-1:/);
  // The STS answer the provider used (AWS.WebIdentityCredentials keeps it).
  const assumed = credentials.webIdentityCredentials.data;
  assert.equal(assumed.SubjectFromWebIdentityToken, identityId);
  assert.equal(assumed.AssumedRoleUser.Arn,
    `arn:aws:sts::${ACCOUNT}:assumed-role/JsClassicUnauth/web`);

  const device = newDevice(AWS);
  assert.equal(device.getIdentityId(), identityId);
  const settings = await open(device, 'settings');
  await settings.put('theme', 'dark');
  const seen = await synchronize(settings.dataset);
  assert.deepEqual(seen.conflicts, []);
  const remote = await new AWS.CognitoSync({ region: REGION, endpoint: server.endpoint,
    maxRetries: 0, credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS) })
    .listRecords({ IdentityPoolId: poolId, IdentityId: identityId, DatasetName: 'settings' })
    .promise();
  assert.deepEqual(remote.Records.map((r) => [r.Key, r.Value, r.LastModifiedBy]),
    [['theme', 'dark', identityId]]);  // D21: the identity wrote it

  // The same credentials answer STS GetCallerIdentity as the assumed role's session.
  const caller = await new AWS.STS({ credentials }).getCallerIdentity().promise();
  assert.equal(caller.Arn, assumed.AssumedRoleUser.Arn);
  assert.equal(caller.UserId, assumed.AssumedRoleUser.AssumedRoleId);
});

test('v2 classic flow refuses a role the pool does not give the identity', async () => {
  const poolId = await classicPool();
  const credentials = classicCredentials(poolId, AUTH_ROLE);
  await assert.rejects(credentials.getPromise(), (err) => err.code === 'AccessDenied' &&
    err.statusCode === 403 &&
    err.message === 'Not authorized to perform sts:AssumeRoleWithWebIdentity');
});

test('v2 classic flow on a pool with AllowClassicFlow false', async () => {
  const poolId = await classicPool({ AllowClassicFlow: false });
  const credentials = classicCredentials(poolId, UNAUTH_ROLE);
  await assert.rejects(credentials.getPromise(), (err) =>
    err.code === 'InvalidParameterException' &&
    err.message === 'Basic (classic) flow is not enabled, please use enhanced flow.');
});

function stsV3(credentials) {
  return new STSClient({ region: REGION, endpoint: server.endpoint, maxAttempts: 1,
    ...(credentials ? { credentials } : {}) });
}

async function unauthToken(poolId) {
  const cognito = new CognitoIdentityClient({ region: REGION, endpoint: server.endpoint,
    maxAttempts: 1, credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } });
  const { IdentityId } = await cognito.send(new GetIdCommand({ IdentityPoolId: poolId }));
  const { Token } = await cognito.send(new GetOpenIdTokenCommand({ IdentityId }));
  return { identityId: IdentityId, token: Token };
}

test('v3 client-sts: AssumeRoleWithWebIdentity and GetCallerIdentity', async () => {
  const poolId = await classicPool();
  const { identityId, token } = await unauthToken(poolId);
  const sts = stsV3({ accessKeyId: 'unused', secretAccessKey: 'unused' });
  const answer = await sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: UNAUTH_ROLE,
    RoleSessionName: 'v3-session', WebIdentityToken: token, DurationSeconds: 900 }));
  assert.equal(answer.SubjectFromWebIdentityToken, identityId);
  assert.equal(answer.Audience, poolId);
  assert.equal(answer.Provider, 'cognito-identity.amazonaws.com');
  assert.ok(answer.Credentials.Expiration instanceof Date);
  const lifetime = (answer.Credentials.Expiration.getTime() - Date.now()) / 1000;
  assert.ok(lifetime > 870 && lifetime <= 900, `lifetime ${lifetime}`);
  const caller = await stsV3({ accessKeyId: answer.Credentials.AccessKeyId,
    secretAccessKey: answer.Credentials.SecretAccessKey,
    sessionToken: answer.Credentials.SessionToken }).send(new GetCallerIdentityCommand({}));
  assert.equal(caller.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/JsClassicUnauth/v3-session`);
  assert.equal(caller.Account, ACCOUNT);
  const developer = await stsV3(DEVELOPER_CREDENTIALS).send(new GetCallerIdentityCommand({}));
  assert.equal(developer.Arn, `arn:aws:iam::${ACCOUNT}:user/developer`);
  assert.match(developer.UserId, /^AIDA[A-Z2-7]{17}$/);
});

test('v3 client-sts: bad inputs as STS answers them', async () => {
  const poolId = await classicPool();
  const { token } = await unauthToken(poolId);
  const sts = stsV3({ accessKeyId: 'unused', secretAccessKey: 'unused' });
  const assume = (input) => sts.send(new AssumeRoleWithWebIdentityCommand({ RoleArn: UNAUTH_ROLE,
    RoleSessionName: 'v3-session', WebIdentityToken: token, ...input }));
  await assert.rejects(assume({ RoleArn: AUTH_ROLE }), (err) => err.name === 'AccessDenied' &&
    err.$metadata.httpStatusCode === 403);
  await assert.rejects(assume({ WebIdentityToken: 'not-a-jwt' }), (err) =>
    err.name === 'InvalidIdentityTokenException' && err.$metadata.httpStatusCode === 400 &&
    err.message.startsWith('The ID Token provided is not a valid JWT.'));
  await assert.rejects(assume({ RoleSessionName: 'has space' }), (err) =>
    err.name === 'ValidationError' && err.$metadata.httpStatusCode === 400 &&
    err.message === "1 validation error detected: Value 'has space' at 'roleSessionName' " +
      'failed to satisfy constraint: Member must satisfy regular expression pattern: ' +
      '[\\w+=,.@-]*');
  await assert.rejects(assume({ WebIdentityToken: 'x'.repeat(20001) }), (err) =>
    err.name === 'ValidationError' && err.message.endsWith(
      'Member must have length less than or equal to 20000'));
  // An expired developer token (TokenDuration of one second).
  const { Token: shortLived } = await new CognitoIdentityClient({ region: REGION,
    endpoint: server.endpoint, maxAttempts: 1, credentials: DEVELOPER_CREDENTIALS })
    .send(new GetOpenIdTokenForDeveloperIdentityCommand({ IdentityPoolId: poolId,
      Logins: { [DEV_PROVIDER]: 'v3-user' }, TokenDuration: 1 }));
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await assert.rejects(assume({ RoleArn: AUTH_ROLE, WebIdentityToken: shortLived }), (err) =>
    err.name === 'ExpiredTokenException' && err.$metadata.httpStatusCode === 400 &&
    err.message.startsWith('Token expired: current date/time '));
});
