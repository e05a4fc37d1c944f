// Connections to the systems Orixoon talks to, created lazily and owned for one run. Each target
// module is the only place that talks to its system; it knows nothing of policy. A system is one
// factory in SYSTEMS; `Targets` is the typed view the engine, checks and remedies use.
import type { Redactor } from '../support/redact.js';
import {
  DockerTarget,
  dockerHostNames,
  isDockerHosts,
  resolveDockerHost,
  type DockerTargetSettings,
} from './docker/index.js';
import { PostgresTarget } from './postgres/index.js';
import { RedisTarget } from './redis/index.js';
import { TargetRegistry, type TargetsOf } from './registry.js';

export interface TargetSettings {
  /** One engine (`{ host, … }`) or named engines (`{ hosts: { app: {…}, db: {…} }, default? }`). */
  docker: DockerTargetSettings;
  postgresUrl?: string;
  redisUrl?: string;
}

/** What every factory gets besides its key. */
export interface TargetContext {
  settings: TargetSettings;
  redactor: Redactor;
}

/** One line per system: its name and the factory that makes its target for a connection key. */
const SYSTEMS = {
  docker: (hostName: string, { settings }: TargetContext) => {
    const host = resolveDockerHost(settings.docker, hostName);
    return new DockerTarget(host.settings, host.name, isDockerHosts(settings.docker));
  },
  postgres: (url: string, { redactor }: TargetContext) => (redactor.add(url), new PostgresTarget(url)),
  redis: (url: string, { redactor }: TargetContext) => (redactor.add(url), new RedisTarget(url)),
};

export type SystemName = keyof typeof SYSTEMS;
export type SystemTargets = TargetsOf<typeof SYSTEMS>;

export class Targets {
  private readonly registry: TargetRegistry<TargetContext, typeof SYSTEMS>;

  readonly settings: TargetSettings;
  readonly redactor: Redactor;
  constructor(settings: TargetSettings, redactor: Redactor) {
    this.settings = settings;
    this.redactor = redactor;
    this.registry = new TargetRegistry(SYSTEMS, { settings, redactor });
  }

  /** The target of `system` for a connection key (a host name, a URL), made on first use. */
  get<K extends SystemName>(system: K, key: string): SystemTargets[K] {
    return this.registry.get(system, key);
  }

  /**
   * One Docker engine per configured host per run. Without a name: the default host (the one
   * `default` names, the only one, or the one named `default`); an unknown name is an error that lists
   * the configured hosts.
   */
  docker(hostName?: string): DockerTarget {
    return this.registry.get('docker', resolveDockerHost(this.settings.docker, hostName).name);
  }

  /** The configured Docker host names, in configuration order (`default` alone for the single-host form). */
  dockerHosts(): string[] {
    return dockerHostNames(this.settings.docker);
  }

  /** One PostgreSQL session per URL per run, shared by every check and remedy. */
  postgres(url = this.settings.postgresUrl): PostgresTarget {
    if (!url)
      throw new Error(
        "No PostgreSQL URL: set targets.postgres.url, the check's url, or the postgres-url input",
      );
    return this.registry.get('postgres', url);
  }

  /** One Redis client per URL per run. */
  redis(url = this.settings.redisUrl): RedisTarget {
    if (!url) throw new Error("No Redis URL: set targets.redis.url, the check's url, or the redis-url input");
    return this.registry.get('redis', url);
  }

  /** Closes every connection; safe to call twice. Each close is bounded, so a peer that never answers cannot hold the run. */
  close(): Promise<void> {
    return this.registry.closeAll();
  }
}
