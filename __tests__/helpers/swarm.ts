// A real two-node Docker Swarm for the tests, on engines of their own: two dockerd processes, each with
// its own data root, exec root, pidfile and socket, joined into one Swarm over two loopback addresses
// (manager 127.0.0.2, worker 127.0.0.1). The shared engine is never touched. Each engine gets the
// fixture image (an empty root filesystem; containers run the host's binaries, mounted read-only, on
// the host network). `stopSwarm` undoes everything by the engines' own pids, whatever state it is in.
import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIXTURE_IMAGE, FIXTURE_RECIPE } from './docker.js';

const run = promisify(execFile);

/** Every service a test makes carries this label. */
export const SWARM_TEST_LABEL = 'orixoon.test.swarm';
const HOST_MOUNTS = ['/usr', '/lib', '/lib64', '/bin', '/sbin'];

export interface Engine {
  name: string;
  dir: string;
  /** `unix:///…/docker.sock` */
  host: string;
  pid: number;
  nodeId?: string;
}

export interface TestSwarm {
  dir: string;
  manager: Engine;
  /** Undefined when the second engine could not join (then `note` says why). */
  worker?: Engine;
  engines: Engine[];
  note?: string;
  /** The manager's plain tcp listener, for the tcp:// path of the client. */
  managerTcp: string;
}

export async function dockerOn(engine: Pick<Engine, 'host'>, ...args: string[]): Promise<string> {
  const { stdout } = await run('docker', ['-H', engine.host, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return stdout.trim();
}

async function waitUntil(
  what: string,
  ok: () => Promise<boolean>,
  timeoutMs: number,
  log?: string,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > end)
      throw new Error(
        `${what} within ${timeoutMs} ms${log && existsSync(log) ? `: ${readFileSync(log, 'utf8').slice(-2000)}` : ''}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startEngine(swarm: TestSwarm, name: string, extraHosts: string[] = []): Promise<Engine> {
  const root = swarm.dir;
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const log = join(dir, 'dockerd.log');
  const fd = openSync(log, 'a');
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
      '-H',
      `unix://${dir}/docker.sock`,
      ...extraHosts.flatMap((h) => ['-H', h]),
    ],
    // Its output goes to a file, never to this process's pipes.
    { detached: true, stdio: ['ignore', fd, fd] },
  );
  child.unref();
  closeSync(fd);
  const engine: Engine = { name, dir, host: `unix://${dir}/docker.sock`, pid: 0 };
  // Known to the teardown from here on: an engine that never answers is still stopped by its pidfile.
  swarm.engines.push(engine);
  await waitUntil(
    `engine ${name} did not start`,
    async () => {
      await dockerOn(engine, 'version');
      engine.pid = Number(readFileSync(join(dir, 'docker.pid'), 'utf8'));
      return engine.pid > 0;
    },
    60_000,
    log,
  );
  // Images are per engine: the fixture image, made the same way as on the shared engine.
  const empty = mkdtempSync(join(root, 'rootfs-'));
  chmodSync(empty, 0o755);
  await run('sh', [
    '-c',
    `tar -cf - -C ${empty} . | docker -H ${engine.host} import --change "LABEL orixoon.fixture.recipe=${FIXTURE_RECIPE}" - ${FIXTURE_IMAGE}`,
  ]);
  rmSync(empty, { recursive: true, force: true });
  return engine;
}

/** The Swarm's state directory; nothing runs yet. Hand it to `stopSwarm` whatever happens next. */
export function newSwarm(tcpPort: number): TestSwarm {
  // Short paths: the engines' unix sockets live under their exec roots.
  const dir = mkdtempSync('/tmp/oxsw-');
  return {
    dir,
    manager: { name: 'manager', dir: '', host: '', pid: 0 },
    engines: [],
    managerTcp: `tcp://127.0.0.2:${tcpPort}`,
  };
}

