// Remedies on Docker Swarm services: a rolling restart that keeps the service's own update settings,
// and a rollback to the previous spec. Each returns once Swarm has taken the change up; the check's
// re-test waits for the convergence.
import type { Finding, RemedyResult } from '../../core/types.js';
import type { RemedyContext, RemedyDeclaration } from './remedy.js';
import {
  SwarmClient,
  nsAsSeconds,
  swarmHost,
  type ServiceSpec,
  type SwarmService,
  type UpdateConfig,
} from '../../targets/swarm.js';
import { delay } from '../../support/abortable.js';

/** How long Swarm gets to show that it started the update it accepted. */
const START_WAIT_MS = 15_000;
const START_POLL_MS = 200;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function serviceName(f: Finding): string {
  return str(f.params?.service) ?? f.target;
}

function clientFor(f: Finding, ctx: RemedyContext): { client: SwarmClient; id: string } {
  const id = str(f.params?.service_id);
  if (!id) throw new Error(`No swarm service to act on for '${f.checkId}' (${f.message})`);
  const own = ctx.check.options.timeout_seconds;
  const timeoutMs = Math.min(typeof own === 'number' ? own * 1000 : 10_000, ctx.timeoutMs);
  return { client: new SwarmClient(swarmHost(str(f.params?.host), ctx.env), timeoutMs), id };
}

function describeUpdateConfig(u: UpdateConfig | undefined): string {
  return `parallelism ${u?.Parallelism ?? 1}, delay ${nsAsSeconds(u?.Delay)}, order ${u?.Order ?? 'stop-first'}, on failure ${u?.FailureAction ?? 'pause'}`;
}

/**
 * Waits until Swarm reports an update (or rollback) newer than the one seen before the request: until
 * then the service still shows its old, converged state, and a re-test would pass without any change.
 */
async function waitForStart(
  client: SwarmClient,
  before: SwarmService,
  ctx: RemedyContext,
  states: string[],
): Promise<SwarmService> {
  const end = Math.min(Date.now() + Math.min(START_WAIT_MS, ctx.timeoutMs), ctx.deadline);
  const previousStart = before.UpdateStatus?.StartedAt;
  for (;;) {
    const now = await client.service(before.ID, ctx.signal);
    const u = now.UpdateStatus;
    if (u?.State && states.includes(u.State) && u.StartedAt !== previousStart) return now;
    if (Date.now() + START_POLL_MS > end || ctx.signal.aborted)
      throw new Error(
        `Swarm accepted the change to '${before.Spec.Name}' (version ${now.Version.Index}) but did not start it within ${Math.round((end - Date.now() + START_POLL_MS) / 1000)} s (update state: ${u?.State ?? 'none'})`,
      );
    await delay(START_POLL_MS, ctx.signal);
  }
}

export const forceUpdateService: RemedyDeclaration = {
  action: 'force_update_service',
  category: 'container',
  risk: 'medium',
  system: 'docker',
  describe(f) {
    return `Rolling restart of swarm service '${serviceName(f)}' (service update --force)...`;
  },
  async run(f: Finding, ctx: RemedyContext): Promise<RemedyResult> {
    const { client, id } = clientFor(f, ctx);
    const svc = await client.service(id, ctx.signal);
    // The spec as it is, with only the force counter moved: Swarm then replaces every task by the
    // service's own update_config (parallelism, delay, order, failure action).
    const spec: ServiceSpec = structuredClone(svc.Spec);
    const force = (svc.Spec.TaskTemplate?.ForceUpdate ?? 0) + 1;
    spec.TaskTemplate = { ...spec.TaskTemplate, ForceUpdate: force };
    await client.updateService(svc.ID, svc.Version.Index, spec, ctx.signal);
    const after = await waitForStart(client, svc, ctx, ['updating', 'completed', 'paused']);
    return {
      details: `Rolling restart of swarm service '${svc.Spec.Name}' started (${describeUpdateConfig(svc.Spec.UpdateConfig)})`,
      data: {
        service: svc.Spec.Name,
        version_before: svc.Version.Index,
        version_after: after.Version.Index,
        force_update: force,
        update_config: svc.Spec.UpdateConfig ?? null,
      },
    };
  },
};

export const rollbackService: RemedyDeclaration = {
  action: 'rollback_service',
  category: 'container',
  risk: 'high',
  system: 'docker',
  describe(f) {
    return `Rolling back swarm service '${serviceName(f)}' to its previous spec (service rollback)...`;
  },
  async run(f: Finding, ctx: RemedyContext): Promise<RemedyResult> {
    const { client, id } = clientFor(f, ctx);
    const svc = await client.service(id, ctx.signal);
    if (!svc.PreviousSpec)
      throw new Error(`Swarm service '${svc.Spec.Name}' has no previous spec to roll back to`);
    const from = svc.Spec.TaskTemplate?.ContainerSpec?.Image;
    const to = svc.PreviousSpec.TaskTemplate?.ContainerSpec?.Image;
    await client.updateService(svc.ID, svc.Version.Index, svc.Spec, ctx.signal, true);
    const after = await waitForStart(client, svc, ctx, [
      'rollback_started',
      'rollback_completed',
      'rollback_paused',
    ]);
    return {
      details: `Rollback of swarm service '${svc.Spec.Name}' to its previous spec started${from !== to ? ` (image ${from ?? '?'} → ${to ?? '?'})` : ''} (${describeUpdateConfig(svc.Spec.RollbackConfig)})`,
      data: {
        service: svc.Spec.Name,
        version_before: svc.Version.Index,
        version_after: after.Version.Index,
        image_before: from ?? null,
        image_after: to ?? null,
      },
    };
  },
};

export const swarmRemedies: RemedyDeclaration[] = [forceUpdateService, rollbackService];
