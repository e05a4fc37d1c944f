// Remedies acting through the docker target: start, restart, force-restart (unpause, or kill and
// start) and recreate a container. Each acts on the finding's container (`params.container`, else its
// target) on the finding's engine (`params.docker_host`, else the default one), refuses protected
// containers (the engine guards too), and stays within ctx.timeoutMs.
import type { Finding, RemedyResult, Risk } from '../../core/types.js';
import type { RemedyContext, RemedyDeclaration } from './remedy.js';
import { findingContainer, findingDockerHost } from '../../core/finding.js';
import type { CallOptions, ContainerInspectInfo, DockerTarget } from '../../targets/docker/index.js';

/** Docker's own default grace period for a stop. */
const DEFAULT_STOP_SECONDS = 10;

interface Acting {
  name: string;
  docker: DockerTarget;
  info: ContainerInspectInfo;
  /** The engine it is on, when the finding names one. */
  host?: string;
  /** Bounds every call of this action: the action's timeout and the run's deadline. */
  call: CallOptions;
}

function stateOf(info: ContainerInspectInfo): string {
  const s = info.State;
  if (s.Paused) return 'paused';
  if (s.Restarting) return 'restarting';
  return s.Status;
}

function isProtected(ctx: RemedyContext, name: string, id: string): boolean {
  return ctx.protected.containers.some((p) => {
    const x = p.replace(/^\//, '');
    return x === name || (x.length >= 12 && id.startsWith(x));
  });
}

const findingHost = findingDockerHost;

/** The container as the action's line says it: `web`, or `web on app` when several engines are configured. */
function named(finding: Finding): string {
  const host = findingHost(finding);
  return host ? `${findingContainer(finding)} on ${host}` : findingContainer(finding);
}

/** Looks the container up and refuses a protected one, before anything is touched. */
async function prepare(finding: Finding, ctx: RemedyContext): Promise<Acting> {
  const name = findingContainer(finding);
  if (!name)
    throw new Error(`Finding ${finding.code} of check '${finding.checkId}' names no container to act on`);
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(Math.max(1, ctx.timeoutMs))]);
  const docker = ctx.targets.docker(findingHost(finding));
  if (isProtected(ctx, name, '')) throw protectedError(name);
  const info = await docker.inspect(name, { signal });
  const actual = info.Name.replace(/^\//, '');
  if (isProtected(ctx, actual, info.Id)) throw protectedError(actual);
  const host = findingHost(finding);
  return { name: actual, docker, info, call: { signal }, ...(host ? { host } : {}) };
}

function protectedError(name: string): Error {
  return new Error(`Container '${name}' is protected (protected.containers): Orixoon never touches it`);
}

/** The stop grace period: the container's own (StopTimeout), leaving room within the action's timeout. */
function stopSeconds(info: ContainerInspectInfo, ctx: RemedyContext): number {
  const own = (info.Config as { StopTimeout?: number }).StopTimeout ?? DEFAULT_STOP_SECONDS;
  const room = Math.floor(ctx.timeoutMs / 1000) - 2;
  return Math.max(1, Math.min(own, room));
}

/** Throws when the container did not stay running right after being started (it exited at once). */
async function confirmRunning(a: Acting, verb: string): Promise<ContainerInspectInfo> {
  const after = await a.docker.inspect(a.info.Id, a.call);
  const s = after.State;
  if (!s.Running && !s.Restarting) {
    throw new Error(
      `Container '${a.name}' ${verb} but is ${s.Status} again (exit code ${s.ExitCode}${s.Error ? `: ${s.Error}` : ''})`,
    );
  }
  return after;
}

function data(
  a: Acting,
  after: ContainerInspectInfo | undefined,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    container: a.name,
    ...(a.host ? { docker_host: a.host } : {}),
    id: a.info.Id.slice(0, 12),
    state_before: stateOf(a.info),
    ...(after ? { state_after: stateOf(after) } : {}),
    ...extra,
  };
}

async function startContainer(finding: Finding, ctx: RemedyContext): Promise<RemedyResult> {
  const a = await prepare(finding, ctx);
  const s = a.info.State;
  if (s.Paused) {
    await a.docker.unpause(a.info.Id, a.call);
    return { details: 'Container unpaused', data: data(a, await confirmRunning(a, 'was unpaused')) };
  }
  if (s.Running) return { details: 'Container already running', data: data(a, a.info) };
  await a.docker.start(a.info.Id, a.call);
  return { details: 'Container started successfully', data: data(a, await confirmRunning(a, 'was started')) };
}

