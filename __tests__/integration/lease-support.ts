// What the lease tests share: the target modules bundled from src/ for a child `node -e` process that
// takes a lease and is then killed, and small waits.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { LeaseAcquired, LeaseRefused } from '../../src/targets/lease.js';

const root = resolve(import.meta.dirname, '..', '..');

/** Bundles the target modules (node_modules stay external) and returns the bundle's URL. */
export async function bundleTargets(): Promise<{ url: string; remove(): void }> {
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'lease-child-'));
  const outfile = join(dir, 'targets.mjs');
  await build({
    absWorkingDir: root,
    stdin: {
      resolveDir: root,
      sourcefile: 'lease-child.ts',
      loader: 'ts',
      contents: [
        "export { DockerTarget } from './src/targets/docker/index.ts';",
        "export { PostgresTarget } from './src/targets/postgres/index.ts';",
        "export { RedisTarget } from './src/targets/redis/index.ts';",
      ].join('\n'),
    },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    outfile,
    logLevel: 'warning',
  });
  return { url: pathToFileURL(outfile).href, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// Takes the lease, prints the answer as one JSON line, and holds on until killed.
const CHILD = `
const m = await import(process.env.LEASE_BUNDLE);
const system = process.env.LEASE_SYSTEM;
const target =
  system === 'postgres' ? new m.PostgresTarget(process.env.LEASE_URL)
  : system === 'redis' ? new m.RedisTarget(process.env.LEASE_URL)
  : new m.DockerTarget({ timeoutMs: 10000 });
const store = system === 'docker' ? target.leases(process.env.LEASE_IMAGE) : target.leases();
const answer = await store.acquire(process.env.LEASE_KEY, { host: 'lease-child', pid: process.pid }, Number(process.env.LEASE_TTL));
console.log(JSON.stringify(answer));
setInterval(() => {}, 60000);
`;

export interface LeaseChild {
  child: ChildProcess;
  answer: LeaseAcquired | LeaseRefused;
}

/** Starts a child process that takes the lease and keeps running; resolves with its answer. */
export async function leaseInChild(env: {
  bundle: string;
  system: 'docker' | 'postgres' | 'redis';
  key: string;
  ttlMs: number;
  url?: string;
  image?: string;
}): Promise<LeaseChild> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: root,
    env: {
      ...process.env,
      LEASE_BUNDLE: env.bundle,
      LEASE_SYSTEM: env.system,
      LEASE_KEY: env.key,
      LEASE_TTL: String(env.ttlMs),
      LEASE_URL: env.url ?? '',
      LEASE_IMAGE: env.image ?? '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const line = await new Promise<string>((resolveLine, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`lease child gave no answer in 20 s: ${stderr}`)),
      20_000,
    );
    createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolveLine(l);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`lease child exited (${code}) before answering: ${stderr}`));
    });
  });
  return { child, answer: JSON.parse(line) as LeaseAcquired | LeaseRefused };
}

/** SIGKILL, and resolves once the process is gone. */
export async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGKILL');
  await gone;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
