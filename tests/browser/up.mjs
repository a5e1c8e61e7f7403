// Starts a real `tinysaga up` on a free port in a fresh directory, from Node: the browser tests
// (harness.mjs) and the contract test (tests/contract) share it. No sleeps: it resolves when
// `up` prints its ready line. No npm dependency, so that it loads without playwright-core.

import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');

// Where things are; each can be overridden from the environment (CTest sets them).
export const config = {
  binary: process.env.TINYSAGA_BINARY ?? join(repo, 'build', 'tinysaga'),
  webDir: process.env.TINYSAGA_WEB_DIR ?? join(repo, 'web'),
  keepData: Boolean(process.env.TINYSAGA_KEEP_TEST_DATA),
  readyTimeoutMs: 90_000,
};

// Starts `tinysaga up --port 0` and resolves once it prints its ready line:
// "tinysaga up: ready at http://127.0.0.1:PORT (...)".
export async function startUp(extraArgs = []) {
  const fake = Boolean(process.env.TINYSAGA_FAKE_API);
  if (!fake && !existsSync(config.binary)) {
    throw new Error(`no tinysaga binary at ${config.binary}: build it, or set TINYSAGA_BINARY`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'tinysaga-browser-'));
  const env = { ...process.env };
  // The services need a shared secret of 16+ characters; a shorter one in the environment
  // would be inherited by every child and refused.
  if ((env.TINYSAGA_INTERNAL_SECRET ?? '').length < 16) env.TINYSAGA_INTERNAL_SECRET = randomBytes(24).toString('hex');
  const args = ['up', '--port', '0', '--data', dataDir, '--web', config.webDir,
    // The tests act faster than a person; the default per-user limit (20/s) is for people.
    '--rate-limit-per-second', '500', '--rate-limit-burst', '1000',
    // e.g. TINYSAGA_UP_ARGS='--saga-mode choreography'
    ...(process.env.TINYSAGA_UP_ARGS ?? '').split(' ').filter(Boolean), ...extraArgs];
  // TINYSAGA_FAKE_API=1: the in-memory stand-in (fake_api.mjs) instead of the services, to
  // work on the UI before the services have what it needs. Never what CTest runs.
  const child = fake
    ? spawn(process.execPath, [join(here, 'fake_api.mjs'), '--port', '0', '--web', config.webDir, ...(process.env.TINYSAGA_FAKE_API_ARGS ?? '').split(' ').filter(Boolean)], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(config.binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderrTail = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrTail.push(line);
    if (stderrTail.length > 40) stderrTail.shift();
  });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => fail(new Error(`tinysaga up not ready after ${config.readyTimeoutMs} ms`)), config.readyTimeoutMs);
    function fail(error) {
      clearTimeout(timer);
      child.kill('SIGTERM');
      reject(new Error(`${error.message}; logs in ${dataDir}/logs\n${stderrTail.join('\n')}`));
    }
    lines.on('line', (line) => {
      const match = /ready at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    child.once('exit', (code) => fail(new Error(`tinysaga up exited (code ${code}) before it was ready`)));
    child.once('error', fail);
  });
  // Keep draining stdout so `up` never blocks on a full pipe.
  lines.on('line', () => {});
  return {
    url,
    dataDir,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
        child.kill('SIGTERM');
        await exited;
      }
      if (!config.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
