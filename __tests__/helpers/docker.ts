// Real containers for the integration tests. There is no image registry on the build machines, so the
// fixture image is an empty root filesystem and containers run the host's own binaries, mounted
// read-only, on the host network (the daemon runs without a bridge).
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, chownSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const FIXTURE_IMAGE = process.env.ORIXOON_FIXTURE_IMAGE ?? 'orixoon-fixture:base';
/** Every container a test makes carries this label, so a suite can clean up after itself. */
export const TEST_LABEL = 'orixoon.test';

const HOST_MOUNTS = ['/usr:/usr:ro', '/lib:/lib:ro', '/lib64:/lib64:ro', '/bin:/bin:ro', '/sbin:/sbin:ro'];

export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

export async function dockerOk(...args: string[]): Promise<boolean> {
  try {
    await docker(...args);
    return true;
  } catch {
    return false;
  }
}

/** Must match ORIXOON_FIXTURE_RECIPE in scripts/ci-setup.sh. */
export const FIXTURE_RECIPE = 'empty-rootfs-0755-v2';

/**
 * Builds the fixture image unless one with this recipe's label is there: an image under the same tag
 * that was built another way (e.g. with a 0700 root, which breaks every non-root container) is rebuilt.
 */
export async function ensureFixtureImage(): Promise<void> {
  const have = await docker(
    'image',
    'inspect',
    '--format',
    '{{index .Config.Labels "orixoon.fixture.recipe"}}',
    FIXTURE_IMAGE,
  ).catch(() => '');
  if (have === FIXTURE_RECIPE) return;
  const empty = mkdtempSync(join(tmpdir(), 'orixoon-empty-rootfs-'));
  chmodSync(empty, 0o755);
  try {
    await dockerOk('image', 'rm', '-f', FIXTURE_IMAGE);
    await run('sh', [
      '-c',
      `tar -cf - -C ${empty} . | docker import --change "LABEL orixoon.fixture.recipe=${FIXTURE_RECIPE}" - ${FIXTURE_IMAGE}`,
    ]);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}

export interface ContainerSpec {
  name: string;
  /** Command run in the container (host binaries), e.g. ['/bin/sleep', 'infinity']. */
  cmd: string[];
  /** Suite tag, stored in the `orixoon.test` label for cleanup. */
  suite: string;
  health?: { cmd: string; interval?: string; retries?: number; startPeriod?: string; timeout?: string };
  labels?: Record<string, string>;
  env?: Record<string, string>;
  /** e.g. '32m' */
  memory?: string;
  restart?: string;
  volumes?: string[];
  tmpfs?: string[];
  user?: string;
  /** Mount /etc read-only too (needed where users are looked up). */
  withEtc?: boolean;
  /** Create but do not start. */
  createOnly?: boolean;
  extraArgs?: string[];
}

export async function runContainer(spec: ContainerSpec): Promise<string> {
  await ensureFixtureImage();
  await removeContainer(spec.name);
  const args = [spec.createOnly ? 'create' : 'run', ...(spec.createOnly ? [] : ['-d']), '--name', spec.name];
  args.push('--network', 'host', '--label', `${TEST_LABEL}=${spec.suite}`);
  for (const m of HOST_MOUNTS) args.push('-v', m);
  if (spec.withEtc) args.push('-v', '/etc:/etc:ro');
  for (const v of spec.volumes ?? []) args.push('-v', v);
  for (const t of spec.tmpfs ?? ['/tmp']) args.push('--tmpfs', t);
  for (const [k, v] of Object.entries(spec.labels ?? {})) args.push('--label', `${k}=${v}`);
  for (const [k, v] of Object.entries(spec.env ?? {})) args.push('-e', `${k}=${v}`);
  if (spec.memory) args.push('--memory', spec.memory, '--memory-swap', spec.memory);
  if (spec.restart) args.push('--restart', spec.restart);
  if (spec.user) args.push('--user', spec.user);
  if (spec.health) {
    args.push('--health-cmd', spec.health.cmd);
    args.push('--health-interval', spec.health.interval ?? '1s');
    args.push('--health-retries', String(spec.health.retries ?? 1));
    args.push('--health-timeout', spec.health.timeout ?? '5s');
    if (spec.health.startPeriod) args.push('--health-start-period', spec.health.startPeriod);
  }
  args.push(...(spec.extraArgs ?? []));
  args.push(FIXTURE_IMAGE, ...spec.cmd);
  return docker(...args);
}

export async function removeContainer(name: string): Promise<void> {
  await dockerOk('rm', '-f', '-v', name);
}

/** Removes every container of a suite (by label). */
export async function removeSuite(suite: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${TEST_LABEL}=${suite}`))
    .split('\n')
    .filter(Boolean);
  if (ids.length) await dockerOk('rm', '-f', '-v', ...ids);
}

// The subset of `docker inspect` the tests read.
export interface Inspected {
  Id: string;
  Name: string;
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    Paused: boolean;
    Restarting: boolean;
    OOMKilled: boolean;
    ExitCode: number;
    StartedAt: string;
    Health?: { Status: string };
  };
  Config: { Labels: Record<string, string>; Cmd: string[]; Env: string[]; Image: string };
  HostConfig: { Memory: number; RestartPolicy: { Name: string } };
  Mounts: Array<{ Type: string; Name?: string; Source: string; Destination: string }>;
}

export async function inspect(name: string): Promise<Inspected> {
  return JSON.parse(await docker('inspect', '--type', 'container', name))[0] as Inspected;
}

export async function state(name: string): Promise<string> {
  const s = (await inspect(name)).State;
  return s.Health ? `${s.Status}/${s.Health.Status}` : s.Status;
}

/** Polls `docker inspect` until `pred` holds (test setup only; the product itself uses events). */
export async function waitFor(
  name: string,
  pred: (i: Inspected) => boolean,
  timeoutMs = 30_000,
): Promise<Inspected> {
  const end = Date.now() + timeoutMs;
  let last: Inspected | undefined;
  while (Date.now() < end) {
    try {
      last = await inspect(name);
      if (pred(last)) return last;
    } catch {
      /* not there yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${name}; last state ${JSON.stringify(last?.State)}`);
}

