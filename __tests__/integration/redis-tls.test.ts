// A Redis check over TLS (rediss://), through the built bundle. The bundle defers ioredis's `node:tls`
// (and the reply parser's `node:assert`) to first use (scripts/build.mjs `lazyParts`), so a plain
// redis:// run never loads them; these tests prove the deferred path still connects, verifies the
// server's certificate (an untrusted one blocks), and that the plain path stays without them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkWithBuiltCli } from '../helpers/dist-loads.js';
import { tempDir } from '../helpers/engine.js';
import { makeCertificates } from '../helpers/engines.js';

const run = promisify(execFile);
const TLS_PORT = 56995;
const PLAIN_PORT = 56996;
let made: Awaited<ReturnType<typeof makeCertificates>>;
let server: ChildProcess | undefined;

async function redisCli(...args: string[]): Promise<string> {
  const r = await run('redis-cli', args, { timeout: 5_000 }).catch(() => ({ stdout: '' }));
  return r.stdout.trim();
}

beforeAll(async () => {
  made = await makeCertificates(tempDir(), '127.0.0.1');
  server = spawn(
    'redis-server',
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(PLAIN_PORT),
      '--tls-port',
      String(TLS_PORT),
      '--tls-cert-file',
      made.serverCert,
      '--tls-key-file',
      made.serverKey,
      '--tls-ca-cert-file',
      made.ca,
      '--tls-auth-clients',
      'no',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 15_000;
  while ((await redisCli('--tls', '--cacert', made.ca, '-p', String(TLS_PORT), 'ping')) !== 'PONG') {
    if (Date.now() > deadline) throw new Error('redis-server with TLS did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);

afterAll(() => {
  server?.kill('SIGKILL');
});

function check(url: string, env: NodeJS.ProcessEnv) {
  return checkWithBuiltCli(`{ id: cache, type: redis, url: "${url}" }`, env);
}

it('checks a Redis server over rediss:// when its certificate is trusted', async () => {
  const r = await check(`rediss://127.0.0.1:${TLS_PORT}/0`, { NODE_EXTRA_CA_CERTS: made.ca });
  expect(r.stdout).toMatch(/✓ cache: responding/);
  expect(r.stdout).toMatch(/Deployment: ALLOWED/);
  expect(r.code).toBe(0);
  expect(r.libraries).toContain('ioredis');
  expect(r.builtins).toContain('tls');
});

it('blocks when the server certificate is not trusted, and names the check', async () => {
  const r = await check(`rediss://127.0.0.1:${TLS_PORT}/0`, {});
  expect(r.code).not.toBe(0);
  expect(r.stdout).toMatch(/cache/);
  expect(r.stdout).toMatch(/Deployment: BLOCKED/);
  expect(r.stdout).not.toMatch(/✓ cache: responding/);
});

it('a plain redis:// check loads neither node:tls nor node:assert', async () => {
  const r = await check(`redis://127.0.0.1:${PLAIN_PORT}/0`, {});
  expect(r.stdout).toMatch(/✓ cache: responding/);
  expect(r.code).toBe(0);
  expect(r.libraries).toContain('ioredis');
  expect(r.builtins).not.toBeNull();
  expect(r.builtins).not.toContain('tls');
  expect(r.builtins).not.toContain('assert');
});
