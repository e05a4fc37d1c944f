// Config → the phases and checks to run. With no phases configured (no file, or a
// healing_config.json without phases), every container on the Docker host is checked, grouped by Compose project,
// with dependencies read from Compose's labels.
import { composeFacts } from '../checks/container.js';
import { readFileSync } from 'node:fs';
import { checkType } from '../checks/registry.js';
import { containerName, LEASE_LABEL } from '../targets/docker/index.js';
import { ConfigError, type LoadedConfig } from '../config/load.js';
import type { Targets } from '../targets/index.js';
import type { Check } from '../core/types.js';

export interface PlannedPhase {
  name: string;
  checks: Check[];
}

export function buildConfiguredPlan(loaded: LoadedConfig): PlannedPhase[] {
  return loaded.config.phases.map((phase) => ({
    name: phase.name,
    checks: phase.checks.map((raw) => {
      const {
        id,
        type,
        depends_on,
        name: _name,
        ...options
      } = raw as unknown as {
        id: string;
        type: string;
        depends_on: string[];
        name?: string;
      } & Record<string, unknown>;
      const t = checkType(type);
      if (!t) throw new Error(`unknown check type ${type}`);
      return t.create({ id, phase: phase.name, dependsOn: depends_on, options }, loaded.config);
    }),
  }));
}

interface DiscoveredContainer {
  name: string;
  project?: string;
  service?: string;
  dependsOn: string[];
}

/**
 * Ids (or id prefixes) of the container this process runs in, if any: a discovered run must never
 * restart the container Orixoon itself (or the job) runs in.
 */
export function ownContainerIds(env: NodeJS.ProcessEnv = process.env): string[] {
  const ids = new Set<string>();
  const read = (file: string): string => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return ''; // not Linux, or not readable
    }
  };
  // cgroup v1 (and v2 without a private namespace): `…/docker/<id>` or `docker-<id>.scope`.
  for (const m of read('/proc/self/cgroup').matchAll(/docker[/-]([0-9a-f]{64})/g)) ids.add(m[1]!);
  // cgroup v2: the container's own /etc/hostname is bind-mounted from …/containers/<id>/hostname.
  // (Only that mount point: the host's mount table lists every container's shm mounts.)
  for (const line of read('/proc/self/mountinfo').split('\n')) {
    const [, , , root = '', mountPoint = ''] = line.split(' ');
    const m = /\/containers\/([0-9a-f]{64})\//.exec(root);
    if (m && ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf'].includes(mountPoint)) ids.add(m[1]!);
  }
  // Docker sets the hostname to the short container id unless told otherwise.
  if (env.HOSTNAME && /^[0-9a-f]{12}$/.test(env.HOSTNAME)) ids.add(env.HOSTNAME);
  return [...ids];
}

/** One container check per container on the host; one phase per Compose project (`compose:<project>`). */
export async function buildDiscoveredPlan(
  loaded: LoadedConfig,
  targets: Targets,
  self: string[] = ownContainerIds(),
): Promise<PlannedPhase[]> {
  // Lease objects (never-started containers that hold a target's lease) are Orixoon's own, not services.
  const containers = (await targets.docker().findContainers({})).filter(
    (c) => !self.some((id) => c.Id.startsWith(id)) && c.Labels?.[LEASE_LABEL] === undefined,
  );
  const found: DiscoveredContainer[] = containers
    .map((c) => {
      const compose = composeFacts(c.Labels);
      return {
        name: containerName(c),
        project: compose?.project,
        service: compose?.service,
        dependsOn: compose?.dependsOn ?? [],
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const t = checkType('container')!;
  const byPhase = new Map<string, Check[]>();
  const idFor = (c: DiscoveredContainer): string => c.name;
  for (const c of found) {
    const phase = c.project ? `compose:${c.project}` : 'containers';
    const deps = c.project
      ? found
          .filter((o) => o.project === c.project && o.service && c.dependsOn.includes(o.service))
          .map(idFor)
      : [];
    const options = t.options.parse({ container: c.name });
    const check = t.create({ id: idFor(c), phase, dependsOn: deps, options }, loaded.config);
    byPhase.set(phase, [...(byPhase.get(phase) ?? []), check]);
  }
  return [...byPhase.entries()]
    .sort(([a], [b]) => (a === 'containers' ? 1 : b === 'containers' ? -1 : a.localeCompare(b)))
    .map(([name, checks]) => ({ name, checks }));
}

export function filterPhases(
  plan: PlannedPhase[],
  phases: string[] | undefined,
  file: string,
): PlannedPhase[] {
  if (!phases?.length) return plan;
  const unknown = phases.filter((p) => !plan.some((ph) => ph.name === p));
  if (unknown.length) {
    throw new ConfigError([
      {
        file,
        key: 'phases',
        message: `unknown phase ${unknown.map((u) => `"${u}"`).join(', ')} in the phases input; the config has: ${plan.map((p) => p.name).join(', ') || '(none)'}`,
      },
    ]);
  }
  return plan.filter((p) => phases.includes(p.name));
}