export const SLEEP_FOREVER = ['/bin/sleep', 'infinity'];

// ---------------------------------------------------------------------------------------------
// PostgreSQL and Redis in containers (host binaries, host network, a port each).

function postgresUid(): Promise<{ uid: number; gid: number }> {
  return run('id', ['-u', 'postgres']).then(async ({ stdout }) => ({
    uid: Number(stdout.trim()),
    gid: Number((await run('id', ['-g', 'postgres'])).stdout.trim()),
  }));
}

export interface PostgresFixture {
  name: string;
  port: number;
  /** postgres://postgres:PASSWORD@127.0.0.1:PORT/postgres */
  url: string;
  password: string;
  dataDir: string;
}

/**
 * A PostgreSQL 15 server in a container with a real health status. Its data directory is a host
 * directory mounted as a volume, so it survives a restart or recreate of the container.
 */
export async function startPostgres(opts: {
  name: string;
  port: number;
  suite: string;
  maxConnections?: number;
  password?: string;
  settings?: Record<string, string>;
  keepData?: boolean;
}): Promise<PostgresFixture> {
  const password = opts.password ?? 'pg-secret-Pa55word';
  const { uid, gid } = await postgresUid();
  const dataDir = `/tmp/orixoon-pg/${opts.name}`;
  if (!opts.keepData) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(`${dataDir}/data`, { recursive: true });
  mkdirSync(`${dataDir}/run`, { recursive: true });
  writeFileSync(`${dataDir}/pw`, password);
  for (const p of [dataDir, `${dataDir}/data`, `${dataDir}/run`, `${dataDir}/pw`]) chownSync(p, uid, gid);
  const bin = process.env.ORIXOON_PG_BIN ?? '/usr/lib/postgresql/15/bin';
  const settings = {
    listen_addresses: '127.0.0.1',
    max_connections: String(opts.maxConnections ?? 40),
    unix_socket_directories: '/pgrun',
    fsync: 'off',
    ...opts.settings,
  };
  const flags = Object.entries(settings)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  const script =
    `[ -f /pgdata/data/PG_VERSION ] || ${bin}/initdb -D /pgdata/data -U postgres --auth-local=trust ` +
    `--auth-host=scram-sha-256 --pwfile=/pgdata/pw >/dev/null; exec ${bin}/postgres -D /pgdata/data -p ${opts.port} ${flags}`;
  await runContainer({
    name: opts.name,
    suite: opts.suite,
    cmd: ['/bin/sh', '-c', script],
    user: `${uid}:${gid}`,
    withEtc: true,
    volumes: [`${dataDir}:/pgdata`, `${dataDir}/run:/pgrun`],
    health: { cmd: `${bin}/pg_isready -h 127.0.0.1 -p ${opts.port}`, interval: '1s', retries: 3 },
  });
  await waitFor(opts.name, (i) => i.State.Health?.Status === 'healthy', 60_000);
  return {
    name: opts.name,
    port: opts.port,
    password,
    dataDir,
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`,
  };
}

export interface RedisFixture {
  name: string;
  port: number;
  url: string;
  password?: string;
}

export async function startRedis(opts: {
  name: string;
  port: number;
  suite: string;
  maxmemory?: string;
  policy?: string;
  password?: string;
  extraArgs?: string[];
}): Promise<RedisFixture> {
  const args = [
    '/usr/bin/redis-server',
    '--port',
    String(opts.port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  if (opts.maxmemory) args.push('--maxmemory', opts.maxmemory);
  if (opts.policy) args.push('--maxmemory-policy', opts.policy);
  if (opts.password) args.push('--requirepass', opts.password);
  args.push(...(opts.extraArgs ?? []));
  const auth = opts.password ? `-a ${opts.password} --no-auth-warning ` : '';
  await runContainer({
    name: opts.name,
    suite: opts.suite,
    cmd: args,
    health: {
      cmd: `/usr/bin/redis-cli ${auth}-p ${opts.port} ping | grep -q PONG`,
      interval: '1s',
      retries: 2,
    },
  });
  await waitFor(opts.name, (i) => i.State.Health?.Status === 'healthy', 60_000);
  const url = opts.password
    ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/0`
    : `redis://127.0.0.1:${opts.port}/0`;
  return { name: opts.name, port: opts.port, url, password: opts.password };
}
