// Docker Swarm services on a manager engine: every replica running (one per eligible node for a global
// service), no crash loop, no update or rollback left paused. One finding per service, most specific
// cause first; never heals. `verify` waits for Swarm's own convergence after an action.
import { resolveDockerHost } from '../targets/docker/hosts.js';
import * as z from 'zod';
import { defineCheckType, type HealingPlan, type RunContext } from './check-type.js';
import type { CheckConfigView } from '../core/config-view.js';
import type { Check, CheckResult, Finding, IssueCode, VerifyResult } from '../core/types.js';
import {
  SwarmClient,
  isConverged,
  serviceMode,
  serviceState,
  swarmHost,
  type ServiceState,
  type SwarmHost,
  type SwarmNode,
  type SwarmService,
} from '../targets/swarm.js';
import { MAX_COUNT, MAX_MINUTES, MAX_SECONDS } from '../config/limits.js';
import { delay } from '../support/abortable.js';

export const SWARM_SERVICE_DEFAULTS = {
  start_period_seconds: 60,
  crash_loop_failures: 3,
  crash_loop_window_minutes: 5,
} as const;

/** Which `healing_actions.<code>` entry may hold each threshold; a check's own option wins. */
const THRESHOLD_SOURCES: Record<keyof typeof SWARM_SERVICE_DEFAULTS, IssueCode> = {
  start_period_seconds: 'service_replicas_missing',
  crash_loop_failures: 'service_crash_loop',
  crash_loop_window_minutes: 'service_crash_loop',
};

export interface SwarmServiceOptions {
  service?: string;
  label?: string;
  host?: string;
  start_period_seconds: number;
  crash_loop_failures: number;
  crash_loop_window_minutes: number;
  timeout_seconds: number;
  converge_timeout_seconds: number;
}

/** How often the re-test asks Swarm how far it got. */
const CONVERGE_POLL_MS = 500;
/** Converged must hold this long, with no task failing, to count as fixed (a crash loop is briefly "running"). */
const CONVERGED_STABLE_MS = 2_000;
const TASK_ERROR_CHARS = 300;

