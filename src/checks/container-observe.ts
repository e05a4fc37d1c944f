// What the container check observes of one container: its inspection, the crash and OOM events of the
// window, and its memory. Docker's facts only; judging them is container-judge.ts.
import type { CheckFacts } from '../core/types.js';
import {
  containerName,
  healthcheckArgv,
  type ContainerInspectInfo,
  type DockerEvent,
  type DockerTarget,
  type MemoryStats,
} from '../targets/docker/index.js';
import type { RunContext } from './check-type.js';
import type { ContainerCheckOptions } from './container-options.js';

const MIB = 1024 * 1024;

/**
 * Compose's `com.docker.compose.depends_on` label: comma-separated `service`,
 * `service:condition` or `service:condition:restart` entries. Returns the service names.
 */
export function parseComposeDependsOn(label: string | undefined): string[] {
  if (!label) return [];
  const out: string[] = [];
  for (const entry of label.split(',')) {
    const service = entry.trim().split(':')[0]?.trim();
    if (service && !out.includes(service)) out.push(service);
  }
  return out;
}

/** The Compose identity of a container, when Compose made it. */
export function composeFacts(labels: Record<string, string> | undefined): CheckFacts['compose'] | undefined {
  const project = labels?.['com.docker.compose.project'];
  const service = labels?.['com.docker.compose.service'];
  if (!project || !service) return undefined;
  return { project, service, dependsOn: parseComposeDependsOn(labels['com.docker.compose.depends_on']) };
}

/** Docker durations are nanoseconds. */
export function nsToMs(ns: number | undefined): number {
  return ns ? ns / 1e6 : 0;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function mib(bytes: number): string {
  return `${round1(bytes / MIB)} MiB`;
}

export function hasRestartPolicy(info: ContainerInspectInfo): boolean {
  const name = info.HostConfig.RestartPolicy?.Name ?? '';
  return name !== '' && name !== 'no';
}

/**
 * Dies Docker was not asked for: a die counts unless a `kill` event (docker stop / restart / kill,
 * Orixoon's own actions included) came since the container's last start. OOM kills come from the
 * kernel, so they count.
 */
export function unrequestedDies(events: DockerEvent[]): DockerEvent[] {
  const out: DockerEvent[] = [];
  let killRequested = false;
  for (const ev of [...events].sort((a, b) => a.timeNano - b.timeNano)) {
    if (ev.action === 'start') killRequested = false;
    else if (ev.action === 'kill') killRequested = true;
    else if (ev.action === 'die') {
      if (!killRequested) out.push(ev);
      killRequested = false;
    }
  }
  return out;
}

/**
 * OOM kills since the container was last started on purpose. Docker 20.10 keeps State.OOMKilled from
 * the previous exit even after a restart, so the events decide: a start counts as a fresh start unless
 * the restart policy made it after an unrequested exit (then the OOM that caused the exit still counts).
 */
export function oomsSinceDeliberateStart(events: DockerEvent[], restartPolicy: boolean): number {
  let resetAt = -Infinity;
  let killRequested = false;
  let lastDieUnrequested = false;
  const sorted = [...events].sort((a, b) => a.timeNano - b.timeNano);
  for (const ev of sorted) {
    if (ev.action === 'start') {
      if (!restartPolicy || !lastDieUnrequested) resetAt = ev.timeNano;
      killRequested = false;
      lastDieUnrequested = false;
    } else if (ev.action === 'kill') killRequested = true;
    else if (ev.action === 'die') {
      lastDieUnrequested = !killRequested;
      killRequested = false;
    }
  }
  return sorted.filter((e) => e.action === 'oom' && e.timeNano >= resetAt).length;
}

export interface MemoryReading extends MemoryStats {
  workingSet: number;
  percent: number;
}

export interface Observation {
  name: string;
  info: ContainerInspectInfo;
  /** Restarting in two samples taken apart (a restart loop Docker itself drives). */
  restartingTwice: boolean;
  crashes: DockerEvent[];
  oomEvents: number;
  memory?: MemoryReading;
  hasHealthcheck: boolean;
}

export async function readMemory(
  docker: DockerTarget,
  id: string,
  signal: AbortSignal,
): Promise<MemoryReading> {
  const s = await docker.stats(id, { signal });
  const workingSet = Math.max(0, s.usage - s.inactiveFile);
  return { ...s, workingSet, percent: s.limit > 0 ? round1((workingSet / s.limit) * 100) : 0 };
}

export async function observe(
  docker: DockerTarget,
  id: string,
  o: ContainerCheckOptions,
  ctx: RunContext,
): Promise<Observation> {
  // The events need only the id from the list, so they are asked for beside the inspection: the
  // container checks of a phase then ask together and share one events request.
  const now = Date.now();
  const windowStart = now - o.crash_loop_window_minutes * 60_000;
  const [first, events] = await Promise.all([
    docker.inspect(id, { signal: ctx.signal }),
    docker.events(
      id,
      { actions: ['start', 'kill', 'die', 'oom'], sinceMs: windowStart, untilMs: now },
      { signal: ctx.signal },
    ),
  ]);
  const limited = (first.HostConfig.Memory ?? 0) > 0;
  const memory =
    limited && first.State.Running && !first.State.Paused
      ? await readMemory(docker, first.Id, ctx.signal)
      : undefined;
  // A second sample, taken after the queries above, tells a restart loop from one restart.
  let info = first;
  let restartingTwice = false;
  if (first.State.Restarting) {
    info = await docker.inspect(first.Id, { signal: ctx.signal });
    restartingTwice = info.State.Restarting;
  }
  return {
    name: containerName(info),
    info,
    restartingTwice,
    crashes: unrequestedDies(events),
    oomEvents: oomsSinceDeliberateStart(events, hasRestartPolicy(info)),
    memory,
    hasHealthcheck: healthcheckArgv(info) !== undefined,
  };
}
