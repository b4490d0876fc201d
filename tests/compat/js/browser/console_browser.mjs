// The web console (/console/, docs/console.md) driven in headless Chromium through
// playwright-core, against a real cogsync, with real devices beside it: a boto3 device (a Python
// process with identity credentials, console_device.py) and an amazon-cognito-js device (the
// Sync Manager under Node). Covers D30: every change the console makes is a public API call that
// the devices then see. Screenshots of every page go to COGSYNC_CONSOLE_SCREENSHOTS (CTest sets
// it to the build tree's console-screenshots/).
//
// Run with `node --test browser/console_browser.mjs` (CTest: compat.js_console).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { ACCESS_KEY_ID, CogsyncServer, DEVELOPER_CREDENTIALS, REGION, SECRET_ACCESS_KEY }
  from '../support/server.mjs';
import { call, newDevice } from '../support/sync_manager_device.mjs';
import { canonicalQuery, sign } from '../../../../console/js/sigv4.js';

const require = createRequire(import.meta.url);
const AWS = require('aws-sdk');
require('amazon-cognito-js');
const { chromium } = require('playwright-core');

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.COGSYNC_CHROMIUM || '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];
const SHOTS = process.env.COGSYNC_CONSOLE_SCREENSHOTS || join(tmpdir(), 'cogsync-console-screenshots');
const WAIT = { timeout: 20_000 };

// Values that must show as text, never run (issue 17, "Bad input").
const HOSTILE = {
  html: '<img src=x onerror="window.__xss=1">',
  script: '</script><script>window.__xss=2</script>',
  rtl: 'مرحبا بالعالم ‮evil‬ שלום',
  emoji: '👩‍💻🚀 ✓ 𝄞',
  big: `${'0123456789'.repeat(100_000)}`,  // 1,000,000 characters
};
const LONG_DATASET = `xss-${'n'.repeat(124)}`;  // 128 characters: the limit

const server = new CogsyncServer();
const LARGE = 100_000;  // identities of the pool "large", imported before the server starts
let large;
let browser;
let page;
const problems = [];  // page errors and dialogs: none may happen
const developer = () => ({ region: REGION, endpoint: server.endpoint, maxRetries: 0,
  credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS) });

async function device(...args) {
  const { stdout } = await promisify(execFile)('python3',
    [join(here, 'console_device.py'), server.endpoint, ...args], { timeout: 60_000 });
  return JSON.parse(stdout);
}

async function shot(name) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

// Another page of the signed-in console: a hash change, so the key held in memory stays.
async function open(hash) {
  await page.evaluate((h) => { location.hash = h === location.hash ? '#/' : h; }, '#/');
  await page.evaluate((h) => { location.hash = h; }, hash);
}

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  server.dataDir = mkdtempSync(join(tmpdir(), 'cogsync-console-'));
  const { stdout } = await promisify(execFile)('python3',
    [join(here, 'large_pool.py'), server.dataPath, String(LARGE)], { timeout: 600_000 });
  large = JSON.parse(stdout);
  await server.start();
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  } catch (err) {
    assert.fail(`Chromium could not be launched from ${CHROMIUM}: ${err.message}`);
  }
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    dialog.dismiss();
  });
});

after(async () => {
  if (browser) await browser.close();
  await server.stop();
});

// Signs a request with the console's own signer (console/js/sigv4.js) and sends it from Node.
async function signedFetch(credentials, path, query = []) {
  const host = new URL(server.endpoint).host;
  const q = canonicalQuery(query);
  const headers = sign({ method: 'GET', host, path, query: q, headers: {}, body: '' },
    credentials, REGION, 'cogsync');
  const response = await fetch(`${server.endpoint}${path}${q ? `?${q}` : ''}`, { headers });
  return { status: response.status, body: await response.json() };
}