function configNumber(config: CheckConfigView | undefined, code: IssueCode, key: string): number | undefined {
  const v = config?.healing_actions?.[code]?.[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Service names the config protects: `protected.containers` names a service as it names a container. */
function protectedNames(config: CheckConfigView | undefined): string[] {
  const p = (config?.protected as { containers?: unknown } | undefined)?.containers;
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string') : [];
}

/** The manager a check talks to: its own `host`, else the run's Docker host, else DOCKER_HOST / the local socket. */
function clientFor(o: Pick<SwarmServiceOptions, 'host' | 'timeout_seconds'>, ctx: RunContext): SwarmClient {
  return new SwarmClient(
    swarmHost(o.host ?? resolveDockerHost(ctx.targets.settings.docker).settings.host, ctx.env),
    o.timeout_seconds * 1000,
  );
}

export function serviceTarget(name: string, host: SwarmHost): { target: string; targetKey: string } {
  return {
    target: `swarm service ${name} on ${host.display}`,
    targetKey: `swarm-service:${name}@${host.display}`,
  };
}

interface Judged {
  service: SwarmService;
  state: ServiceState;
}

function evidenceOf(
  { service, state }: Judged,
  o: SwarmServiceOptions,
  now: number,
): Record<string, unknown> {
  const last = state.recentFailures.at(-1);
  const ev: Record<string, unknown> = {
    service: service.Spec.Name,
    service_id: service.ID.slice(0, 12),
    version: service.Version.Index,
    mode: state.mode,
    desired_tasks: state.desired,
    running_tasks: state.running,
    starting_tasks: state.starting,
    nodes_running: state.runningNodes.length,
    image: service.Spec.TaskTemplate?.ContainerSpec?.Image ?? null,
    update_state: state.updateState ?? null,
    task_failures: state.recentFailures.length,
    crash_loop_window_minutes: o.crash_loop_window_minutes,
    unchanged_for_seconds: Math.round((now - state.lastChangeAt) / 100) / 10,
    has_previous_spec: service.PreviousSpec !== undefined,
  };
  if (state.updateMessage) ev.update_message = state.updateMessage;
  if (last) {
    ev.last_failure = {
      state: last.Status.State,
      at: last.Status.Timestamp,
      exit_code: last.Status.ContainerStatus?.ExitCode ?? null,
      error: (last.Status.Err ?? last.Status.Message ?? '').slice(0, TASK_ERROR_CHARS),
    };
  }
  return ev;
}

/** The one finding for a service, most specific cause first; undefined when it is fine (or still within its start period). */
export function judgeService(
  judged: Judged,
  o: SwarmServiceOptions,
  checkId: string,
  host: SwarmHost,
  now: number,
  protectedServices: string[] = [],
): Finding | undefined {
  const { service, state } = judged;
  const name = service.Spec.Name;
  const who = `Swarm service '${name}' on ${host.display}`;
  const base = (code: IssueCode, message: string): Finding => {
    const f: Finding = {
      code,
      checkId,
      ...serviceTarget(name, host),
      message,
      evidence: evidenceOf(judged, o, now),
      params: { service: name, service_id: service.ID, host: host.display, version: service.Version.Index },
    };
    if (protectedServices.includes(name))
      needsPerson(f, `swarm service '${name}' is protected (protected.containers): never touched`);
    return f;
  };
  const psHint = `docker service ps --no-trunc ${name}`;

  if (state.updateState === 'paused' || state.updateState === 'rollback_paused') {
    const rollback = state.updateState === 'rollback_paused';
    const f = base(
      'service_update_paused',
      `${who}: ${rollback ? 'rollback' : 'update'} paused${state.updateMessage ? ` (${state.updateMessage})` : ''}`,
    );
    if (rollback)
      needsPerson(
        f,
        `the rollback of '${name}' itself paused: read ${psHint}, then fix the spec and update it by hand`,
      );
    else if (!service.PreviousSpec)
      needsPerson(
        f,
        `'${name}' has no previous spec to roll back to: read ${psHint}, then update it by hand`,
      );
    f.recommendation = `Read why the new tasks of '${name}' failed (${psHint}) before updating it again`;
    return f;
  }

  if (state.recentFailures.length >= o.crash_loop_failures) {
    const last = state.recentFailures.at(-1);
    const exit = last?.Status.ContainerStatus?.ExitCode;
    const f = base(
      'service_crash_loop',
      `${who} in a crash loop (${state.recentFailures.length} task failures in ${o.crash_loop_window_minutes} min${exit !== undefined ? `, last exit code ${exit}` : ''}; ${state.running}/${state.desired} running)`,
    );
    if (!service.PreviousSpec)
      needsPerson(f, `'${name}' has no previous spec to roll back to: read ${psHint} for why its tasks exit`);
    f.recommendation = `Read why the tasks of '${name}' exit (${psHint}); a rollback only helps when the last change caused it`;
    return f;
  }

  // Swarm is rolling the service over: fewer tasks run for a while by design (stop-first).
  const updating = state.updateState === 'updating' || state.updateState === 'rollback_started';
  if (state.running < state.desired && !updating) {
    const missingFor = now - state.lastChangeAt;
    if (missingFor <= o.start_period_seconds * 1000) return undefined;
    const shape = state.mode === 'global' ? 'eligible nodes' : 'replicas';
    return base(
      'service_replicas_missing',
      `${who}: ${state.running}/${state.desired} ${shape} running for ${Math.round(missingFor / 1000)}s (start period ${o.start_period_seconds}s)`,
    );
  }
  return undefined;
}

/** The services a check selects, each with its tasks; nodes only when a global service needs them. */
async function observe(
  client: SwarmClient,
  o: SwarmServiceOptions,
  signal: AbortSignal,
): Promise<{ services: SwarmService[]; judged: (now: number) => Promise<Judged[]> }> {
  const services = o.service
    ? await client.servicesByName(o.service, signal)
    : await client.servicesByLabel(o.label!, signal);
  return {
    services,
    judged: async (now) => {
      const needNodes = services.some((s) => serviceMode(s.Spec) === 'global');
      const [nodes, tasks] = await Promise.all([
        needNodes ? client.nodes(signal) : Promise.resolve<SwarmNode[]>([]),
        Promise.all(services.map((s) => client.tasks(s.ID, signal))),
      ]);
      return services.map((service, i) => ({
        service,
        state: serviceState(service, tasks[i] ?? [], nodes, now, o.crash_loop_window_minutes * 60_000),
      }));
    },
  };
}

async function runSwarmServiceCheck(
  checkId: string,
  o: SwarmServiceOptions,
  protectedServices: string[],
  ctx: RunContext,
): Promise<CheckResult> {
  const client = clientFor(o, ctx);
  const { services, judged } = await observe(client, o, ctx.signal);
  const selector = o.service ? `named '${o.service}'` : `with label ${o.label}`;
  if (!services.length) {
    const name = o.service ?? o.label!;
    return {
      findings: [
        {
          code: 'service_replicas_missing',
          checkId,
          ...serviceTarget(name, client.host),
          message: `No swarm service ${selector} on ${client.host.display}`,
          evidence: { host: client.host.display, service: o.service ?? null, label: o.label ?? null },
          facts: {
            needs_person: `no swarm service ${selector} on ${client.host.display}: deploy it (docker stack deploy / docker service create)`,
          },
        },
      ],
    };
  }
  const now = Date.now();
  const all = await judged(now);
  const findings: Finding[] = [];
  const fine: string[] = [];
  for (const j of all) {
    const f = judgeService(j, o, checkId, client.host, now, protectedServices);
    if (f) findings.push(f);
    else
      fine.push(
        `${j.service.Spec.Name} ${j.state.running}/${j.state.desired} running${j.state.running < j.state.desired ? (j.state.updateState === 'updating' || j.state.updateState === 'rollback_started' ? ` (${j.state.updateState.replace('_', ' ')})` : ' (within start period)') : ''}`,
      );
  }
  return {
    findings,
    facts: { services: all.map((j) => j.service.Spec.Name) },
    summary: fine.join(', '),
  };
}

function describeState(s: ServiceState): string {
  const parts = [`${s.running}/${s.desired} running`];
  if (s.starting) parts.push(`${s.starting} starting`);
  if (s.updateState) parts.push(`update ${s.updateState}`);
  return parts.join(', ');
}

/**
 * Waits for Swarm's convergence: every desired task running (healthy), none on its way, the update or
 * rollback complete, and that holding for a moment with no task failing. Polls at a fixed interval,
 * never past the run's deadline.
 */
async function verifySwarmService(
  o: SwarmServiceOptions,
  finding: Finding,
  ctx: RunContext,
  timeoutMs: number,
): Promise<VerifyResult> {
  const id = typeof finding.params?.service_id === 'string' ? finding.params.service_id : undefined;
  const name = typeof finding.params?.service === 'string' ? finding.params.service : finding.target;
  if (!id) return { ok: false, detail: `Still no swarm service ${name}` };
  const host = typeof finding.params?.host === 'string' ? finding.params.host : o.host;
  const client = clientFor({ ...o, host }, ctx);
  const started = Date.now();
  // A rolling update takes its delay and monitor period per batch, often longer than the engine's
  // stabilization wait: the re-test waits for Swarm as long as the check allows, never past the deadline.
  const end = Math.min(started + Math.max(timeoutMs, o.converge_timeout_seconds * 1000), ctx.deadline);
  let stableSince: number | undefined;
  let last = 'not read yet';
  for (;;) {
    try {
      const service = await client.service(id, ctx.signal);
      const needNodes = serviceMode(service.Spec) === 'global';
      const [tasks, nodes] = await Promise.all([
        client.tasks(id, ctx.signal),
        needNodes ? client.nodes(ctx.signal) : Promise.resolve<SwarmNode[]>([]),
      ]);
      const now = Date.now();
      const state = serviceState(service, tasks, nodes, now, now - started);
      last = describeState(state);
      if (state.updateState === 'paused' || state.updateState === 'rollback_paused')
        return {
          ok: false,
          detail: `Swarm service '${name}': ${state.updateState.replace('_', ' ')} again${state.updateMessage ? ` (${state.updateMessage})` : ''}`,
        };
      const failedSinceStable =
        stableSince !== undefined &&
        state.recentFailures.some((t) => Date.parse(t.Status.Timestamp ?? '') >= stableSince!);
      if (isConverged(state) && !failedSinceStable) {
        stableSince ??= now;
        if (now - stableSince >= CONVERGED_STABLE_MS) {
          const nodesNote = state.runningNodes.length > 1 ? ` on ${state.runningNodes.length} nodes` : '';
          return {
            ok: true,
            detail: `Swarm service '${name}' converged: ${state.running}/${state.desired} tasks running${nodesNote}, update ${state.updateState ?? 'none'}, in ${((now - started) / 1000).toFixed(1)} s`,
          };
        }
      } else stableSince = undefined;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() + CONVERGE_POLL_MS > end || ctx.signal.aborted)
      return { ok: false, detail: `Swarm service '${name}' did not converge: ${last}` };
    await delay(CONVERGE_POLL_MS, ctx.signal);
  }
}

/** Why a person must act on this service (the first reason found wins); the declared rule reads it. */
function needsPerson(f: Finding, reason: string): void {
  if (typeof f.facts?.needs_person !== 'string') f.facts = { ...f.facts, needs_person: reason };
}

/** The declared rule of every swarm_service code: a reason recorded in the facts means no action. */
function personPlan(f: Finding): HealingPlan | undefined {
  return typeof f.facts?.needs_person === 'string' ? { manual: f.facts.needs_person } : undefined;
}

export const swarmServiceCheck = defineCheckType({
  type: 'swarm_service',
  description:
    '`service` (name or id) or `label`; `host` (manager engine); `start_period_seconds` 60; `crash_loop_failures` 3 within `crash_loop_window_minutes` 5; `timeout_seconds` 10; `converge_timeout_seconds` 300',
  targets: ['docker'],
  codes: {
    service_replicas_missing: {
      title: 'Service replicas missing',
      action: 'force_update_service',
      risk: 'medium',
      advice: 'Read `docker service ps --no-trunc <service>` for why its tasks are not running',
      docs: { when: 'running tasks below the desired count longer than `start_period_seconds`' },
      plan: personPlan,
    },
    service_crash_loop: {
      title: 'Service crash loop',
      action: 'rollback_service',
      risk: 'high',
      advice: 'Read why the tasks exit before rolling back or updating again',
      docs: { when: '≥ `crash_loop_failures` task failures within the window since the last update' },
      plan: personPlan,
    },
    service_update_paused: {
      title: 'Service update paused',
      action: 'rollback_service',
      risk: 'high',
      advice: 'Read why the new tasks failed, then fix the spec',
      docs: { when: 'the update or rollback is paused' },
      plan: personPlan,
    },
  },
  options: z.strictObject({
    service: z.string().min(1).optional().describe('Service name (or id) on the Swarm manager.'),
    label: z
      .string()
      .min(1)
      .optional()
      .describe('Select services by label (`key` or `key=value`): one finding per service.'),
    host: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Manager engine: unix:///path or tcp://host:port. Default: targets.docker.host, else DOCKER_HOST, else the local socket.',
      ),
    start_period_seconds: z
      .number()
      .nonnegative()
      .max(MAX_SECONDS)
      .optional()
      .describe(
        'Fewer running tasks than desired for longer than this is `service_replicas_missing`. Default: healing_actions.service_replicas_missing.start_period_seconds, else 60.',
      ),
    crash_loop_failures: z
      .number()
      .int()
      .positive()
      .max(MAX_COUNT)
      .optional()
      .describe(
        'Task failures within the window (since the last spec change) that make a crash loop. Default: healing_actions.service_crash_loop.crash_loop_failures, else 3.',
      ),
    crash_loop_window_minutes: z
      .number()
      .positive()
      .max(MAX_MINUTES)
      .optional()
      .describe('Default: healing_actions.service_crash_loop.crash_loop_window_minutes, else 5.'),
    timeout_seconds: z
      .number()
      .positive()
      .max(MAX_SECONDS)
      .default(10)
      .describe('Each request to the manager ends after this.'),
    converge_timeout_seconds: z
      .number()
      .positive()
      .max(MAX_SECONDS)
      .default(300)
      .describe(
        "How long the re-test after an action waits for Swarm's convergence (every task running and healthy, the update completed), when that is longer than auto_healing.stabilization_timeout_seconds; never past the run's deadline.",
      ),
  }),
  create(spec, config): Check {
    const own = spec.options;
    if (!own.service && !own.label)
      throw new Error(
        `Check '${spec.id}' (swarm_service): set 'service' (a name) or 'label' (key or key=value)`,
      );
    if (own.service && own.label)
      throw new Error(`Check '${spec.id}' (swarm_service): set either 'service' or 'label', not both`);
    if (own.host) swarmHost(own.host);
    const pick = (key: keyof typeof SWARM_SERVICE_DEFAULTS): number =>
      own[key] ?? configNumber(config, THRESHOLD_SOURCES[key], key) ?? SWARM_SERVICE_DEFAULTS[key];
    const o: SwarmServiceOptions = {
      service: own.service,
      label: own.label,
      host: own.host,
      start_period_seconds: pick('start_period_seconds'),
      crash_loop_failures: pick('crash_loop_failures'),
      crash_loop_window_minutes: pick('crash_loop_window_minutes'),
      timeout_seconds: own.timeout_seconds,
      converge_timeout_seconds: own.converge_timeout_seconds,
    };
    const protectedServices = protectedNames(config);
    return {
      id: spec.id,
      type: 'swarm_service',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: { ...o },
      run: (ctx: RunContext) => runSwarmServiceCheck(spec.id, o, protectedServices, ctx),
      verify: (finding: Finding, ctx: RunContext, timeoutMs: number) =>
        verifySwarmService(o, finding, ctx, timeoutMs),
      // One finding per service: a service whose missing replicas now crash-loop is not fixed.
      exclusiveFindings: true,
    };
  },
});
