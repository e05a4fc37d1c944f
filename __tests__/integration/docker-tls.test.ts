// The docker target over tcp with TLS, against a second real Docker engine started for this file with
// --tlsverify (its own data, exec root and socket; stopped by its pid afterwards): reads (ping, list,
// inspect) go over plain HTTPS with the client certificate, a wrong CA is refused, and DOCKER_TLS
// without verification still connects.
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerApiError, DockerTarget, DockerUnreachableError } from '../../src/targets/docker/index.js';
import { FIXTURE_IMAGE } from '../helpers/docker.js';

const run = promisify(execFile);
const PORT = 55496;
let dir = '';
let pid = 0;

async function openssl(...args: string[]): Promise<void> {
  await run('openssl', args, { cwd: dir });
}

/** A CA, a server certificate for 127.0.0.1, a client certificate; and a second CA nobody uses. */
async function makeCertificates(): Promise<void> {
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName = IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage = clientAuth\n');
  for (const ca of ['ca', 'other-ca']) {
    await openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}-key.pem`,
      '-out',
      `${ca}.pem`,
    );
  }
  for (const who of ['server', 'client']) {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${who}`,
      '-keyout',
      `${who}-key.pem`,
      '-out',
      `${who}.csr`,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
      '-out',
      `${who}-cert.pem`,
    );
  }
  // The client side, the way DOCKER_CERT_PATH lays it out.
  for (const [name, from] of [
    ['ca.pem', 'ca.pem'],
    ['cert.pem', 'client-cert.pem'],
    ['key.pem', 'client-key.pem'],
  ]) {
    mkdirSync(join(dir, 'client'), { recursive: true });
    mkdirSync(join(dir, 'wrong'), { recursive: true });
    writeFileSync(join(dir, 'client', name), readFileSync(join(dir, from)));
    writeFileSync(
      join(dir, 'wrong', name),
      readFileSync(join(dir, name === 'ca.pem' ? 'other-ca.pem' : from)),
    );
  }
}

