// From what was observed of a container to the one finding about it (or none), its summary and its
// lasting-fix advice: pure functions, no I/O.
import type { Finding, IssueCode } from '../core/types.js';
import type { ContainerInspectInfo } from '../targets/docker/index.js';
import type { ContainerCheckOptions } from './container-options.js';
import { hasRestartPolicy, mib, nsToMs, type Observation } from './container-observe.js';

/** Health output kept in evidence. */
const HEALTH_OUTPUT_CHARS = 500;

export function healthOf(info: ContainerInspectInfo): string | undefined {
  return info.State.Health?.Status;
}

export function stateWords(info: ContainerInspectInfo): string {
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

export function summaryOf(ob: Observation, o: ContainerCheckOptions): string {
  let text = stateWords(ob.info);
  if (ob.info.State.Running && !ob.hasHealthcheck) {
    text +=
      o.expect === 'healthy' ? ', no healthcheck (expect: healthy cannot be checked)' : ', no healthcheck';
  }
  if (ob.memory && (ob.info.HostConfig.Memory ?? 0) > 0) text += `, memory ${Math.round(ob.memory.percent)}%`;
  return text;
}

export function recommendationsOf(ob: Observation): string[] {
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

export function notFound(checkId: string, o: ContainerCheckOptions): Finding {
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
    facts: { missing: true },
  };
}
