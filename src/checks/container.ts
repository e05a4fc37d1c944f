// Docker containers: running, healthy, not stuck, not crash-looping, not leaking memory. Turns the
// docker target's facts into findings (one per container); never heals. `verify` re-tests after an
// action by running the container's own healthcheck at once instead of waiting for Docker's interval.
import * as z from 'zod';
import { findingContainer } from '../core/finding.js';
import { defineCheckType, type CheckProblem, type HealingPlan, type RunContext } from './check-type.js';
import type { Check, CheckFacts, CheckResult, Finding, VerifyResult } from '../core/types.js';
import { healthcheckArgv, type ContainerInspectInfo } from '../targets/docker/index.js';
import { MAX_COUNT, MAX_MINUTES, MAX_SECONDS } from '../config/limits.js';
import { dockerHostOption } from './docker-host.js';
import { resolveContainerOptions, type ContainerCheckOptions } from './container-options.js';
import { composeFacts, observe, readMemory } from './container-observe.js';
import { judge, notFound, recommendationsOf, stateWords, summaryOf } from './container-judge.js';

export {
  CONTAINER_DEFAULTS,
  resolveContainerOptions,
  type ContainerCheckOptions,
} from './container-options.js';
export {
  composeFacts,
  oomsSinceDeliberateStart,
  parseComposeDependsOn,
  readMemory,
  unrequestedDies,
} from './container-observe.js';
export { judge } from './container-judge.js';

/** How long a crash-looping container must stay up after healing to count as fixed. */
const CRASH_LOOP_STABLE_MS = 3_000;
/**
 * A container without a healthcheck has only "running" to go by, and one that exits at once is
 * "running" for a moment after its start: it must stay up this long with no `die` to count as fixed.
 */
const RUNNING_STABLE_MS = 1_000;

async function runContainerCheck(
  checkId: string,
  o: ContainerCheckOptions,
  ctx: RunContext,
): Promise<CheckResult> {
  const docker = ctx.targets.docker(o.docker_host);
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
  if (finding.facts?.missing && finding.params?.label) {
    return { ok: false, detail: `Still no container with label ${String(finding.params.label)}` };
  }
  const docker = ctx.targets.docker(o.docker_host);
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

/** A container that does not exist cannot be started: it is created by whoever deploys it. */
function missingContainerPlan(f: Finding): HealingPlan | undefined {
  if (!f.facts?.missing) return undefined;
  return typeof f.params?.label === 'string'
    ? { manual: `No container has label ${f.params.label}: create it (docker compose up -d)` }
    : { manual: `Container ${f.target} does not exist: create it (docker compose up -d)` };
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
      advice: 'Check the container logs (docker logs <name>) for why it exits',
      docs: { when: 'state `exited`/`created`/`dead`' },
      plan: missingContainerPlan,
    },
    container_unhealthy: {
      title: 'Container unhealthy',
      action: 'restart_container',
      risk: 'low',
      advice: 'Check the healthcheck command and the application logs for the crash cause',
      docs: { when: 'health `unhealthy`' },
    },
    container_stuck: {
      title: 'Container stuck',
      action: 'force_restart_container',
      risk: 'medium',
      advice: 'Inspect the container (docker inspect) and the host for hung I/O',
      docs: {
        when: '`paused`, or health `starting` far past its start period',
        action: '`force_restart_container` (unpause, or kill + start)',
      },
    },
    crash_loop: {
      title: 'Crash loop',
      action: 'recreate_container',
      risk: 'high',
      advice: 'Check application logs for crash cause; fix the image or its config before deploying',
      docs: {
        when: '≥ 3 `die` events within 5 min, or `restarting` across samples',
        action: '`recreate_container` (same config, fresh writable layer, volumes kept)',
      },
    },
    memory_leak: {
      title: 'Memory leak',
      action: 'restart_application',
      risk: 'high',
      advice: 'Profile the application memory or raise its memory limit',
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
    docker_host: dockerHostOption,
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
