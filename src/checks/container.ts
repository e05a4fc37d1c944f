// Docker containers: running, healthy, not stuck, not crash-looping, not leaking memory. Turns the
// docker target's facts into findings (one per container); never heals. `verify` re-tests after an
// action by running the container's own healthcheck at once instead of waiting for Docker's interval.
import { z } from 'zod';
import { findingContainer } from '../core/finding.js';
import { defineCheckType, type CheckProblem, type RunContext } from './check-type.js';
import type { CheckConfigView } from '../core/config-view.js';
import type { Check, CheckFacts, CheckResult, Finding, IssueCode, VerifyResult } from '../core/types.js';
import {
  containerName,
  healthcheckArgv,
  type ContainerInspectInfo,
  type DockerEvent,
  type DockerTarget,
  type MemoryStats,
} from '../targets/docker.js';
import { MAX_COUNT, MAX_MINUTES, MAX_SECONDS } from '../config/limits.js';

export const CONTAINER_DEFAULTS = {
  start_period_seconds: 60,
  crash_loop_restarts: 3,
  crash_loop_window_minutes: 5,
  memory_limit_percent: 90,
} as const;

/** Which `healing_actions.<code>` entry may hold each threshold (the documented way); a check's own option wins. */
const THRESHOLD_SOURCES: Record<keyof typeof CONTAINER_DEFAULTS, IssueCode> = {
  start_period_seconds: 'container_stuck',
  crash_loop_restarts: 'crash_loop',
  crash_loop_window_minutes: 'crash_loop',
  memory_limit_percent: 'memory_leak',
};

export interface ContainerCheckOptions {
  container?: string;
  label?: string;
  expect?: 'running' | 'healthy';
  start_period_seconds: number;
  crash_loop_restarts: number;
  crash_loop_window_minutes: number;
  memory_limit_percent: number;
}

/** How long a crash-looping container must stay up after healing to count as fixed. */
const CRASH_LOOP_STABLE_MS = 3_000;
/**
 * A container without a healthcheck has only "running" to go by, and one that exits at once is
 * "running" for a moment after its start: it must stay up this long with no `die` to count as fixed.
 */
const RUNNING_STABLE_MS = 1_000;
/** Health output kept in evidence. */
const HEALTH_OUTPUT_CHARS = 500;
const MIB = 1024 * 1024;