beforeAll(async () => {
  // Short paths: the engine's unix sockets live under the exec root.
  dir = mkdtempSync('/tmp/oxtls-');
  await makeCertificates();
  const log = join(dir, 'dockerd.log');
  const logFd = openSync(log, 'a');
  const child = spawn(
    'setsid',
    [
      'dockerd',
      '--iptables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      `--data-root=${dir}/data`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${dir}/docker.pid`,
      `-H`,
      `unix://${dir}/docker.sock`,
      '-H',
      `tcp://127.0.0.1:${PORT}`,
      '--tlsverify',
      `--tlscacert=${dir}/ca.pem`,
      `--tlscert=${dir}/server-cert.pem`,
      `--tlskey=${dir}/server-key.pem`,
    ],
    // Its output goes to a file, never to this process's pipes.
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  child.unref();
  closeSync(logFd);
  const end = Date.now() + 60_000;
  for (;;) {
    try {
      await run('docker', ['-H', `unix://${dir}/docker.sock`, 'version']);
      pid = Number(readFileSync(join(dir, 'docker.pid'), 'utf8'));
      break;
    } catch (e) {
      if (Date.now() > end)
        throw new Error(`second engine did not start: ${readFileSync(log, 'utf8')}`, { cause: e });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // One memory-limited container on that engine (images are per engine: the fixture is loaded into it).
  const engine = ['-H', `unix://${dir}/docker.sock`];
  await run('sh', ['-c', `docker save ${FIXTURE_IMAGE} | docker ${engine.join(' ')} load`]);
  await run('docker', [
    ...engine,
    'run',
    '-d',
    '--name',
    'oxtls-app',
    '--network',
    'host',
    '--memory',
    '64m',
    '--memory-swap',
    '64m',
    '-v',
    '/usr:/usr:ro',
    '-v',
    '/lib:/lib:ro',
    '-v',
    '/lib64:/lib64:ro',
    '-v',
    '/bin:/bin:ro',
    FIXTURE_IMAGE,
    '/bin/sleep',
    'infinity',
  ]);
}, 90_000);

afterAll(async () => {
  if (pid) {
    await run('docker', ['-H', `unix://${dir}/docker.sock`, 'rm', '-f', 'oxtls-app']).catch(() => undefined);
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (dir) {
    // The engine leaves its host network namespace mounted under its exec root.
    const mounts = readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1] ?? '')
      .filter((m) => m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) await run('umount', [m]).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}, 30_000);

describe('DockerTarget over tcp with TLS', () => {
  it('pings, lists and inspects with the client certificate, verifying the server against the CA', async () => {
    const t = new DockerTarget({
      host: `tcp://127.0.0.1:${PORT}`,
      tlsVerify: true,
      certPath: join(dir, 'client'),
      timeoutMs: 10_000,
    });
    try {
      expect(t.address).toBe(`tcp://127.0.0.1:${PORT} (TLS)`);
      await expect(t.ping()).resolves.toBeUndefined();
      expect((await t.findContainers({})).map((c) => c.Names[0])).toEqual(['/oxtls-app']);
      const missing = await t.inspect('oxtls-missing').catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(DockerApiError);
      expect((missing as DockerApiError).statusCode).toBe(404);
      expect((missing as Error).message).toMatch(/No such container: oxtls-missing \(HTTP 404\)/);

      // The container on that engine: found, inspected, and its memory read from the stats endpoint
      // (a tcp host is never read through this machine's cgroup files).
      const [found] = await t.findContainers({ name: 'oxtls-app' });
      expect(found?.State).toBe('running');
      const info = await t.inspect('oxtls-app');
      expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024);
      const memory = await t.stats(info.Id);
      expect(memory.limit).toBe(64 * 1024 * 1024);
      expect(memory.usage).toBeGreaterThan(0);
    } finally {
      await t.close();
    }
  });

  it('acts over the same TLS connection: stop, start (seen on the live event stream), a 304 for a running container', async () => {
    const t = new DockerTarget({
      host: `tcp://127.0.0.1:${PORT}`,
      tlsVerify: true,
      certPath: join(dir, 'client'),
      timeoutMs: 10_000,
    });
    const docker2 = (...args: string[]) => run('docker', ['-H', `unix://${dir}/docker.sock`, ...args]);
    try {
      await t.stop('oxtls-app', 0);
      expect((await t.inspect('oxtls-app')).State.Running).toBe(false);
      const started = t.waitForEvent('oxtls-app', ['start'], 10_000);
      // The subscription is up before the start is asked (waitForEvent resolves only on the event).
      await new Promise((r) => setTimeout(r, 300));
      await t.start('oxtls-app');
      expect((await started)?.action).toBe('start');
      expect((await t.inspect('oxtls-app')).State.Running).toBe(true);
      // Starting a running container is "already started" (304), not an error.
      await expect(t.start('oxtls-app')).resolves.toBeUndefined();
      const { stdout } = await docker2('inspect', '-f', '{{.State.Running}}', 'oxtls-app');
      expect(stdout.trim()).toBe('true');
    } finally {
      await t.close();
    }
  });

  it('refuses a server whose certificate the configured CA did not sign', async () => {
    const t = new DockerTarget({
      host: `tcp://127.0.0.1:${PORT}`,
      tlsVerify: true,
      certPath: join(dir, 'wrong'),
      timeoutMs: 10_000,
    });
    try {
      const err = await t.ping().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DockerUnreachableError);
      expect((err as Error).message).toMatch(/not reachable: .*(certificate|self.signed)/i);
    } finally {
      await t.close();
    }
  });

  it('connects without verifying the server when TLS is on but verification is off', async () => {
    const t = new DockerTarget({
      host: `tcp://127.0.0.1:${PORT}`,
      tlsVerify: false,
      certPath: join(dir, 'wrong'),
      timeoutMs: 10_000,
    });
    try {
      const names = (await t.findContainers({})).map((c) => c.Names[0]);
      expect(names).toEqual(['/oxtls-app']);
    } finally {
      await t.close();
    }
  });
});
