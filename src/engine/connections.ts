// How the run reaches each system: the inputs (docker-host, postgres-url, redis-url) win over the
// config's targets section. The target modules own the connections themselves.
import { readFileSync } from 'node:fs';
import type { OrixoonConfig } from '../config/schema.js';
import type { TargetSettings } from '../targets/index.js';
import {
  resolveDockerHost,
  type DockerSettings,
  type DockerTargetSettings,
} from '../targets/docker/index.js';

/** Connection settings given by the entry point (inputs, flags), each overriding the config. */
export interface ConnectionOverrides {
  docker?: Partial<DockerSettings>;
  postgresUrl?: string;
  redisUrl?: string;
}

/**
 * The Docker engines: the single-host form, or every named host (TLS values are PEM text or absolute
 * file paths, read when the engine is first used). The inputs override the one engine, or with named
 * hosts the default one.
 */
function dockerSettings(o: ConnectionOverrides, config: OrixoonConfig): DockerTargetSettings {
  const docker = config.targets.docker;
  const timeoutMs = docker.timeout_seconds * 1000;
  if (!docker.hosts) {
    return {
      host: o.docker?.host ?? docker.host,
      tlsVerify: o.docker?.tlsVerify ?? docker.tls_verify,
      certPath: o.docker?.certPath ?? docker.cert_path,
      timeoutMs: o.docker?.timeoutMs ?? timeoutMs,
    };
  }
  const hosts: Record<string, DockerSettings> = Object.create(null);
  for (const [name, h] of Object.entries(docker.hosts)) {
    hosts[name] = {
      host: h.host,
      ...(h.tls ? { tls: { ...h.tls } } : {}),
      timeoutMs: h.timeout_seconds !== undefined ? h.timeout_seconds * 1000 : timeoutMs,
    };
  }
  const settings: DockerTargetSettings = { hosts, ...(docker.default ? { default: docker.default } : {}) };
  const given = Object.entries(o.docker ?? {}).filter(([, v]) => v !== undefined && v !== '');
  if (given.length) {
    try {
      const d = resolveDockerHost(settings);
      hosts[d.name] = { ...d.settings, ...Object.fromEntries(given) };
    } catch {
      // No default host: the inputs have no engine to override (each check names its own).
    }
  }
  return settings;
}

export function targetSettings(o: ConnectionOverrides, config: OrixoonConfig): TargetSettings {
  return {
    docker: dockerSettings(o, config),
    postgresUrl: o.postgresUrl ?? config.targets.postgres.url,
    redisUrl: o.redisUrl ?? config.targets.redis.url,
  };
}

/** The TLS material of every named Docker host, read from its files where it is not PEM text. */
function dockerTlsMaterial(config: OrixoonConfig): string[] {
  const out: string[] = [];
  for (const h of Object.values(config.targets.docker.hosts ?? {})) {
    for (const v of [h.tls?.ca, h.tls?.cert, h.tls?.key]) {
      if (v === undefined) continue;
      if (v.includes('-----BEGIN')) out.push(v);
      else {
        try {
          out.push(readFileSync(v, 'utf8'));
        } catch {
          // Unreadable now: the engine that needs it reports that, and nothing of it can leak.
        }
      }
    }
  }
  return out;
}

/**
 * Every connection secret the run may use, masked wherever it appears: URLs (they may carry
 * passwords) and the Docker hosts' TLS material (whole, and each line of PEM body on its own).
 */
export function connectionUrls(o: ConnectionOverrides, config: OrixoonConfig): Array<string | undefined> {
  const tls = dockerTlsMaterial(config);
  const lines = tls.flatMap((pem) =>
    pem
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l.length >= 16 && !l.startsWith('-----')),
  );
  return [o.postgresUrl, o.redisUrl, config.targets.postgres.url, config.targets.redis.url, ...tls, ...lines];
}