async function restartContainer(finding: Finding, ctx: RemedyContext): Promise<RemedyResult> {
  const a = await prepare(finding, ctx);
  // A paused container's processes cannot take the stop signal: thaw it first.
  if (a.info.State.Paused) await a.docker.unpause(a.info.Id, a.call);
  if (a.info.State.Running || a.info.State.Restarting) {
    await a.docker.restart(a.info.Id, stopSeconds(a.info, ctx), a.call);
  } else {
    await a.docker.start(a.info.Id, a.call);
  }
  return {
    details: 'Container restarted successfully',
    data: data(a, await confirmRunning(a, 'was restarted')),
  };
}

async function forceRestartContainer(finding: Finding, ctx: RemedyContext): Promise<RemedyResult> {
  const a = await prepare(finding, ctx);
  if (a.info.State.Paused) {
    await a.docker.unpause(a.info.Id, a.call);
    return {
      details: 'Container unpaused',
      data: data(a, await confirmRunning(a, 'was unpaused'), { how: 'unpause' }),
    };
  }
  if (a.info.State.Running || a.info.State.Restarting) {
    await a.docker.kill(a.info.Id, 'SIGKILL', a.call);
    // The kill returns once the signal is sent; start only after the container has really exited.
    const left = Math.max(1, ctx.timeoutMs - 1000);
    const exited = await a.docker.waitFor(a.info.Id, (i) => !i.State.Running, left, {
      signal: a.call.signal,
    });
    if (!exited.ok)
      throw new Error(`Container '${a.name}' still running ${Math.round(left / 1000)} s after SIGKILL`);
  }
  await a.docker.start(a.info.Id, a.call);
  return {
    details: 'Container killed and started again',
    data: data(a, await confirmRunning(a, 'was killed and started'), { how: 'kill+start' }),
  };
}

async function recreateContainer(finding: Finding, ctx: RemedyContext): Promise<RemedyResult> {
  const a = await prepare(finding, ctx);
  const newId = await a.docker.recreate(a.info.Id, a.call);
  const after = await a.docker.inspect(newId, a.call);
  if (!after.State.Running && !after.State.Restarting) {
    throw new Error(
      `Container '${a.name}' recreated but is ${after.State.Status} (exit code ${after.State.ExitCode})`,
    );
  }
  const volumes = after.Mounts.filter((m) => m.Type === 'volume').map((m) => m.Name ?? m.Destination);
  return {
    details: 'Container recreated (fresh writable layer, volumes kept)',
    data: data(a, after, {
      old_id: a.info.Id.slice(0, 12),
      new_id: newId.slice(0, 12),
      volumes_kept: volumes,
    }),
  };
}

function restartRemedy(action: string, risk: Risk): RemedyDeclaration {
  return {
    action,
    category: 'container',
    risk,
    system: 'docker',
    describe: (f) => `Restarting ${named(f)} container...`,
    run: restartContainer,
  };
}

export const dockerRemedies: RemedyDeclaration[] = [
  {
    action: 'start_container',
    category: 'container',
    risk: 'low',
    system: 'docker',
    describe: (f) => `Starting ${named(f)} container...`,
    run: startContainer,
  },
  restartRemedy('restart_container', 'low'),
  {
    action: 'force_restart_container',
    category: 'container',
    risk: 'medium',
    system: 'docker',
    describe: (f) =>
      f.evidence.state === 'paused' || /paused/.test(f.message)
        ? `Unpausing ${named(f)} container...`
        : `Force-restarting ${named(f)} container (kill and start)...`,
    run: forceRestartContainer,
  },
  {
    action: 'recreate_container',
    category: 'container',
    risk: 'high',
    system: 'docker',
    describe: (f) => `Recreating ${named(f)} container (fresh writable layer, volumes kept)...`,
    run: recreateContainer,
  },
  restartRemedy('restart_application', 'high'),
  restartRemedy('restart_service', 'medium'),
  restartRemedy('restart_worker', 'low'),
];
