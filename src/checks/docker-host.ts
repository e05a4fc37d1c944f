// Which Docker engine a check's containers are on, and how its findings say so when several engines
// are configured: the target key and the target name carry the host (`container:app/web`,
// `container 'web' on app`), so cooldowns, approvals and reports keep engines apart, and the finding's
// params tell the remedy which engine to act on.
import * as z from 'zod';
import type { Finding } from '../core/types.js';
import type { Targets } from '../targets/index.js';
import { resolveDockerHost } from '../targets/docker/hosts.js';

/** The `docker_host` option of every check type that reaches Docker. */
export const dockerHostOption = z
  .string()
  .min(1)
  .optional()
  .describe(
    'Which engine of targets.docker.hosts the container is on. Default: targets.docker.default, the only host, or the one named `default`.',
  );

/** The host a check with this `docker_host` option means, when several are configured; else undefined. */
export function namedDockerHost(targets: Targets, dockerHost: unknown): string | undefined {
  if (targets.dockerHosts().length < 2 && dockerHost === undefined) return undefined;
  try {
    const name = resolveDockerHost(
      targets.settings.docker,
      typeof dockerHost === 'string' ? dockerHost : undefined,
    ).name;
    return targets.dockerHosts().length > 1 ? name : undefined;
  } catch {
    return undefined; // the check's own Docker call reports the unknown host
  }
}

/** The finding as said on engine `host`: its container's key, name and message name the host. */
export function onDockerHost(f: Finding, host: string): Finding {
  const container = typeof f.params?.container === 'string' ? f.params.container : undefined;
  const out: Finding = { ...f, params: { ...f.params, docker_host: host } };
  if (!f.targetKey.startsWith('container:')) {
    // Not a container finding (a database, an endpoint): only the container it would restart is on the host.
    if (container === undefined) delete out.params!.docker_host;
    return out;
  }
  const name = f.targetKey.slice('container:'.length);
  out.targetKey = `container:${host}/${name}`;
  out.target = `container '${f.target}' on ${host}`;
  const quoted = `'${f.target}'`;
  out.message = f.message.includes(quoted)
    ? f.message.replace(quoted, `${quoted} on ${host}`)
    : `${f.message} (on Docker host ${host})`;
  out.evidence = { ...f.evidence, docker_host: host };
  return out;
}
