// How the run reaches each system: the inputs (docker-host, postgres-url, redis-url) win over the
// config's targets section. The target modules own the connections themselves.
import type { OrixoonConfig } from '../config/schema.js';
import type { TargetSettings } from '../targets/index.js';
import type { DockerSettings } from '../targets/docker/index.js';

/** Connection settings given by the entry point (inputs, flags), each overriding the config. */
export interface ConnectionOverrides {
  docker?: Partial<DockerSettings>;
  postgresUrl?: string;
  redisUrl?: string;
}

export function targetSettings(o: ConnectionOverrides, config: OrixoonConfig): TargetSettings {
  const docker = config.targets.docker;
  return {
    docker: {
      host: o.docker?.host ?? docker.host,
      tlsVerify: o.docker?.tlsVerify ?? docker.tls_verify,
      certPath: o.docker?.certPath ?? docker.cert_path,
      timeoutMs: o.docker?.timeoutMs ?? docker.timeout_seconds * 1000,
    },
    postgresUrl: o.postgresUrl ?? config.targets.postgres.url,
    redisUrl: o.redisUrl ?? config.targets.redis.url,
  };
}

/** Every connection URL the run may use: secrets (they may carry passwords), masked wherever they appear. */
export function connectionUrls(o: ConnectionOverrides, config: OrixoonConfig): Array<string | undefined> {
  return [o.postgresUrl, o.redisUrl, config.targets.postgres.url, config.targets.redis.url];
}
