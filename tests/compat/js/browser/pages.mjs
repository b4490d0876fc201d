// Shared by the Chromium suites: the static server for the Sync Manager page (page.html,
// page.js and the two SDK bundles) on its own loopback port, and how Chromium is launched.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');

const here = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.COGSYNC_CHROMIUM || '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

// The files the page needs, by URL path.
const FILES = {
  '/index.html': [join(here, 'page.html'), 'text/html; charset=utf-8'],
  '/page.js': [join(here, 'page.js'), 'text/javascript'],
  '/aws-sdk.min.js': [require.resolve('aws-sdk/dist/aws-sdk.min.js'), 'text/javascript'],
  '/amazon-cognito.min.js': [require.resolve('amazon-cognito-js/dist/amazon-cognito.min.js'),
    'text/javascript'],
};

// Serves the page on a free loopback port; resolves to the listening http.Server.
export async function servePages() {
  const pages = createServer((req, res) => {
    const file = FILES[new URL(req.url, 'http://x').pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': file[1] }).end(readFileSync(file[0]));
  });
  pages.listen(0, '127.0.0.1');
  await once(pages, 'listening');
  return pages;
}

// Launches Chromium (closed when the test `t` ends); fails the test with the launch error.
export async function launchChromium(t) {
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
  } catch (err) {
    assert.fail(`Chromium could not be launched from ${CHROMIUM}: ${err.message}`);
  }
  t.after(() => browser.close());
  return browser;
}
