// Several Docker engines in one config, against real engines: this machine's engine over its unix
// socket, a second dockerd started here listening with TLS on 127.0.0.2 (certificates by openssl,
// given to the config as `${VAR}`s), and that second engine again over ssh:// through a real sshd on
// 127.0.0.1. One run heals a stopped container on each engine; an engine that is down or refuses TLS
// blocks only its own checks; discovered mode covers every host. Engines, sshd and agent are stopped
// by their pids afterwards.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  docker,
  FIXTURE_IMAGE,
  removeSuite,
  runContainer,
  SLEEP_FOREVER,
  TEST_LABEL,
} from '../helpers/docker.js';
import { renderPrComment } from '../../src/report/pr-comment.js';
import { runWithConfig } from '../helpers/engine.js';
import { startEngine, startSshd, type Engine, type SshServer } from '../helpers/engines.js';

const SUITE = 'docker-hosts';
const TLS_PORT = 55497;
const SSH_PORT = 55522;
let engine: Engine | undefined;
let sshd: SshServer | undefined;
let savedAgent: string | undefined;

/** A container on the second engine, like runContainer's on the first. */
async function runOnSecond(name: string): Promise<void> {
  await engine!.docker('rm', '-f', name).catch(() => '');
  await engine!.docker(
    'run',
    '-d',
    '--name',
    name,
    '--network',
    'host',
    '--label',
    `${TEST_LABEL}=${SUITE}`,
    '-v',
    '/usr:/usr:ro',
    '-v',
    '/lib:/lib:ro',
    '-v',
    '/lib64:/lib64:ro',
    '-v',
    '/bin:/bin:ro',
    FIXTURE_IMAGE,
    ...SLEEP_FOREVER,
  );
}

const running = async (cli: (...a: string[]) => Promise<string>, name: string): Promise<boolean> =>
  (await cli('inspect', '-f', '{{.State.Running}}', name)) === 'true';

beforeAll(async () => {
  await removeSuite(SUITE);
  engine = await startEngine({ prefix: 'oxmh', tls: { ip: '127.0.0.2', port: TLS_PORT } });
  sshd = await startSshd({ port: SSH_PORT, dockerHost: engine.socket });
  // The run reaches ssh:// engines with the runner's agent, as in a workflow with an ssh-agent step.
  savedAgent = process.env.SSH_AUTH_SOCK;
  process.env.SSH_AUTH_SOCK = sshd.agentSocket;
}, 180_000);

afterAll(async () => {
  if (savedAgent === undefined) delete process.env.SSH_AUTH_SOCK;
  else process.env.SSH_AUTH_SOCK = savedAgent;
  await removeSuite(SUITE);
  await sshd?.stop();
  await engine?.stop();
}, 60_000);

/** The TLS material as the config gets it: PEM text in environment variables. */
function tlsEnv(): Record<string, string> {
  const c = engine!.certs!;
  return {
    OXMH_CA: readFileSync(c.ca, 'utf8'),
    OXMH_CERT: readFileSync(c.cert, 'utf8'),
    OXMH_KEY: readFileSync(c.key, 'utf8'),
  };
}

const HOSTS = `
targets:
  docker:
    timeout_seconds: 5
    hosts:
      local: { host: "unix:///var/run/docker.sock" }
      tls:
        host: "tcp://127.0.0.2:${TLS_PORT}"
        tls: { ca: "\${OXMH_CA}", cert: "\${OXMH_CERT}", key: "\${OXMH_KEY}" }
      edge: { host: "ssh://root@127.0.0.1:${SSH_PORT}" }
`;

