// The Cognito Sync Manager in a real browser: headless Chromium (driven by playwright-core)
// loads a page from a small static server on another loopback port than cogsync, so every SDK
// call is a cross-origin (CORS) request. The page syncs one record with the aws-sdk v2 browser
// bundle and amazon-cognito-js; the test then reads the record back from Node. The second test
// takes the classic flow (D27): AWS.CognitoIdentityCredentials with a RoleArn, so the page also
// calls STS AssumeRoleWithWebIdentity across origins.
//
// Run with `node --test browser/sync_manager_browser.mjs` (CTest: compat.js_browser). When
// Chromium is missing or cannot start, the test fails with the launch error.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION } from '../support/server.mjs';
import { launchChromium, servePages } from './pages.mjs';

const require = createRequire(import.meta.url);
const AWS = require('aws-sdk');

const cogsync = new CogsyncServer();
let pages;

before(async () => {
  await cogsync.start();
  pages = await servePages();
});

after(async () => {
  if (pages) pages.close();
  await cogsync.stop();
});

// Opens the page in a fresh Chromium with `params` and returns what #status says when the page
// is done, with the page's console lines.
async function runPage(t, params) {
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const console = [];
  page.on('console', (message) => console.push(message.text()));
  page.on('pageerror', (err) => console.push(`pageerror: ${err.message}`));
  const pageOrigin = `http://127.0.0.1:${pages.address().port}`;
  assert.notEqual(pageOrigin, cogsync.endpoint);
  const query = new URLSearchParams({ endpoint: cogsync.endpoint, region: REGION, ...params });
  await page.goto(`${pageOrigin}/index.html?${query}`);
  await page.waitForFunction(() => document.getElementById('status').textContent !== 'running',
    null, { timeout: 30_000 }).catch(() => {});
  const status = await page.textContent('#status');
  const identityId = await page.evaluate(() => AWS.config.credentials.identityId);
  return { status, console, identityId };
}

test('the Sync Manager syncs a record from Chromium across origins', async (t) => {
  const developer = { region: REGION, endpoint: cogsync.endpoint, maxRetries: 0,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS) };
  const identity = new AWS.CognitoIdentity(developer);
  const { IdentityPoolId: poolId } = await identity.createIdentityPool({
    IdentityPoolName: 'browser', AllowUnauthenticatedIdentities: true }).promise();
  await identity.setIdentityPoolRoles({ IdentityPoolId: poolId, Roles: {
    unauthenticated: 'arn:aws:iam::000000000000:role/BrowserUnauth' } }).promise();
  const { IdentityId: identityId } = await identity.getId({ IdentityPoolId: poolId }).promise();

  const value = `hello from chromium ${Date.now()}`;
  const { status, console } = await runPage(t, { pool: poolId, identity: identityId, value });
  assert.equal(status, 'ok', `page reported ${status}; console:\n${console.join('\n')}`);
  assert.ok(console.includes('SYNC_RESULT ok'), console.join('\n'));

  // The record landed, written by the identity (D21) in revision 1 (D14).
  const sync = new AWS.CognitoSync(developer);
  const listed = await sync.listRecords({ IdentityPoolId: poolId, IdentityId: identityId,
    DatasetName: 'browser' }).promise();
  assert.equal(listed.DatasetSyncCount, 1);
  assert.deepEqual(listed.Records.map((r) => [r.Key, r.Value, r.SyncCount, r.LastModifiedBy]),
    [['greeting', value, 1, identityId]]);
});

test('the classic flow (STS) syncs a record from Chromium across origins', async (t) => {  // D27
  const developer = { region: REGION, endpoint: cogsync.endpoint, maxRetries: 0,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS) };
  const identity = new AWS.CognitoIdentity(developer);
  const { IdentityPoolId: poolId } = await identity.createIdentityPool({
    IdentityPoolName: 'browser-classic', AllowUnauthenticatedIdentities: true }).promise();
  const unauthRole = 'arn:aws:iam::000000000000:role/BrowserClassicUnauth';
  await identity.setIdentityPoolRoles({ IdentityPoolId: poolId, Roles: {
    unauthenticated: unauthRole } }).promise();

  const value = `classic from chromium ${Date.now()}`;
  const ran = await runPage(t, { pool: poolId, role: unauthRole, value });
  assert.equal(ran.status, 'ok', `page reported ${ran.status}; console:\n${ran.console.join('\n')}`);
  const sync = new AWS.CognitoSync(developer);
  const listed = await sync.listRecords({ IdentityPoolId: poolId, IdentityId: ran.identityId,
    DatasetName: 'browser' }).promise();
  assert.deepEqual(listed.Records.map((r) => [r.Key, r.Value, r.LastModifiedBy]),
    [['greeting', value, ran.identityId]]);

  // A role the pool does not give: STS's AccessDenied reaches the page across origins.
  const denied = await runPage(t, { pool: poolId,
    role: 'arn:aws:iam::000000000000:role/NotThisPoolsRole', value });
  assert.equal(denied.status,
    'error: credentials: AccessDenied Not authorized to perform sts:AssumeRoleWithWebIdentity');
});