/**
 * Two engines in one Swarm. Starts both, makes the first a manager on 127.0.0.2 and joins the second
 * as a worker on 127.0.0.1; if the join fails the Swarm stays one node and `note` says why.
 */
export async function startSwarm(swarm: TestSwarm): Promise<void> {
  const [manager, worker] = await Promise.all([
    startEngine(swarm, 'manager', [swarm.managerTcp]),
    startEngine(swarm, 'worker'),
  ]);
  swarm.manager = manager;
  await dockerOn(
    manager,
    'swarm',
    'init',
    '--advertise-addr',
    '127.0.0.2',
    '--listen-addr',
    '127.0.0.2:52377',
  );
  manager.nodeId = await dockerOn(manager, 'info', '--format', '{{.Swarm.NodeID}}');
  const token = await dockerOn(manager, 'swarm', 'join-token', '-q', 'worker');
  try {
    await dockerOn(
      worker,
      'swarm',
      'join',
      '--advertise-addr',
      '127.0.0.1',
      '--listen-addr',
      '127.0.0.1:52378',
      '--token',
      token,
      '127.0.0.2:52377',
    );
    worker.nodeId = await dockerOn(worker, 'info', '--format', '{{.Swarm.NodeID}}');
    swarm.worker = worker;
    await waitUntil(
      'the worker did not become ready',
      async () =>
        (await dockerOn(manager, 'node', 'inspect', '--format', '{{.Status.State}}', worker.nodeId!)) ===
        'ready',
      30_000,
    );
  } catch (e) {
    swarm.note = `two-node Swarm not formed, one node only: ${(e as Error).message}`;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Removes the services, leaves the Swarm on every engine, stops each engine by its pid and removes its state. */
export async function stopSwarm(swarm: TestSwarm | undefined): Promise<void> {
  if (!swarm) return;
  for (const e of swarm.engines) {
    if (e.pid > 0) continue;
    const pidfile = join(e.dir, 'docker.pid');
    if (existsSync(pidfile)) e.pid = Number(readFileSync(pidfile, 'utf8')) || 0;
  }
  const engines = swarm.engines.filter((e) => e.pid > 0);
  if (swarm.manager.pid) {
    const ids = await dockerOn(swarm.manager, 'service', 'ls', '-q').catch(() => '');
    if (ids) await dockerOn(swarm.manager, 'service', 'rm', ...ids.split('\n')).catch(() => undefined);
  }
  for (const e of [...engines].reverse())
    await dockerOn(e, 'swarm', 'leave', '--force').catch(() => undefined);
  for (const e of engines) {
    try {
      process.kill(e.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  for (const e of engines) {
    const end = Date.now() + 20_000;
    while (alive(e.pid) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    if (alive(e.pid)) process.kill(e.pid, 'SIGKILL');
  }
  // The engines leave their network namespaces and container mounts under their roots.
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${swarm.dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
  rmSync(swarm.dir, { recursive: true, force: true });
}

/** One engine, a one-node Swarm (its manager) on 127.0.0.2. */
export async function startOneNodeSwarm(swarm: TestSwarm): Promise<void> {
  const manager = await startEngine(swarm, 'manager', [swarm.managerTcp]);
  swarm.manager = manager;
  await dockerOn(
    manager,
    'swarm',
    'init',
    '--advertise-addr',
    '127.0.0.2',
    '--listen-addr',
    '127.0.0.2:52377',
  );
  manager.nodeId = await dockerOn(manager, 'info', '--format', '{{.Swarm.NodeID}}');
}

export interface ServiceOptions {
  name: string;
  /** Shell script run by /bin/sh -c in every task. */
  script: string;
  replicas?: number;
  global?: boolean;
  constraints?: string[];
  restartCondition?: 'none' | 'on-failure' | 'any';
  restartDelay?: string;
  update?: { parallelism?: number; delay?: string; monitor?: string; order?: string; failureAction?: string };
  /** A healthcheck command (shell); Swarm holds a task in `starting` until it passes. */
  health?: string;
}

/** A service from the fixture image on the host network; returns at once (the tests wait on the API). */
export async function createService(swarm: TestSwarm, o: ServiceOptions): Promise<string> {
  const u = o.update ?? {};
  return dockerOn(
    swarm.manager,
    'service',
    'create',
    '--detach',
    '--quiet',
    '--name',
    o.name,
    '--label',
    `${SWARM_TEST_LABEL}=1`,
    '--network',
    'host',
    ...HOST_MOUNTS.flatMap((m) => ['--mount', `type=bind,src=${m},dst=${m},ro`]),
    ...(o.global ? ['--mode', 'global'] : ['--replicas', String(o.replicas ?? 1)]),
    ...(o.constraints ?? []).flatMap((c) => ['--constraint', c]),
    ...(o.health
      ? [
          '--health-cmd',
          o.health,
          '--health-interval',
          '500ms',
          '--health-retries',
          '1',
          '--health-timeout',
          '2s',
          '--health-start-period',
          '10s',
        ]
      : []),
    '--restart-condition',
    o.restartCondition ?? 'any',
    '--restart-delay',
    o.restartDelay ?? '200ms',
    '--stop-grace-period',
    '2s',
    '--update-parallelism',
    String(u.parallelism ?? 2),
    '--update-delay',
    u.delay ?? '0s',
    '--update-monitor',
    u.monitor ?? '1s',
    '--update-order',
    u.order ?? 'stop-first',
    '--update-failure-action',
    u.failureAction ?? 'pause',
    '--rollback-parallelism',
    '0',
    '--rollback-monitor',
    '1s',
    FIXTURE_IMAGE,
    '/bin/sh',
    '-c',
    o.script,
  );
}

export interface ServiceView {
  ID: string;
  Version: { Index: number };
  Spec: {
    TaskTemplate: { ForceUpdate?: number; ContainerSpec: { Args?: string[] } };
    UpdateConfig?: { Parallelism?: number; Delay?: number; Order?: string; FailureAction?: string };
  };
  PreviousSpec?: unknown;
  UpdateStatus?: { State?: string; Message?: string };
}

export interface TaskView {
  ID: string;
  NodeID: string;
  DesiredState: string;
  Status: { State: string; ContainerStatus?: { ContainerID?: string } };
}

export async function inspectService(swarm: TestSwarm, name: string): Promise<ServiceView> {
  return (JSON.parse(await dockerOn(swarm.manager, 'service', 'inspect', name)) as ServiceView[])[0]!;
}

export async function tasksOf(swarm: TestSwarm, name: string): Promise<TaskView[]> {
  const ids = await dockerOn(swarm.manager, 'service', 'ps', '-q', '--no-trunc', name);
  if (!ids) return [];
  return JSON.parse(await dockerOn(swarm.manager, 'inspect', ...ids.split('\n'))) as TaskView[];
}

export async function runningTasks(swarm: TestSwarm, name: string): Promise<TaskView[]> {
  return (await tasksOf(swarm, name)).filter(
    (t) => t.DesiredState === 'running' && t.Status.State === 'running',
  );
}

export async function waitForService(
  swarm: TestSwarm,
  name: string,
  what: string,
  ok: (s: ServiceView, tasks: TaskView[]) => boolean,
  timeoutMs = 60_000,
): Promise<void> {
  await waitUntil(
    `${name}: ${what}`,
    async () => ok(await inspectService(swarm, name), await tasksOf(swarm, name)),
    timeoutMs,
  );
}

/** Tasks meant to run and running. */
export const live = (tasks: TaskView[]): TaskView[] =>
  tasks.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');

/** The engine a task runs on. */
export function engineOf(swarm: TestSwarm, task: TaskView): Engine {
  const e = swarm.engines.find((x) => x.nodeId === task.NodeID);
  if (!e) throw new Error(`no engine for node ${task.NodeID}`);
  return e;
}