test('the console, end to end', async (t) => {
  // Steps build on each other: after a failure the rest are skipped, and the page at the
  // moment of failure is saved (failed-<step>.png) beside the screenshots.
  let failed = false;
  const step = (name, fn) => t.test(name, { skip: failed && 'an earlier step failed' },
    async () => {
      try {
        await fn();
      } catch (err) {
        failed = true;
        await page.screenshot({ path: join(SHOTS, `failed-${name.replace(/\W+/g, '-')}.png`),
          fullPage: true }).catch(() => {});
        throw err;
      }
    });
  let poolId;
  let identityId;
  let manager;
  let cognitoDataset;

  await step('serves its files with a strict Content-Security-Policy', async () => {
    const response = await page.goto(`${server.endpoint}/console/`);
    const headers = response.headers();
    assert.equal(response.status(), 200);
    assert.match(headers['content-security-policy'], /script-src 'self'/);
    assert.match(headers['content-security-policy'], /connect-src 'self'/);
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline|unsafe-eval/);
    assert.equal(headers['x-content-type-options'], 'nosniff');
    // Nothing is fetched from anywhere but the server itself.
    const external = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(server.endpoint) && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    assert.deepEqual(external, []);
  });

  await step('a wrong secret is refused with the request id', async () => {
    await page.getByLabel('Access key ID').fill(ACCESS_KEY_ID);
    await page.getByLabel('Secret access key').fill('not-the-secret');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const error = page.getByRole('alert');
    await error.waitFor(WAIT);
    const text = await error.textContent();
    assert.match(text, /InvalidSignatureException|SignatureDoesNotMatch/);
    assert.match(text, /Request id: [0-9a-f-]{36}/);
    await shot('signin');
    // Still on the sign-in page; nothing else was reachable.
    assert.equal(await page.getByRole('heading', { name: 'Identity pools' }).count(), 0);
  });

  await step('signs in with the keyboard only', async () => {
    await page.goto(`${server.endpoint}/console/#/pools`);
    await page.getByLabel('Access key ID').waitFor(WAIT);
    // The first field has the focus; Tab walks the form in order.
    assert.equal(await page.evaluate(() => document.activeElement.name), 'access-key-id');
    await page.keyboard.type(ACCESS_KEY_ID);
    await page.keyboard.press('Tab');
    await page.keyboard.type(SECRET_ACCESS_KEY);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'remember');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Sign in');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Identity pools' }).waitFor(WAIT);
    // The secret lives in memory only: nothing in the storages or cookies.
    const stored = await page.evaluate(() => [localStorage.length, sessionStorage.length,
      document.cookie]);
    assert.deepEqual(stored, [0, 0, '']);
  });

  await step('creates a pool', async () => {
    await page.getByLabel('Pool name').fill('console-e2e');
    await page.getByRole('button', { name: 'Create pool' }).click();
    const created = page.locator('.ok', { hasText: 'Created pool' });
    await created.waitFor(WAIT);
    const href = await created.getByRole('link').getAttribute('href');
    poolId = decodeURIComponent(href.replace('#/pools/', ''));
    assert.match(poolId, /^us-east-1:[0-9a-f-]{36}$/);
    await page.getByRole('link', { name: 'console-e2e' }).first().waitFor(WAIT);
    const pools = await new AWS.CognitoIdentity(developer()).listIdentityPools(
      { MaxResults: 60 }).promise();
    assert.ok(pools.IdentityPools.some((p) => p.IdentityPoolId === poolId));
  });

  await step('edits the pool settings and roles', async () => {
    await page.getByRole('link', { name: 'console-e2e' }).first().click();
    await page.getByRole('heading', { name: 'Identity pool console-e2e' }).waitFor(WAIT);
    const settings = page.getByLabel('Pool settings (JSON)');
    const value = JSON.parse(await settings.inputValue());
    value.DeveloperProviderName = 'login.console.test';
    value.SupportedLoginProviders = { 'graph.facebook.com': '7346241598935555' };
    value.IdentityPoolTags = { team: 'sync @ console' };
    // Invalid JSON is caught before anything is sent.
    await settings.fill('{ not json');
    await page.getByRole('button', { name: 'Save pool settings' }).click();
    await page.getByText('Pool settings is not valid JSON').waitFor(WAIT);
    await settings.fill(JSON.stringify(value, null, 2));
    await page.getByRole('button', { name: 'Save pool settings' }).click();
    await page.getByText('Saved pool settings.').waitFor(WAIT);
    const roles = page.getByLabel('Roles (JSON)');
    await roles.waitFor(WAIT);
    await roles.fill(JSON.stringify({ Roles: {
      unauthenticated: 'arn:aws:iam::000000000000:role/ConsoleUnauth' } }));
    await page.getByRole('button', { name: 'Save roles' }).click();
    await page.getByText('Saved roles.').waitFor(WAIT);
    const identity = new AWS.CognitoIdentity(developer());
    const pool = await identity.describeIdentityPool({ IdentityPoolId: poolId }).promise();
    assert.equal(pool.DeveloperProviderName, 'login.console.test');
    assert.deepEqual(pool.IdentityPoolTags, { team: 'sync @ console' });
    const saved = await identity.getIdentityPoolRoles({ IdentityPoolId: poolId }).promise();
    assert.equal(saved.Roles.unauthenticated, 'arn:aws:iam::000000000000:role/ConsoleUnauth');

    // The new login provider gets its principal tags editor once the page is read again.
    await open(`#/pools/${encodeURIComponent(poolId)}`);
    const tags = page.getByLabel('Principal tags (JSON)');
    await tags.waitFor(WAIT);
    await tags.fill(JSON.stringify({ UseDefaults: false, PrincipalTags: { team: 'custom:team' } }));
    await page.getByRole('button', { name: 'Save principal tags' }).click();
    await page.getByText('Saved principal tags.').waitFor(WAIT);
    const map = await identity.getPrincipalTagAttributeMap({ IdentityPoolId: poolId,
      IdentityProviderName: 'graph.facebook.com' }).promise();
    assert.deepEqual(map.PrincipalTags, { team: 'custom:team' });
  });

  await step('configures streams, runs a bulk publish and sets the Sync Trigger', async () => {
    const sync = new AWS.CognitoSync(developer());
    // Streams go to the JSON-lines file sink of the test server's data directory: no network.
    await page.getByLabel('Stream name').fill('console-stream');
    await page.getByLabel('Streams role ARN').fill('arn:aws:iam::000000000000:role/Streams');
    await page.getByLabel('Streaming status').selectOption('ENABLED');
    await page.getByRole('button', { name: 'Save sync configuration' }).click();
    await page.getByText('Saved the sync configuration.').waitFor(WAIT);
    const config = await sync.getIdentityPoolConfiguration({ IdentityPoolId: poolId }).promise();
    assert.deepEqual(config.CognitoStreams, { StreamName: 'console-stream',
      RoleArn: 'arn:aws:iam::000000000000:role/Streams', StreamingStatus: 'ENABLED' });

    await page.getByRole('button', { name: 'Start bulk publish' }).click();
    await page.getByText('Bulk publish started.').waitFor(WAIT);
    const details = page.locator('.bulk-details');
    for (let i = 0; i < 40 && !/SUCCEEDED/.test(await details.textContent()); i++) {
      await page.getByRole('button', { name: 'Refresh status' }).click();
      await page.waitForTimeout(250);
    }
    assert.match(await details.textContent(), /Bulk publish status: SUCCEEDED, started .* UTC, completed/);
    // A second one is refused, and the page says why.
    await page.getByRole('button', { name: 'Start bulk publish' }).click();
    await page.getByText(/AlreadyStreamedException/).waitFor(WAIT);

    const trigger = page.getByLabel('Sync Trigger (Lambda function ARN)');
    await trigger.fill('arn:aws:lambda:us-east-1:000000000000:function:console-trigger');
    await page.getByRole('button', { name: 'Save Sync Trigger' }).click();
    await page.getByText('Saved the Sync Trigger.').waitFor(WAIT);
    let events = await sync.getCognitoEvents({ IdentityPoolId: poolId }).promise();
    assert.deepEqual(events.Events,
      { SyncTrigger: 'arn:aws:lambda:us-east-1:000000000000:function:console-trigger' });
    // Cleared again: the devices below write without a function to call.
    await trigger.fill('');
    await page.getByRole('button', { name: 'Save Sync Trigger' }).click();
    await page.getByText('Saved the Sync Trigger.').waitFor(WAIT);
    events = await sync.getCognitoEvents({ IdentityPoolId: poolId }).promise();
    assert.deepEqual(events.Events ?? {}, {});
  });

  await step('finds the identity a boto3 device created and synced', async () => {
    ({ IdentityId: identityId } = await device('create', poolId));
    // The Sync Manager syncs the same identity's dataset: it will learn of the deletion later.
    AWS.config.update({ region: REGION, maxRetries: 0,
      cognitoidentity: { endpoint: server.endpoint }, cognitosync: { endpoint: server.endpoint } });
    AWS.config.credentials = new AWS.CognitoIdentityCredentials({ IdentityPoolId: poolId,
      IdentityId: identityId });
    await AWS.config.credentials.getPromise();
    manager = newDevice(AWS);
    cognitoDataset = await call(manager.openOrCreateDataset.bind(manager), 'profile');
    await synchronize(cognitoDataset);
    assert.equal(await call(cognitoDataset.get.bind(cognitoDataset), 'name'), 'Ada');
    // A developer user identifier to search by.
    await new AWS.CognitoIdentity(developer()).getOpenIdTokenForDeveloperIdentity({
      IdentityPoolId: poolId, IdentityId: identityId,
      Logins: { 'login.console.test': 'user-42' } }).promise();

    await open(`#/pools/${encodeURIComponent(poolId)}`);
    await page.getByLabel('Identity ID').fill('user-42');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: `Identity ${identityId}` }).waitFor(WAIT);
    await page.getByRole('cell', { name: 'user-42', exact: true }).waitFor(WAIT);
    const row = page.getByRole('row', { name: /profile/ });
    await row.waitFor(WAIT);
    assert.match(await row.textContent(), /profile\s*2/);  // two records
    assert.match(await page.locator('.facts').textContent(), /DisabledNo/);
    await shot('identity');
    // And by its identity id, from the pool page.
    await page.getByRole('link', { name: poolId }).click();
    await page.getByLabel('Identity ID').fill(identityId);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('heading', { name: `Identity ${identityId}` }).waitFor(WAIT);
  });

  await step('unlinks a developer user identifier', async () => {
    await page.getByRole('button', { name: 'Unlink user-42' }).click();
    await page.getByRole('button', { name: 'Confirm unlink' }).click();
    await page.getByText('Unlinked user-42.').waitFor(WAIT);
    await assert.rejects(new AWS.CognitoIdentity(developer()).lookupDeveloperIdentity({
      IdentityPoolId: poolId, DeveloperUserIdentifier: 'user-42', MaxResults: 1 }).promise(),
    (err) => err.code === 'ResourceNotFoundException');
  });

  await step('edits a record: the device sees the new value with SyncCount + 1', async () => {
    const before = await device('list', poolId, identityId, 'profile');
    const name = before.Records.find((r) => r.Key === 'name');
    assert.deepEqual([name.Value, name.SyncCount], ['Ada', 1]);
    await page.getByRole('link', { name: 'profile' }).click();
    await page.getByRole('heading', { name: 'Dataset profile' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Edit name' }).click();
    await page.getByLabel('Value', { exact: true }).fill('Grace');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.ok', { hasText: 'Saved name.' }).waitFor(WAIT);
    await shot('dataset');
    const afterEdit = await device('list', poolId, identityId, 'profile');
    const edited = afterEdit.Records.find((r) => r.Key === 'name');
    assert.equal(edited.Value, 'Grace');
    assert.equal(edited.SyncCount, name.SyncCount + 1);
    assert.equal(edited.LastModifiedBy, 'developer');  // the key's name (D21)
    assert.equal(afterEdit.DatasetSyncCount, before.DatasetSyncCount + 1);
  });

  await step('a device change while the editor is open is a conflict, not an overwrite',
    async () => {
      await page.getByRole('button', { name: 'Edit color' }).click();
      await page.getByLabel('Value', { exact: true }).fill('green');
      const put = await device('put', poolId, identityId, 'profile', 'color', 'red');
      assert.equal(put.Records[0].Value, 'red');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      const conflict = page.locator('.error.conflict');
      await conflict.waitFor(WAIT);
      assert.match(await conflict.textContent(), /Conflict: "color" was changed on another device/);
      assert.match(await conflict.textContent(), /Request id: [0-9a-f-]{36}/);
      await shot('conflict');
      const listed = await device('list', poolId, identityId, 'profile');
      assert.equal(listed.Records.find((r) => r.Key === 'color').Value, 'red');
      await conflict.getByRole('button', { name: 'Reload' }).click();
      await page.getByText(/Reloaded: color now has SyncCount/).waitFor(WAIT);
      assert.match(await page.locator('tr[data-key="color"]').textContent(), /red/);
      await page.getByRole('button', { name: 'Cancel' }).click();
    });

  await step('removes a record (a tombstone shown as removed)', async () => {
    await page.getByRole('button', { name: 'Remove name' }).click();
    await page.locator('.ok', { hasText: 'Removed name.' }).waitFor(WAIT);
    assert.match(await page.locator('tr[data-key="name"]').textContent(), /\(removed\)/);
    const listed = await device('list', poolId, identityId, 'profile');
    const name = listed.Records.find((r) => r.Key === 'name');
    assert.equal(name.Value, null);
  });

  await step('deletes the dataset; the Sync Manager sees it deleted', async () => {
    await page.getByRole('button', { name: 'Delete dataset' }).click();
    await page.getByRole('button', { name: 'Confirm delete dataset' }).click();
    await page.getByRole('heading', { name: `Identity ${identityId}` }).waitFor(WAIT);
    await assert.rejects(new AWS.CognitoSync(developer()).describeDataset({
      IdentityPoolId: poolId, IdentityId: identityId, DatasetName: 'profile' }).promise(),
    (err) => err.code === 'ResourceNotFoundException');
    const deleted = [];
    await assert.rejects(synchronize(cognitoDataset, deleted),
      /Cancelled due to .onDatasetDeleted result/);
    assert.deepEqual(deleted, ['profile']);
  });

  await step('hostile values render as text; nothing runs', async () => {
    const sync = new AWS.CognitoSync(developer());
    const names = { IdentityPoolId: poolId, IdentityId: identityId, DatasetName: LONG_DATASET };
    const { SyncSessionToken } = await sync.listRecords(names).promise();
    await sync.updateRecords({ ...names, SyncSessionToken, RecordPatches:
      Object.entries(HOSTILE).map(([Key, Value]) => ({ Op: 'replace', Key, Value, SyncCount: 0 }))
        .concat([{ Op: 'replace', Key: '<i>key</i>', Value: '"quoted" & <b>', SyncCount: 0 }]),
    }).promise();
    await open(`#/pools/${encodeURIComponent(poolId)}/identities/` +
      `${encodeURIComponent(identityId)}/datasets/${LONG_DATASET}`);
    await page.locator('tr[data-key="big"]').waitFor(WAIT);
    for (const key of ['html', 'script', 'rtl', 'emoji']) {
      assert.equal(await page.locator(`tr[data-key="${key}"] td.value`).textContent(),
        HOSTILE[key], key);
    }
    assert.equal(await page.locator('tr[data-key="<i>key</i>"] th').textContent(), '<i>key</i>');
    assert.match(await page.locator('tr[data-key="big"] td.value').textContent(),
      /^0123456789.*\(1,000,000 characters\)$/);
    assert.equal(await page.locator('h1 .dataset-name').textContent(), LONG_DATASET);
    const injected = await page.evaluate(() => [window.__xss ?? null,
      document.querySelectorAll('main img, main script, main b, main i').length]);
    assert.deepEqual(injected, [null, 0]);
    await shot('dataset-hostile');
    // The 1 MB value opens whole in the editor and saves whole (a 1 MB body signed in the page).
    await page.getByRole('button', { name: 'Edit big' }).click();
    const editor = page.getByLabel('Value', { exact: true });
    assert.equal((await editor.inputValue()).length, 1_000_000);
    await editor.evaluate((el) => { el.value = `${el.value.slice(0, -1)}X`; });
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.locator('.ok', { hasText: 'Saved big.' }).waitFor(WAIT);
    const listed = await sync.listRecords(names).promise();
    const big = listed.Records.find((r) => r.Key === 'big');
    assert.equal(big.Value, `${HOSTILE.big.slice(0, -1)}X`);
    assert.equal(big.SyncCount, 2);
  });

  await step('pages through a pool 60 identities at a time', async () => {
    const identity = new AWS.CognitoIdentity(developer());
    for (let i = 0; i < 64; i++) await identity.getId({ IdentityPoolId: poolId }).promise();
    await open(`#/pools/${encodeURIComponent(poolId)}`);
    const rows = page.locator('section[aria-labelledby="identities-title"] tbody tr');
    await page.getByText('Identities, page 1').waitFor(WAIT);
    assert.equal(await rows.count(), 60);
    await page.getByRole('navigation', { name: 'Identity pages' })
      .getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Identities, page 2').waitFor(WAIT);
    assert.equal(await rows.count(), 5);  // 64 + the boto3 device's
    await shot('pool');
  });

  await step('the pools page counts identities and live datasets', async () => {
    // A second pool where boto3 devices create two identities with a dataset each, one more
    // identity has none, and one of the datasets is deleted (its marker is not counted).
    const identity = new AWS.CognitoIdentity(developer());
    const { IdentityPoolId: countedId } = await identity.createIdentityPool({
      IdentityPoolName: 'counted', AllowUnauthenticatedIdentities: true }).promise();
    await identity.setIdentityPoolRoles({ IdentityPoolId: countedId,
      Roles: { unauthenticated: 'arn:aws:iam::000000000000:role/Counted' } }).promise();
    const { IdentityId: first } = await device('create', countedId);
    await device('create', countedId);
    await identity.getId({ IdentityPoolId: countedId }).promise();
    await new AWS.CognitoSync(developer()).deleteDataset({ IdentityPoolId: countedId,
      IdentityId: first, DatasetName: 'profile' }).promise();

    await open('#/pools');
    await page.getByText('Identity pools, page 1').waitFor(WAIT);
    const cell = (name) => page.getByRole('cell', { name, exact: true });
    await cell('Identities in pool counted: 3').waitFor(WAIT);
    await cell('Datasets in pool counted: 1').waitFor(WAIT);
    // console-e2e: the boto3 device's identity and the 64 made above; of its datasets, "profile"
    // was deleted from the console and the hostile one is live.
    const { Datasets: live } = await new AWS.CognitoSync(developer()).listDatasets({
      IdentityPoolId: poolId, IdentityId: identityId }).promise();
    assert.equal(live.length, 1);
    await cell('Identities in pool console-e2e: 65').waitFor(WAIT);
    await cell('Datasets in pool console-e2e: 1').waitFor(WAIT);
    // Shown as text beside the usage columns.
    const row = page.getByRole('row').filter({
      has: page.getByRole('link', { name: 'counted', exact: true }) });
    assert.equal(await row.locator('[data-count="identities"]').textContent(), '3');
    assert.equal(await row.locator('[data-count="datasets"]').textContent(), '1');
    const headers = await page.getByRole('columnheader').allTextContents();
    assert.deepEqual(headers.slice(0, 5),
      ['Name', 'Identity pool ID', 'Identities', 'Datasets', 'Sync sessions']);
    await shot('pools');
  });

  await step('a pool with 100,000 identities is counted and paged, never loaded whole', async () => {
    await open('#/pools');
    await page.getByText('Identity pools, page 1').waitFor(WAIT);
    await page.getByRole('cell', { name: `Identities in pool large: ${LARGE}`, exact: true })
      .waitFor(WAIT);
    const identityCalls = [];
    const watch = (request) => {
      if ((request.headers()['x-amz-target'] ?? '').endsWith('.ListIdentities')) {
        identityCalls.push(JSON.parse(request.postData() ?? '{}'));
      }
    };
    page.on('request', watch);
    await open(`#/pools/${encodeURIComponent(large.IdentityPoolId)}`);
    const rows = page.locator('section[aria-labelledby="identities-title"] tbody tr');
    await page.getByText('Identities, page 1').waitFor(WAIT);
    assert.equal(await rows.count(), 60);
    await page.getByRole('navigation', { name: 'Identity pages' })
      .getByRole('button', { name: 'Next page' }).click();
    await page.getByText('Identities, page 2').waitFor(WAIT);
    assert.equal(await rows.count(), 60);
    page.off('request', watch);
    // One ListIdentities of at most 60 per page shown.
    assert.equal(identityCalls.length, 2);
    for (const call of identityCalls) assert.ok(call.MaxResults <= 60, JSON.stringify(call));
  });

  await step('the admin API refuses identity credentials and unsigned requests', async () => {
    const { Credentials: c } = await new AWS.CognitoIdentity(developer())
      .getCredentialsForIdentity({ IdentityId: identityId }).promise();
    const asIdentity = await signedFetch({ accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey, sessionToken: c.SessionToken }, '/admin/outbox');
    assert.equal(asIdentity.status, 403);
    assert.equal(asIdentity.body.__type, 'AccessDeniedException');
    const countsAsIdentity = await signedFetch({ accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey, sessionToken: c.SessionToken }, '/admin/pools',
    [['IdentityPoolId', poolId]]);
    assert.equal(countsAsIdentity.status, 403);
    assert.equal(countsAsIdentity.body.__type, 'AccessDeniedException');
    const unsigned = await fetch(`${server.endpoint}/admin/metrics`);
    assert.equal(unsigned.status, 403);
    assert.equal((await unsigned.json()).__type, 'MissingAuthenticationTokenException');
    const asDeveloper = await signedFetch(DEVELOPER_CREDENTIALS, '/admin/identity',
      [['IdentityId', identityId]]);
    assert.equal(asDeveloper.status, 200);
    assert.deepEqual(asDeveloper.body, { IdentityId: identityId, IdentityPoolId: poolId,
      Disabled: false, MergedInto: '' });
  });

  await step('the status page draws the traffic', async () => {
    await open('#/status');
    await page.getByText('Healthy: ready to serve.').waitFor(WAIT);
    const identity = new AWS.CognitoIdentity(developer());
    const chart = page.locator('figure.chart').first();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && Number(await chart.getAttribute('data-max')) === 0) {
      await Promise.all(Array.from({ length: 10 }, () =>
        identity.listIdentityPools({ MaxResults: 5 }).promise()));
      await page.waitForTimeout(500);
    }
    assert.ok(Number(await chart.getAttribute('data-points')) > 0);
    assert.ok(Number(await chart.getAttribute('data-max')) > 0, 'the requests chart shows traffic');
    await page.getByRole('rowheader', { name: 'ListIdentityPools' }).waitFor(WAIT);
    await shot('status');
  });

  await step('a network error says so plainly', async () => {
    // Every API call of the page fails at the network level while the route is in place.
    await page.route(`${server.endpoint}/`, (route) => route.abort('connectionrefused'));
    await open('#/pools');
    const error = page.getByRole('alert');
    await error.waitFor(WAIT);
    assert.match(await error.textContent(), /^Network error: NetworkError: The server could not be reached/);
    await page.unroute(`${server.endpoint}/`);
  });

  await step('"Remember in this tab" survives a reload; signing out forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Access key ID').fill(ACCESS_KEY_ID);
    await page.getByLabel('Secret access key').fill(SECRET_ACCESS_KEY);
    await page.getByLabel('Remember in this tab').check();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Identity pools' }).waitFor(WAIT);
    await page.reload();
    await page.getByRole('heading', { name: 'Identity pools' }).waitFor(WAIT);
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length,
      document.cookie]), [0, 1, '']);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    // Signed out, the pages show nothing but the sign-in form.
    await open('#/status');
    await page.getByRole('button', { name: 'Sign in' }).waitFor(WAIT);
    assert.equal(await page.getByRole('heading', { name: 'Status' }).count(), 0);
  });

  await step('readable at a phone width', async () => {
    await page.getByLabel('Access key ID').fill(ACCESS_KEY_ID);
    await page.getByLabel('Secret access key').fill(SECRET_ACCESS_KEY);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await open('#/pools');
    await page.getByRole('heading', { name: 'Identity pools' }).waitFor(WAIT);
    // Nothing wider than the screen outside the scrollable tables.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 390, `page is ${overflow}px wide`);
    await shot('pools-phone');
  });

  assert.deepEqual(problems, []);
});

// The Sync Manager's synchronize as a promise; a deletion is recorded and cancelled there.
function synchronize(dataset, deleted = []) {
  return new Promise((resolve, reject) => {
    dataset.synchronize({
      onSuccess: () => resolve(),
      onFailure: (err) => reject(err),
      onConflict: (ds, conflicts, cb) => cb(false),
      onDatasetDeleted: (ds, name, cb) => {
        deleted.push(name);
        return cb(false);
      },
      onDatasetsMerged: (ds, names, cb) => cb(false),
    });
  });
}