describe('several Docker engines in one run', () => {
  test('one run heals a stopped container on each engine (the same name on two engines is two targets)', async () => {
    await runContainer({ name: 'oxmh-web', suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', 'oxmh-web');
    await runOnSecond('oxmh-web');
    await runOnSecond('oxmh-ssh');
    await engine!.docker('stop', '-t', '0', 'oxmh-web', 'oxmh-ssh');
    const env = tlsEnv();
    const r = await runWithConfig(
      `${HOSTS}
phases:
  - name: web
    checks:
      - { id: web-local, type: container, container: oxmh-web, docker_host: local }
      - { id: web-tls, type: container, container: oxmh-web, docker_host: tls }
      - { id: ssh, type: container, container: oxmh-ssh, docker_host: edge }
`,
      { env: { ...process.env, ...env }, timeoutSeconds: 90 },
    );
    const byCheck = (id: string) => r.report.findings.find((f) => f.checkId === id)!;
    expect(r.report.verdict).toBe('healed');
    for (const [id, host, name] of [
      ['web-local', 'local', 'oxmh-web'],
      ['web-tls', 'tls', 'oxmh-web'],
      ['ssh', 'edge', 'oxmh-ssh'],
    ] as const) {
      expect(byCheck(id)).toMatchObject({
        code: 'container_not_running',
        outcome: 'healed',
        action: 'start_container',
        target: `container '${name}' on ${host}`,
      });
      expect(byCheck(id).message).toContain(`'${name}' on ${host}`);
    }
    // Same container name, same code, two engines: two approval ids.
    expect(byCheck('web-local').id).not.toBe(byCheck('web-tls').id);
    expect(r.summary).toContain("container 'oxmh-web' on tls");
    const comment = renderPrComment({ report: r.report }).content;
    expect(comment).toContain("'oxmh-web' on tls");
    expect(comment).toContain("'oxmh-web' on local");
    expect(r.log).toContain("start_container on container 'oxmh-web' on tls: Container started successfully");
    // The engines' own state afterwards.
    expect(await running(docker, 'oxmh-web')).toBe(true);
    expect(await running(engine!.docker, 'oxmh-web')).toBe(true);
    expect(await running(engine!.docker, 'oxmh-ssh')).toBe(true);
    // The TLS material from ${VAR}s appears nowhere.
    for (const pem of Object.values(env)) {
      const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
      for (const text of [r.reportJson, r.log, r.summary, r.console]) {
        expect(text).not.toContain(pem.trim());
        for (const line of body) expect(text).not.toContain(line);
      }
    }
  }, 150_000);

  test('an engine that is down or refuses TLS blocks only its own checks; the others heal', async () => {
    await runContainer({ name: 'oxmh-web', suite: SUITE, cmd: SLEEP_FOREVER });
    await docker('stop', '-t', '0', 'oxmh-web');
    const c = engine!.certs!;
    const started = Date.now();
    const r = await runWithConfig(
      `${HOSTS}
      down: { host: "tcp://127.0.0.2:${TLS_PORT + 1}", tls: { ca: "${c.ca}", cert: "${c.cert}", key: "${c.key}" } }
      untrusted: { host: "tcp://127.0.0.2:${TLS_PORT}", tls: { ca: "${c.otherCa}", cert: "${c.cert}", key: "${c.key}" } }
phases:
  - name: web
    checks:
      - { id: web-local, type: container, container: oxmh-web, docker_host: local }
      - { id: on-down, type: container, container: oxmh-web, docker_host: down }
      - { id: on-untrusted, type: container, container: oxmh-web, docker_host: untrusted }
`,
      { env: { ...process.env, ...tlsEnv() }, timeoutSeconds: 90 },
    );
    const byCheck = (id: string) => r.report.findings.find((f) => f.checkId === id)!;
    expect(r.report.verdict).toBe('blocked');
    expect(byCheck('web-local')).toMatchObject({
      outcome: 'healed',
      target: "container 'oxmh-web' on local",
    });
    expect(byCheck('on-down')).toMatchObject({ code: 'check_error', outcome: 'not_healable' });
    expect(byCheck('on-down').message).toMatch(
      /Docker host 'down' \(tcp:\/\/127\.0\.0\.2:55498 \(TLS\)\) not reachable/,
    );
    expect(byCheck('on-untrusted')).toMatchObject({ code: 'check_error', outcome: 'not_healable' });
    expect(byCheck('on-untrusted').message).toMatch(/Docker host 'untrusted' .* not reachable/);
    expect(await running(docker, 'oxmh-web')).toBe(true);
    // Refused at once: nowhere near the run's deadline.
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 150_000);

  test('discovered mode checks every host, ids and phases naming the host, lease containers left out', async () => {
    await runContainer({ name: 'oxmh-web', suite: SUITE, cmd: SLEEP_FOREVER });
    await runOnSecond('oxmh-web');
    await engine!.docker('rm', '-f', 'oxmh-lease').catch(() => '');
    await engine!.docker(
      'create',
      '--name',
      'oxmh-lease',
      '--label',
      'orixoon.lease=abc',
      '--label',
      `${TEST_LABEL}=${SUITE}`,
      FIXTURE_IMAGE,
      '/bin/true',
    );
    await engine!.docker('stop', '-t', '0', 'oxmh-web');
    const r = await runWithConfig(
      `targets:
  docker:
    hosts:
      local: { host: "unix:///var/run/docker.sock" }
      tls:
        host: "tcp://127.0.0.2:${TLS_PORT}"
        tls: { ca: "\${OXMH_CA}", cert: "\${OXMH_CERT}", key: "\${OXMH_KEY}" }
`,
      { env: { ...process.env, ...tlsEnv() }, dryRun: true, timeoutSeconds: 90 },
    );
    expect(r.report.mode.discovered).toBe(true);
    const ids = r.report.phases.flatMap((p) => p.checks.map((c) => c.id));
    expect(ids).toContain('local:oxmh-web');
    expect(ids).toContain('tls:oxmh-web');
    expect(ids.some((id) => id.includes('oxmh-lease'))).toBe(false);
    expect(r.report.phases.map((p) => p.name)).toContain('containers@tls');
    const f = r.report.findings.find((x) => x.checkId === 'tls:oxmh-web')!;
    expect(f).toMatchObject({
      code: 'container_not_running',
      outcome: 'dry_run',
      target: "container 'oxmh-web' on tls",
    });
    expect(await running(engine!.docker, 'oxmh-web')).toBe(false);
  }, 150_000);
});