function configNumber(config: CheckConfigView | undefined, code: IssueCode, key: string): number | undefined {
  const v = config?.healing_actions?.[code]?.[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

export function resolveContainerOptions(
  own: Partial<ContainerCheckOptions>,
  config: CheckConfigView | undefined,
): ContainerCheckOptions {
  const pick = (key: keyof typeof CONTAINER_DEFAULTS): number =>
    own[key] ?? configNumber(config, THRESHOLD_SOURCES[key], key) ?? CONTAINER_DEFAULTS[key];
  return {
    container: own.container,
    label: own.label,
    expect: own.expect,
    start_period_seconds: pick('start_period_seconds'),
    crash_loop_restarts: pick('crash_loop_restarts'),
    crash_loop_window_minutes: pick('crash_loop_window_minutes'),
    memory_limit_percent: pick('memory_limit_percent'),
  };
}

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

/** The container a finding is about (remedies and verify act on it). */

/** Docker durations are nanoseconds. */
function nsToMs(ns: number | undefined): number {
  return ns ? ns / 1e6 : 0;
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

function mib(bytes: number): string {
  return `${round1(bytes / MIB)} MiB`;
}

function hasRestartPolicy(info: ContainerInspectInfo): boolean {
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

interface MemoryReading extends MemoryStats {
  workingSet: number;
  percent: number;
}

interface Observation {
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

async function observe(
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

function healthOf(info: ContainerInspectInfo): string | undefined {
  return info.State.Health?.Status;
}

function stateWords(info: ContainerInspectInfo): string {
  const s = info.State;
  if (s.Paused) return 'paused';
  if (s.Restarting) return 'restarting';
  if (!s.Running) return `${s.Status} (exit code ${s.ExitCode})`;
  const h = healthOf(info);
  return h && h !== 'none' ? `running, ${h}` : 'running';
}

function evidenceOf(ob: Observation, o: ContainerCheckOptions): Record<string, unknown> {
  const s = ob.info.State;
  const lastHealth = s.Health?.Log?.at(-1);
  const ev: Record<string, unknown> = {
    container: ob.name,
    id: ob.info.Id.slice(0, 12),
    state: s.Status,
    health: healthOf(ob.info) ?? null,
    exit_code: s.ExitCode,
    restart_count: ob.info.RestartCount,
    restart_policy: ob.info.HostConfig.RestartPolicy?.Name || 'no',
    oom_killed: s.OOMKilled,
    started_at: s.StartedAt,
    crash_exits: ob.crashes.length,
    crash_loop_window_minutes: o.crash_loop_window_minutes,
  };
  if (s.Error) ev.error = s.Error;
  if (ob.oomEvents) ev.oom_events = ob.oomEvents;
  if (lastHealth) {
    ev.last_health_exit_code = lastHealth.ExitCode;
    ev.last_health_output = lastHealth.Output.trim().slice(0, HEALTH_OUTPUT_CHARS);
  }
  if (ob.memory) {
    ev.memory = {
      usage_bytes: ob.memory.usage,
      inactive_file_bytes: ob.memory.inactiveFile,
      working_set_bytes: ob.memory.workingSet,
      limit_bytes: ob.memory.limit,
      percent: ob.memory.percent,
    };
  }
  return ev;
}

/** The one finding for a container, most specific cause first; undefined when it is fine. */
export function judge(
  ob: Observation,
  o: ContainerCheckOptions,
  checkId: string,
  now = Date.now(),
): Finding | undefined {
  const { info, name } = ob;
  const s = info.State;
  const base = (code: IssueCode, message: string): Finding => ({
    code,
    checkId,
    target: name,
    targetKey: `container:${name}`,
    message,
    evidence: evidenceOf(ob, o),
    params: { container: name },
  });
  const expectHealthy = o.expect !== 'running' && ob.hasHealthcheck;

  if (ob.restartingTwice || ob.crashes.length >= o.crash_loop_restarts) {
    const why =
      ob.crashes.length >= o.crash_loop_restarts
        ? `${ob.crashes.length} exits in ${o.crash_loop_window_minutes} min, last exit code ${ob.crashes.at(-1)?.attributes.exitCode ?? s.ExitCode}`
        : 'restarting';
    return {
      ...base('crash_loop', `Docker container '${name}' in a crash loop (${why})`),
      recommendation: `Read the logs of '${name}' (docker logs ${name}) for why it exits; recreating only helps when its writable layer is the cause`,
    };
  }
  // On a running container State.OOMKilled may be left over from before a restart: only the events count then.
  if ((!s.Running && s.OOMKilled) || ob.oomEvents > 0) {
    const limit = info.HostConfig.Memory ?? 0;
    return {
      ...base(
        'memory_leak',
        `Docker container '${name}' ran out of memory (OOM-killed${limit ? ` at its ${mib(limit)} limit` : ''})`,
      ),
      recommendation: `Find what grows in '${name}' or raise its memory limit${limit ? ` (now ${mib(limit)})` : ''}`,
    };
  }
  if (s.Paused) return base('container_stuck', `Docker container '${name}' stuck (paused)`);
  if (!s.Running && !s.Restarting) {
    const exit = s.Status === 'created' ? 'never started' : `${s.Status}, exit code ${s.ExitCode}`;
    return base('container_not_running', `Docker container '${name}' not running (${exit})`);
  }
  const health = healthOf(info);
  if (expectHealthy && health === 'unhealthy') {
    return base('container_unhealthy', `Docker container '${name}' unhealthy`);
  }
  if (expectHealthy && health === 'starting') {
    const hc = info.Config.Healthcheck;
    const startPeriodMs = nsToMs(hc?.StartPeriod) || o.start_period_seconds * 1000;
    // The first probe that counts comes up to one interval after the start period.
    const graceMs = startPeriodMs + (nsToMs(hc?.Interval) || 30_000);
    const startedMs = Date.parse(s.StartedAt);
    const forMs = now - startedMs;
    if (Number.isFinite(startedMs) && forMs > graceMs) {
      return base(
        'container_stuck',
        `Docker container '${name}' stuck (health starting for ${Math.round(forMs / 1000)} s)`,
      );
    }
  }
  const limit = info.HostConfig.Memory ?? 0;
  if (limit > 0 && ob.memory && ob.memory.percent >= o.memory_limit_percent) {
    return {
      ...base(
        'memory_leak',
        `Docker container '${name}' memory at ${Math.round(ob.memory.percent)}% of its ${mib(limit)} limit`,
      ),
      recommendation: `Find what grows in '${name}' or raise its memory limit (now ${mib(limit)})`,
    };
  }
  return undefined;
}

function summaryOf(ob: Observation, o: ContainerCheckOptions): string {
  let text = stateWords(ob.info);
  if (ob.info.State.Running && !ob.hasHealthcheck) {
    text +=
      o.expect === 'healthy' ? ', no healthcheck (expect: healthy cannot be checked)' : ', no healthcheck';
  }
  if (ob.memory && (ob.info.HostConfig.Memory ?? 0) > 0) text += `, memory ${Math.round(ob.memory.percent)}%`;
  return text;
}

function recommendationsOf(ob: Observation): string[] {
  const out: string[] = [];
  if (!ob.hasHealthcheck) {
    out.push(
      `Add a healthcheck to container '${ob.name}' (HEALTHCHECK in its image or healthcheck: in compose) so its readiness can be verified`,
    );
  }
  if (!hasRestartPolicy(ob.info)) {
    out.push(
      `Set a restart policy on container '${ob.name}' (restart: unless-stopped) so Docker brings it back after a crash`,
    );
  }
  return out;
}

function notFound(checkId: string, o: ContainerCheckOptions): Finding {
  const what = o.container ?? o.label ?? '';
  const byLabel = !o.container;
  return {
    code: 'container_not_running',
    checkId,
    target: what,
    targetKey: byLabel ? `container:label:${what}` : `container:${what}`,
    message: byLabel ? `No Docker container has label ${what}` : `Docker container '${what}' does not exist`,
    evidence: byLabel ? { label: what, matched: 0 } : { container: what, exists: false },
    params: byLabel ? { label: what } : { container: what },
    manual: byLabel
      ? `No container has label ${what}: create it (docker compose up -d)`
      : `Container ${what} does not exist: create it (docker compose up -d)`,
  };
}

async function runContainerCheck(
  checkId: string,
  o: ContainerCheckOptions,
  ctx: RunContext,
): Promise<CheckResult> {
  const docker = ctx.targets.docker();
  const found = await docker.findContainers(o.container ? { name: o.container } : { label: o.label }, {
    signal: ctx.signal,
  });
  if (found.length === 0) return { findings: [notFound(checkId, o)], summary: 'not found' };

  const observations = await Promise.all(found.map((c) => observe(docker, c.Id, o, ctx)));
  const findings = observations.map((ob) => judge(ob, o, checkId)).filter((f): f is Finding => !!f);
  const names = observations.map((ob) => ob.name);
  const composes = observations.map((ob) => composeFacts(ob.info.Config.Labels)).filter((c) => !!c);
  const facts: CheckFacts = { containers: names };
  if (composes[0]) facts.compose = composes[0];
  if (composes.length > 1) facts.composeServices = composes;

  const summary =
    observations.length === 1
      ? summaryOf(observations[0], o)
      : `${observations.length} containers: ${observations.map((ob) => `${ob.name} ${summaryOf(ob, o)}`).join('; ')}`;
  const recommendations = [...new Set(observations.flatMap(recommendationsOf))];
  return { findings, facts, summary, recommendations };
}

/**
 * Resolves as soon as the finding's container runs, is not paused, and — when it has a healthcheck —
 * passes that healthcheck run now via exec. Event-driven (the target re-inspects on each of the
 * container's events) with short fallback polls. A crash loop must also stay up a few seconds.
 */
async function verifyContainer(
  o: ContainerCheckOptions,
  finding: Finding,
  ctx: RunContext,
  timeoutMs: number,
): Promise<VerifyResult> {
  const name = findingContainer(finding);
  if (finding.manual && finding.params?.label) {
    return { ok: false, detail: `Still no container with label ${String(finding.params.label)}` };
  }
  const docker = ctx.targets.docker();
  const end = Date.now() + timeoutMs;
  let healthOutput: string | undefined;
  let healthRan = false;
  let memoryNote: string | undefined;

  const ready = async (info: ContainerInspectInfo): Promise<boolean> => {
    const s = info.State;
    if (!s.Running || s.Paused || s.Restarting) return false;
    if (finding.code === 'memory_leak' && (info.HostConfig.Memory ?? 0) > 0) {
      const m = await readMemory(docker, info.Id, ctx.signal);
      memoryNote = `memory at ${Math.round(m.percent)}%`;
      if (m.percent >= o.memory_limit_percent) return false;
    }
    if (o.expect === 'running' || !healthcheckArgv(info)) return true;
    const r = await docker.runHealthcheck(info.Id, {
      info,
      timeoutMs: Math.max(1, end - Date.now()),
      signal: ctx.signal,
    });
    healthRan = true;
    // A probe cut short by the end of this wait says less than the last one that finished.
    if (!r.timedOut || healthOutput === undefined) healthOutput = r.output;
    return r.ok;
  };

  for (;;) {
    const remaining = end - Date.now();
    const waited = await docker.waitFor(name, ready, Math.max(0, remaining), { signal: ctx.signal });
    if (!waited.ok || !waited.info) {
      const seen = waited.info ? stateWords(waited.info) : (waited.error?.message ?? 'unknown state');
      const parts = [`Container '${name}' still ${seen}`];
      if (healthRan && healthOutput) parts.push(`healthcheck: ${healthOutput.slice(0, 200)}`);
      if (memoryNote) parts.push(memoryNote);
      return { ok: false, detail: parts.join('; ') };
    }
    const detail = healthRan ? 'Container healthy (healthcheck passed)' : 'Container running';
    const stableMs = finding.code === 'crash_loop' ? CRASH_LOOP_STABLE_MS : healthRan ? 0 : RUNNING_STABLE_MS;
    if (stableMs === 0) return { ok: true, detail: memoryNote ? `${detail}, ${memoryNote}` : detail };

    // Fixed only when the container stays up: no die for a while after its start.
    const startedMs = Date.parse(waited.info.State.StartedAt);
    const upMs = Number.isFinite(startedMs) ? Date.now() - startedMs : 0;
    const watchMs = Math.min(Math.max(0, stableMs - upMs), end - Date.now());
    const died =
      watchMs > 0
        ? await docker.waitForEvent(waited.info.Id, ['die'], watchMs, { signal: ctx.signal }).catch(
            // Without an event stream, the observation window still has to pass; the inspection below decides.
            () => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), watchMs)),
          )
        : undefined;
    const after = await docker.inspect(waited.info.Id, { signal: ctx.signal }).catch(() => undefined);
    const stable = !died && after?.State.Running && after.State.StartedAt === waited.info.State.StartedAt;
    const stableFor =
      Math.round((Date.now() - (Number.isFinite(startedMs) ? startedMs : Date.now())) / 100) / 10;
    if (stable && stableFor * 1000 >= stableMs)
      return {
        ok: true,
        detail:
          finding.code === 'crash_loop'
            ? `${detail}, up ${stableFor} s without exiting`
            : memoryNote
              ? `${detail}, ${memoryNote}`
              : detail,
      };
    if (Date.now() >= end) {
      return {
        ok: false,
        detail: died
          ? `Container '${name}' exited again (exit code ${died.attributes.exitCode ?? '?'}) within ${stableMs / 1000} s of starting`
          : `Container '${name}' not up for ${stableMs / 1000} s yet`,
      };
    }
  }
}

export const containerCheck = defineCheckType({
  type: 'container',
  targets: ['docker'],
  description:
    '`container` (name) or `label` (`key=value`); `expect` (`running` \\| `healthy`; default healthy when the container has a healthcheck); `start_period_seconds` 60; `crash_loop_restarts` 3 within `crash_loop_window_minutes` 5; `memory_limit_percent` 90',
  codes: {
    container_not_running: {
      title: 'Container not running',
      action: 'start_container',
      risk: 'low',
      docs: { when: 'state `exited`/`created`/`dead`' },
    },
    container_unhealthy: {
      title: 'Container unhealthy',
      action: 'restart_container',
      risk: 'low',
      docs: { when: 'health `unhealthy`' },
    },
    container_stuck: {
      title: 'Container stuck',
      action: 'force_restart_container',
      risk: 'medium',
      docs: {
        when: '`paused`, or health `starting` far past its start period',
        action: '`force_restart_container` (unpause, or kill + start)',
      },
    },
    crash_loop: {
      title: 'Crash loop',
      action: 'recreate_container',
      risk: 'high',
      docs: {
        when: '≥ 3 `die` events within 5 min, or `restarting` across samples',
        action: '`recreate_container` (same config, fresh writable layer, volumes kept)',
      },
    },
    memory_leak: {
      title: 'Memory leak',
      action: 'restart_application',
      risk: 'high',
      docs: { when: 'usage − inactive_file ≥ 90 % of the limit, or OOM-killed' },
    },
  },
  options: z.strictObject({
    container: z.string().min(1).optional().describe('Container name (or id).'),
    label: z
      .string()
      .regex(/^[^=]+=.*$/, 'use key=value')
      .optional()
      .describe('Select containers by label key=value.'),
    expect: z
      .enum(['running', 'healthy'])
      .optional()
      .describe('Default: healthy when the container has a healthcheck.'),
    start_period_seconds: z
      .number()
      .nonnegative()
      .max(MAX_SECONDS)
      .optional()
      .describe(
        "Health `starting` longer than this (plus one interval) is stuck; the container's own start period wins. Default: healing_actions.container_stuck.start_period_seconds, else 60.",
      ),
    crash_loop_restarts: z
      .number()
      .int()
      .positive()
      .max(MAX_COUNT)
      .optional()
      .describe(
        'Exits within the window that make a crash loop. Default: healing_actions.crash_loop.crash_loop_restarts, else 3.',
      ),
    crash_loop_window_minutes: z
      .number()
      .positive()
      .max(MAX_MINUTES)
      .optional()
      .describe('Default: healing_actions.crash_loop.crash_loop_window_minutes, else 5.'),
    memory_limit_percent: z
      .number()
      .positive()
      .max(100)
      .optional()
      .describe(
        'Memory (usage − inactive_file) of the limit that counts as a leak. Default: healing_actions.memory_leak.memory_limit_percent, else 90.',
      ),
  }),
  validate(o): CheckProblem[] {
    if (!o.container && !o.label)
      return [{ path: [], message: 'a container check needs `container` (name) or `label` (key=value)' }];
    if (o.container && o.label)
      return [{ path: [], message: 'give either `container` or `label`, not both' }];
    return [];
  },
  create(spec, config): Check {
    if (!spec.options.container && !spec.options.label) {
      throw new Error(`Check '${spec.id}' (container): set 'container' (a name) or 'label' (key=value)`);
    }
    if (spec.options.container && spec.options.label) {
      throw new Error(`Check '${spec.id}' (container): set either 'container' or 'label', not both`);
    }
    const o = resolveContainerOptions(spec.options, config);
    return {
      id: spec.id,
      type: 'container',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: { ...o },
      run: (ctx: RunContext) => runContainerCheck(spec.id, o, ctx),
      verify: (finding: Finding, ctx: RunContext, timeoutMs: number) =>
        verifyContainer(o, finding, ctx, timeoutMs),
      // One finding per container: a container that now crash-loops instead of being stopped is not fixed.
      exclusiveFindings: true,
    };
  },
});
