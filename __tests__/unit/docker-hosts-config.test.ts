// `targets.docker.hosts` at load: each problem located with what to do, and the connection settings
// and finding keys the run gets from a valid one.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { onDockerHost } from '../../src/checks/docker-host.js';
import { ConfigError, parseConfig, type ConfigProblem } from '../../src/config/load.js';
import { connectionUrls, targetSettings } from '../../src/engine/connections.js';
import { actsOn, approvalId, cooldownKey } from '../../src/healing/policy.js';
import type { Finding } from '../../src/core/types.js';

function problems(
  text: string,
  file = join(tmpdir(), 'o.yml'),
  env: NodeJS.ProcessEnv = {},
): ConfigProblem[] {
  try {
    parseConfig(text, file, env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'oxmh-unit-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const HOSTS = `targets:
  docker:
    hosts:
      app: { host: "unix:///var/run/docker.sock" }
      db: { host: "tcp://10.0.0.2:2376" }
`;
const checks = (...entries: string[]): string =>
  `phases:\n  - name: a\n    checks:\n${entries.map((e) => `      - ${e}\n`).join('')}`;

describe('targets.docker.hosts at load', () => {
  test('a check naming an unknown host: located, listing the configured hosts', () => {
    const [p] = problems(HOSTS + checks('{ id: w, type: container, container: web, docker_host: edge }'));
    expect(p).toMatchObject({ key: 'phases[0].checks[0].docker_host', line: 9 });
    expect(p!.column).toBeGreaterThan(1);
    expect(p!.message).toMatch(/'edge' is not configured: the configured hosts are 'app', 'db'/);
  });

  test('several hosts and no default: a container check without docker_host says how to choose', () => {
    const [p] = problems(HOSTS + checks('{ id: w, type: container, container: web }'));
    expect(p).toMatchObject({ key: 'phases[0].checks[0]', line: 9 });
    expect(p!.message).toMatch(
      /set docker_host on the check, targets\.docker\.default, or name one of them 'default'/,
    );
    // A check that reaches no container needs no host.
    expect(() =>
      parseConfig(HOSTS + checks('{ id: h, type: http, url: "http://127.0.0.1:1" }'), 'o.yml', {}),
    ).not.toThrow();
    // targets.docker.default picks one.
    expect(() =>
      parseConfig(
        HOSTS.replace('    hosts:', '    default: db\n    hosts:') +
          checks('{ id: w, type: container, container: web }'),
        'o.yml',
        {},
      ),
    ).not.toThrow();
  });

  test('docker_host on a single-host config must be `default`', () => {
    const [p] = problems(checks('{ id: w, type: container, container: web, docker_host: app }'));
    expect(p!.message).toMatch(/Docker host 'app' is not configured: the configured host is 'default'/);
  });

  test('both forms, a bad address, TLS off tcp, a cert without key, a missing TLS file', () => {
    const dir = tempDir();
    const file = join(dir, 'o.yml');
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
    const ps = problems(
      `targets:
  docker:
    host: "unix:///var/run/docker.sock"
    hosts:
      a: { host: "ftp://x" }
      b: { host: "unix:///s", tls: { ca: ca.pem } }
      c: { host: "tcp://h:2376", tls: { ca: ca.pem, cert: c.pem } }
      d: { host: "tcp://h:2376", tls: { ca: nope.pem } }
`,
      file,
    );
    const by = (key: string) => ps.find((p) => p.key === key);
    expect(by('targets.docker.host')!.message).toMatch(
      /either targets\.docker\.host .* or targets\.docker\.hosts/,
    );
    expect(by('targets.docker.hosts.a.host')!.message).toMatch(/not a Docker address: use unix:/);
    expect(by('targets.docker.hosts.b.tls')!.message).toMatch(/tcp:\/\/ host only/);
    expect(by('targets.docker.hosts.c.tls')!.message).toMatch(/give both tls\.cert and tls\.key/);
    expect(by('targets.docker.hosts.d.tls.ca')).toMatchObject({ line: 8 });
    expect(by('targets.docker.hosts.d.tls.ca')!.message).toContain(`${join(dir, 'nope.pem')} does not exist`);
  });

  test('TLS material: files resolved from the config, ${VAR}s as PEM text; all of it masked', () => {
    const dir = tempDir();
    const key =
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    writeFileSync(
      join(dir, 'ca.pem'),
      '-----BEGIN CERTIFICATE-----\nMIIDazCCAlOgAwIBAgIUJ3x5cafe0123456789abcdef\n-----END CERTIFICATE-----\n',
    );
    writeFileSync(
      join(dir, 'cert.pem'),
      '-----BEGIN CERTIFICATE-----\nMIIDbzCCAlegAwIBAgIUclientcert0123456789\n-----END CERTIFICATE-----\n',
    );
    const loaded = parseConfig(
      `targets:
  docker:
    timeout_seconds: 7
    hosts:
      default: { host: "unix:///var/run/docker.sock" }
      db: { host: "tcp://10.0.0.2:2376", tls: { ca: ca.pem, cert: cert.pem, key: "\${DB_KEY}" }, timeout_seconds: 3 }
`,
      join(dir, 'o.yml'),
      { DB_KEY: key },
    );
    const s = targetSettings({ docker: { host: 'unix:///other.sock' } }, loaded.config);
    expect(s.docker).toEqual({
      hosts: {
        // The input overrides the default host.
        default: { host: 'unix:///other.sock', timeoutMs: 7000 },
        db: {
          host: 'tcp://10.0.0.2:2376',
          tls: { ca: join(dir, 'ca.pem'), cert: join(dir, 'cert.pem'), key },
          timeoutMs: 3000,
        },
      },
    });
    const secrets = connectionUrls({}, loaded.config);
    expect(secrets).toContain(key);
    expect(secrets).toContain('MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7');
    expect(secrets).toContain('MIIDbzCCAlegAwIBAgIUclientcert0123456789');
  });
});

describe('findings on one of several engines', () => {
  const finding: Finding = {
    code: 'container_not_running',
    checkId: 'web',
    target: 'web',
    targetKey: 'container:web',
    message: "Docker container 'web' not running (exited, exit code 0)",
    evidence: { state: 'exited' },
    params: { container: 'web' },
  };

  test('key, name, message and params carry the host; cooldown and approval ids differ per host', () => {
    const app = onDockerHost(finding, 'app');
    const db = onDockerHost(finding, 'db');
    expect(app).toMatchObject({
      targetKey: 'container:app/web',
      target: "container 'web' on app",
      message: "Docker container 'web' on app not running (exited, exit code 0)",
      params: { container: 'web', docker_host: 'app' },
    });
    expect(actsOn(app)).toBe('container:app/web');
    expect(cooldownKey(app, 'start_container')).not.toBe(cooldownKey(db, 'start_container'));
    expect(approvalId(app, 'sha')).not.toBe(approvalId(db, 'sha'));
  });

  test('a database finding keeps its own target; only the container it would restart gets the host', () => {
    const pg: Finding = { ...finding, targetKey: 'postgres:db', target: 'db', params: { container: 'pg' } };
    const placed = onDockerHost(pg, 'db');
    expect(placed).toMatchObject({
      targetKey: 'postgres:db',
      target: 'db',
      params: { container: 'pg', docker_host: 'db' },
    });
    expect(actsOn(placed)).toBe('container:db/pg');
    expect(onDockerHost({ ...pg, params: {} }, 'db').params).toEqual({});
  });
});
