// Native HTTPS (issue 13) with the AWS SDK for JavaScript v3: the server gets a certificate from
// a CA this test makes (openssl), and a separate Node process trusts that CA through
// NODE_EXTRA_CA_CERTS, exactly as an app would, then runs the unauthenticated Identity flow
// and a Cognito Sync write over https://.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION } from './support/server.mjs';

const jsDir = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cogsync-js-tls-'));
const file = (name) => join(dir, name);

function makeCertificates() {
  const openssl = (...args) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1',
    '-subj', '/CN=cogsync JS test CA', '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(file('ext.cnf'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey',
    file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '1',
    '-extfile', file('ext.cnf'));
}

makeCertificates();
const server = new CogsyncServer({ tls: { cert: file('server.pem'), key: file('server.key') } });

before(async () => {
  await server.start();
});

after(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

// What the app process runs: everything it prints is one JSON line.
const APP = `
import { CognitoIdentityClient, CreateIdentityPoolCommand, GetIdCommand,
  GetCredentialsForIdentityCommand, SetIdentityPoolRolesCommand }
  from '@aws-sdk/client-cognito-identity';
import { CognitoSyncClient, ListRecordsCommand, UpdateRecordsCommand }
  from '@aws-sdk/client-cognito-sync';
const endpoint = process.env.ENDPOINT;
const region = process.env.REGION;
const developer = new CognitoIdentityClient({ region, endpoint, maxAttempts: 1,
  credentials: JSON.parse(process.env.DEVELOPER) });
const pool = await developer.send(new CreateIdentityPoolCommand({
  IdentityPoolName: 'js_tls', AllowUnauthenticatedIdentities: true }));
await developer.send(new SetIdentityPoolRolesCommand({ IdentityPoolId: pool.IdentityPoolId,
  Roles: { unauthenticated: 'arn:aws:iam::000000000000:role/JsTlsUnauth' } }));
const anonymous = new CognitoIdentityClient({ region, endpoint, maxAttempts: 1,
  credentials: async () => { throw new Error('no credentials'); } });
const { IdentityId } = await anonymous.send(new GetIdCommand({ IdentityPoolId: pool.IdentityPoolId }));
const { Credentials } = await anonymous.send(new GetCredentialsForIdentityCommand({ IdentityId }));
const sync = new CognitoSyncClient({ region, endpoint, maxAttempts: 1, credentials: {
  accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretKey,
  sessionToken: Credentials.SessionToken } });
const key = { IdentityPoolId: pool.IdentityPoolId, IdentityId, DatasetName: 'settings' };
const listed = await sync.send(new ListRecordsCommand(key));
const updated = await sync.send(new UpdateRecordsCommand({ ...key,
  SyncSessionToken: listed.SyncSessionToken,
  RecordPatches: [{ Op: 'replace', Key: 'theme', Value: 'dark', SyncCount: 0 }] }));
console.log(JSON.stringify({ identityId: IdentityId, value: updated.Records[0].Value }));
`;

function runApp(extraEnv) {
  return promisify(execFile)(process.execPath, ['--input-type=module', '-e', APP], {
    cwd: jsDir,
    timeout: 60_000,
    env: { ...process.env, ENDPOINT: server.endpoint, REGION,
      DEVELOPER: JSON.stringify(DEVELOPER_CREDENTIALS), ...extraEnv },
  });
}

describe('HTTPS with @aws-sdk v3', () => {
  test('an app trusting the CA through NODE_EXTRA_CA_CERTS syncs over https', async () => {
    assert.match(server.endpoint, /^https:/);
    const { stdout } = await runApp({ NODE_EXTRA_CA_CERTS: file('ca.pem') });
    const result = JSON.parse(stdout.trim().split('\n').pop());
    assert.match(result.identityId, /^us-east-1:/);
    assert.equal(result.value, 'dark');
  });

  test('without the CA the SDK refuses the certificate', async () => {
    const env = { NODE_EXTRA_CA_CERTS: '' };
    await assert.rejects(runApp(env), (error) => {
      assert.match(error.stderr, /certificate|self.signed|UNABLE_TO_GET_ISSUER/i);
      return true;
    });
  });
});
