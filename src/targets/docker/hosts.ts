// Several Docker engines in one configuration: named hosts, each with its own connection settings, and
// which of them a check means when it names none.
import type { DockerSettings } from './connection.js';

/** Named Docker hosts; `default` names the one used when a check names none. */
export interface DockerHostsSettings {
  hosts: Record<string, DockerSettings>;
  default?: string;
}

/** The single-host form (one engine, called `default`) or named hosts. */
export type DockerTargetSettings = DockerSettings | DockerHostsSettings;

/** The name of the one engine of the single-host form. */
export const DEFAULT_DOCKER_HOST = 'default';

export function isDockerHosts(settings: DockerTargetSettings): settings is DockerHostsSettings {
  return 'hosts' in settings && typeof settings.hosts === 'object' && settings.hosts !== null;
}

/** The configured host names, in configuration order. */
export function dockerHostNames(settings: DockerTargetSettings): string[] {
  return isDockerHosts(settings) ? Object.keys(settings.hosts) : [DEFAULT_DOCKER_HOST];
}

/**
 * The host `name` means, or the default one when no name is given: the host named by `default`, else
 * the only host, else the one named `default`. Anything else is an error that lists the configured hosts.
 */
export function resolveDockerHost(
  settings: DockerTargetSettings,
  name?: string,
): { name: string; settings: DockerSettings } {
  const names = dockerHostNames(settings);
  const listed = names.length ? names.map((n) => `'${n}'`).join(', ') : 'none';
  if (!isDockerHosts(settings)) {
    if (name === undefined || name === DEFAULT_DOCKER_HOST) return { name: DEFAULT_DOCKER_HOST, settings };
    throw new Error(
      `Docker host '${name}' is not configured: the configured host is ${listed} — name it in targets.docker.hosts or drop docker_host`,
    );
  }
  const wanted = name ?? settings.default ?? (names.length === 1 ? names[0] : DEFAULT_DOCKER_HOST);
  const found = wanted !== undefined ? settings.hosts[wanted] : undefined;
  if (wanted !== undefined && found && Object.hasOwn(settings.hosts, wanted))
    return { name: wanted, settings: found };
  if (name !== undefined || settings.default !== undefined) {
    throw new Error(
      `Docker host '${wanted}' is not configured: the configured hosts are ${listed} — use one of them or add it to targets.docker.hosts`,
    );
  }
  throw new Error(
    names.length === 0
      ? 'No Docker host is configured: targets.docker.hosts is empty — add a host'
      : `Several Docker hosts are configured (${listed}) and none is the default: set docker_host on the check, targets.docker.default, or name one of them 'default'`,
  );
}
