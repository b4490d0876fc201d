// A device in Chromium across a restore (D28): the Sync Manager page syncs against cogsync,
// the server is backed up online, stopped, restored into a new data directory and started on
// the same endpoint; the same page (same origin, so the same localStorage cache) syncs again
// from its cached lastSyncCount, without a re-pull from 0 and without a conflict.
//
// Run with `node --test browser/sync_restore_browser.mjs` (CTest: compat.js_browser_restore).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CogsyncServer, DEVELOPER_CREDENTIALS, REGION, serverBinary } from '../support/server.mjs';
import { launchChromium, servePages } from './pages.mjs';

const require = createRequire(import.meta.url);
const AWS = require('aws-sdk');

const original = new CogsyncServer();
let restored;
let pages;
const work = mkdtempSync(join(tmpdir(), 'cogsync-browser-restore-'));

before(async () => {
  await original.start();
  pages = await servePages();
});

after(async () => {
  if (pages) pages.close();
  if (restored) await restored.stop();
  await original.stop();
  rmSync(work, { recursive: true, force: true });
});

function cogsync(...args) {
  const proc = spawnSync(serverBinary(), args, { encoding: 'utf8' });
  assert.equal(proc.status, 0, `cogsync ${args.join(' ')}: ${proc.stderr}`);
}

test('a Chromium device continues from its cached lastSyncCount across a restore', async (t) => {
  const developer = { region: REGION, endpoint: original.endpoint, maxRetries: 0,
    credentials: new AWS.Credentials(DEVELOPER_CREDENTIALS) };
  const identity = new AWS.CognitoIdentity(developer);
  const { IdentityPoolId: poolId } = await identity.createIdentityPool({
    IdentityPoolName: 'browser-restore', AllowUnauthenticatedIdentities: true }).promise();
  await identity.setIdentityPoolRoles({ IdentityPoolId: poolId, Roles: {
    unauthenticated: 'arn:aws:iam::000000000000:role/BrowserUnauth' } }).promise();
  const { IdentityId: identityId } = await identity.getId({ IdentityPoolId: poolId }).promise();

  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const console = [];
  const recordReads = [];
  page.on('console', (message) => console.push(message.text()));
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() === 'GET' && url.pathname.endsWith('/records')) recordReads.push(url);
  });
  const pageOrigin = `http://127.0.0.1:${pages.address().port}`;
  const load = async (value) => {
    const query = new URLSearchParams({ endpoint: original.endpoint, region: REGION,
      pool: poolId, identity: identityId, value });
    await page.goto(`${pageOrigin}/index.html?${query}`);
    await page.waitForFunction(() => document.getElementById('status').textContent !== 'running',
      null, { timeout: 30_000 }).catch(() => {});
    return page.textContent('#status');
  };

  assert.equal(await load('before the restore'), 'ok', console.join('\n'));
  cogsync('backup', '--data-dir', original.dataPath, '--output', join(work, 'backup.db'));
  await original.halt();
  cogsync('restore', '--data-dir', join(work, 'root', 'data'), '--input', join(work, 'backup.db'));
  restored = new CogsyncServer({ rootDir: join(work, 'root'), port: original.port });
  await restored.start();

  recordReads.length = 0;
  const status = await load('after the restore');
  assert.equal(status, 'ok', `page reported ${status}; console:\n${console.join('\n')}`);
  // The page asked for changes after its cached count (1), not for everything.
  assert.ok(recordReads.length >= 1, 'the page listed records');
  for (const url of recordReads) assert.equal(url.searchParams.get('lastSyncCount'), '1');

  const sync = new AWS.CognitoSync({ ...developer, endpoint: restored.endpoint });
  const listed = await sync.listRecords({ IdentityPoolId: poolId, IdentityId: identityId,
    DatasetName: 'browser' }).promise();
  assert.equal(listed.DatasetSyncCount, 2);
  assert.deepEqual(listed.Records.map((r) => [r.Key, r.Value, r.SyncCount]),
    [['greeting', 'after the restore', 2]]);
});
