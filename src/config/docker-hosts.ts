// `targets.docker.hosts`: several named Docker engines. Validated with the rest of the file (each
// problem located, with what to do), and each check that reaches Docker must name a host that exists.
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { checkType } from '../checks/registry.js';
import { resolveDockerHost, type DockerTargetSettings } from '../targets/docker/hosts.js';
import type { ConfigProblem, Locator } from './problems.js';
import type { OrixoonConfig } from './schema.js';
import type { PathSeg } from './yaml-data.js';

const TLS_KEYS = ['ca', 'cert', 'key'] as const;

/** PEM text given inline (from a `${VAR}`), as opposed to a file path. */
export function isPem(value: string): boolean {
  return value.includes('-----BEGIN');
}

/** The configured hosts as the target resolves them (only names and the default matter here). */
function hostsView(config: OrixoonConfig): DockerTargetSettings {
  const d = config.targets.docker;
  if (!d.hosts) return { timeoutMs: 0 };
  const hosts: Record<string, { timeoutMs: number }> = Object.create(null);
  for (const name of Object.keys(d.hosts)) hosts[name] = { timeoutMs: 0 };
  return { hosts, ...(d.default !== undefined ? { default: d.default } : {}) };
}

/** The problems of `targets.docker` itself: one form or the other, addresses, TLS material. */
function hostsProblems(config: OrixoonConfig, loc: Locator, baseDir: string): ConfigProblem[] {
  const d = config.targets.docker;
  const problems: ConfigProblem[] = [];
  const at: PathSeg[] = ['targets', 'docker'];
  if (!d.hosts) {
    if (d.default !== undefined)
      problems.push(
        loc.problem(
          [...at, 'default'],
          'targets.docker.default names one of targets.docker.hosts, and no hosts are configured: add hosts or drop default',
        ),
      );
    return problems;
  }
  for (const key of ['host', 'tls_verify', 'cert_path'] as const) {
    if (d[key] !== undefined)
      problems.push(
        loc.problem(
          [...at, key],
          `give either targets.docker.${key} (one engine) or targets.docker.hosts (several engines), not both: move it into a host under hosts`,
        ),
      );
  }
  const names = Object.keys(d.hosts);
  if (names.length === 0)
    problems.push(loc.problem([...at, 'hosts'], 'targets.docker.hosts is empty: add at least one host'));
  if (d.default !== undefined && !Object.hasOwn(d.hosts, d.default))
    problems.push(
      loc.problem(
        [...at, 'default'],
        `targets.docker.default '${d.default}' is not one of the configured hosts (${names.map((n) => `'${n}'`).join(', ')}): use one of them`,
      ),
    );
  for (const [name, h] of Object.entries(d.hosts)) {
    const path: PathSeg[] = [...at, 'hosts', name];
    const scheme = /^([a-z]+):\/\//.exec(h.host)?.[1];
    if (!h.host.startsWith('/') && !['unix', 'tcp', 'ssh'].includes(scheme ?? ''))
      problems.push(
        loc.problem(
          [...path, 'host'],
          `'${h.host}' is not a Docker address: use unix:///path/to/docker.sock, tcp://host:2376 or ssh://user@host`,
        ),
      );
    if (!h.tls) continue;
    if (scheme !== 'tcp')
      problems.push(
        loc.problem([...path, 'tls'], 'tls applies to a tcp:// host only: drop it or use tcp://host:2376'),
      );
    if ((h.tls.cert === undefined) !== (h.tls.key === undefined))
      problems.push(
        loc.problem(
          [...path, 'tls'],
          'a client certificate needs its key: give both tls.cert and tls.key, or neither',
        ),
      );
    for (const k of TLS_KEYS) {
      const v = h.tls[k];
      if (v === undefined || isPem(v)) continue;
      const file = isAbsolute(v) ? v : resolve(baseDir, v);
      if (!existsSync(file))
        problems.push(
          loc.problem(
            [...path, 'tls', k],
            `TLS ${k} file ${file} does not exist: give the path of a PEM file (relative to this config) or the PEM text itself, e.g. "\${DOCKER_TLS_${k.toUpperCase()}}"`,
          ),
        );
    }
  }
  return problems;
}

/** The host a check means, when it reaches Docker at all: a name it gives, or any container it names. */
function checkProblems(config: OrixoonConfig, loc: Locator): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const view = hostsView(config);
  config.phases.forEach((phase, p) => {
    phase.checks.forEach((raw, c) => {
      const check = raw as unknown as Record<string, unknown> & { type: string };
      if (!checkType(check.type)?.targets.includes('docker')) return;
      const name = typeof check.docker_host === 'string' ? check.docker_host : undefined;
      const usesDocker =
        name !== undefined ||
        check.type === 'container' ||
        typeof check.container === 'string' ||
        typeof check.label === 'string';
      if (!usesDocker || check.type === 'swarm_service') return;
      try {
        resolveDockerHost(view, name);
      } catch (e) {
        const path: PathSeg[] = ['phases', p, 'checks', c];
        problems.push(
          loc.problem(name !== undefined ? [...path, 'docker_host'] : path, (e as Error).message),
        );
      }
    });
  });
  return problems;
}

/** Every problem of the Docker hosts and of the checks' `docker_host`. */
export function dockerHostsProblems(config: OrixoonConfig, loc: Locator, baseDir: string): ConfigProblem[] {
  const own = hostsProblems(config, loc, baseDir);
  return own.length ? own : checkProblems(config, loc);
}

/** TLS file paths made absolute (they are relative to the config file), in place. */
export function resolveTlsPaths(config: OrixoonConfig, baseDir: string): void {
  for (const h of Object.values(config.targets.docker.hosts ?? {})) {
    if (!h.tls) continue;
    for (const k of TLS_KEYS) {
      const v = h.tls[k];
      if (v !== undefined && !isPem(v) && !isAbsolute(v)) h.tls[k] = resolve(baseDir, v);
    }
  }
}
