// Starts a real cogsync server for a JavaScript client test file: a free loopback port, a
// temporary data directory, a fixed developer key (D7) and --test-mode. One server per test
// file; tests stay independent because each creates its own identity pool.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync, closeSync, mkdtempSync, readFileSync, rmSync, accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ACCESS_KEY_ID = 'AKIDCOMPATTESTJS0001';
export const SECRET_ACCESS_KEY = 'compat/test/js/secret/00000000000000000000';
export const REGION = 'us-east-1';
export const DEVELOPER_CREDENTIALS = { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY };

const STARTUP_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

// Nothing of the machine's AWS configuration may reach the SDKs under test.
const emptyAwsConfig = join(tmpdir(), 'cogsync-compat-no-aws-config');
process.env.AWS_CONFIG_FILE = emptyAwsConfig;
process.env.AWS_SHARED_CREDENTIALS_FILE = emptyAwsConfig;
process.env.AWS_EC2_METADATA_DISABLED = 'true';
for (const name of ['AWS_PROFILE', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL']) {
  delete process.env[name];
}

export function serverBinary() {
  const path = process.env.COGSYNC_BIN || join(repoRoot, 'build', 'cogsync');
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`cogsync binary not found at ${path}: build it or set COGSYNC_BIN`);
  }
  return path;
}

async function freePort() {
  const probe = createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  probe.close();
  await once(probe, 'close');
  return port;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export class CogsyncServer {
  // tls: { cert, key } PEM files: the server speaks HTTPS only on its port (readiness is polled
  // on a plain-HTTP listener beside it).
  // rootDir: an existing directory holding `data/` (a restored or imported store) instead of a
  // fresh one; port: a fixed port (a server brought back where clients already point).
  constructor({ testMode = true, insecureLogins = false, tls = null, rootDir = null, port = null } = {}) {
    this.testMode = testMode;
    this.insecureLogins = insecureLogins;
    this.tls = tls;
    this.plainPort = null;
    this.process = null;
    this.port = port;
    this.dataDir = rootDir;
  }

  get dataPath() {
    return join(this.dataDir, 'data');
  }

  get endpoint() {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  get plainEndpoint() {
    return this.tls ? `http://127.0.0.1:${this.plainPort}` : this.endpoint;
  }

  log() {
    try {
      return readFileSync(join(this.dataDir, 'server.log'), 'utf8').slice(-4000);
    } catch {
      return '(no log)';
    }
  }

  async start() {
    this.dataDir = this.dataDir ?? mkdtempSync(join(tmpdir(), 'cogsync-compat-js-'));
    this.port = this.port ?? await freePort();
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data-dir',
      join(this.dataDir, 'data'), '--no-access-log'];
    if (this.testMode) args.push('--test-mode');
    if (this.insecureLogins) args.push('--insecure-trust-login-tokens');
    if (this.tls) {
      this.plainPort = await freePort();
      args.push('--tls-cert', this.tls.cert, '--tls-key', this.tls.key, '--plain-listen',
        `127.0.0.1:${this.plainPort}`);
    }
    const logFd = openSync(join(this.dataDir, 'server.log'), 'w');
    this.process = spawn(serverBinary(), args, {
      env: { ...process.env, COGSYNC_ACCESS_KEY_ID: ACCESS_KEY_ID,
        COGSYNC_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY },
      stdio: ['ignore', logFd, logFd],
    });
    closeSync(logFd);
    let exited = false;
    this.exited = once(this.process, 'exit').then(([code]) => {
      exited = true;
      return code;
    });
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exited) throw new Error(`cogsync exited during start:\n${this.log()}`);
      try {
        const response = await fetch(`${this.plainEndpoint}/healthz`);
        if (response.status === 200) return this;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    await this.stop();
    throw new Error(`cogsync not ready within ${STARTUP_TIMEOUT_MS} ms`);
  }

  // Stops the process (as stop() does) but keeps the data directory and port for a restart.
  async halt() {
    const dir = this.dataDir;
    this.dataDir = null;
    const code = await this.stop();
    this.dataDir = dir;
    return code;
  }

  // SIGTERM, then SIGKILL after 5 s; resolves to the exit code.
  async stop() {
    let code = null;
    if (this.process) {
      if (this.process.exitCode === null && this.process.signalCode === null) {
        this.process.kill('SIGTERM');
        const timer = setTimeout(() => this.process.kill('SIGKILL'), STOP_TIMEOUT_MS);
        code = await this.exited;
        clearTimeout(timer);
      } else {
        code = this.process.exitCode;
      }
      this.process = null;
    }
    if (this.dataDir) {
      rmSync(this.dataDir, { recursive: true, force: true });
      this.dataDir = null;
    }
    return code;
  }

  // POST /moto-api/reset: wipes every pool (test mode only).
  async reset() {
    const response = await fetch(`${this.endpoint}/moto-api/reset`, { method: 'POST' });
    if (response.status !== 200) throw new Error(`reset failed: ${response.status}`);
    return response.json();
  }
}
