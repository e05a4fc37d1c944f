// The docker target's and container check's pure parts: where the daemon is (unix, tcp, TLS, ssh),
// the healthcheck command, Compose's depends_on label, which exits count as crashes, which OOM kills
// still count, and the create spec a recreate uses.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dockerConnection,
  healthcheckArgv,
  recreateSpec,
  type ContainerInspectInfo,
  type DockerEvent,
} from '../../src/targets/docker/index.js';
import {
  oomsSinceDeliberateStart,
  parseComposeDependsOn,
  unrequestedDies,
} from '../../src/checks/container.js';

describe('dockerConnection', () => {
  const t = 1000;
  it('defaults to the local socket, and takes unix:// from settings over DOCKER_HOST', () => {
    expect(dockerConnection({ timeoutMs: t }, {}).display).toBe('unix:///var/run/docker.sock');
    const c = dockerConnection(
      { host: 'unix:///run/user/1000/docker.sock', timeoutMs: t },
      { DOCKER_HOST: 'tcp://10.0.0.1:2375' },
    );
    expect(c.display).toBe('unix:///run/user/1000/docker.sock');
    expect(c.modem).toMatchObject({ socketPath: '/run/user/1000/docker.sock', host: undefined });
  });

  it('reads DOCKER_HOST for plain tcp', () => {
    const c = dockerConnection({ timeoutMs: t }, { DOCKER_HOST: 'tcp://10.0.0.5:2375' });
    expect(c.display).toBe('tcp://10.0.0.5:2375');
    expect(c.modem).toMatchObject({ protocol: 'http', host: '10.0.0.5', port: 2375, socketPath: undefined });
  });

  it('uses TLS with the certificates of the cert path, verifying when asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oxc-certs-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----${f}-----`);
    const c = dockerConnection(
      { timeoutMs: t },
      { DOCKER_HOST: 'tcp://docker.example:2376', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: dir },
    );
    expect(c.display).toBe('tcp://docker.example:2376 (TLS)');
    expect(c.modem).toMatchObject({
      protocol: 'https',
      host: 'docker.example',
      port: 2376,
      ca: '-----ca.pem-----',
      cert: '-----cert.pem-----',
      key: '-----key.pem-----',
    });
    expect(c.modem.agent).toBeUndefined();

    const noVerify = dockerConnection(
      { host: 'tcp://docker.example:2376', certPath: dir, tlsVerify: false, timeoutMs: t },
      {},
    );
    expect(noVerify.modem.protocol).toBe('https');
    expect(noVerify.modem.agent?.options.rejectUnauthorized).toBe(false);
  });

  it('refuses TLS verification without a CA, naming the file and the setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oxc-nocerts-'));
    expect(() =>
      dockerConnection({ host: 'tcp://h:2376', tlsVerify: true, certPath: dir, timeoutMs: t }, {}),
    ).toThrow(
      `Docker host tcp://h:2376 (TLS): TLS verification is on but ${join(dir, 'ca.pem')} does not exist — set targets.docker.cert_path (or DOCKER_CERT_PATH) to the directory with ca.pem, cert.pem and key.pem`,
    );
  });

  it('connects over ssh with the user, port and agent', () => {
    const c = dockerConnection(
      { host: 'ssh://deploy@build.example:2222', timeoutMs: t },
      { SSH_AUTH_SOCK: '/tmp/agent.sock' },
    );
    expect(c.display).toBe('ssh://deploy@build.example:2222');
    expect(c.modem).toMatchObject({
      protocol: 'ssh',
      host: 'build.example',
      port: 2222,
      username: 'deploy',
      sshOptions: { agent: '/tmp/agent.sock' },
    });
  });

  it('rejects other schemes clearly', () => {
    expect(() => dockerConnection({ host: 'ftp://x', timeoutMs: t }, {})).toThrow(
      /unsupported scheme: use unix:\/\/, tcp:\/\/ or ssh:\/\//,
    );
  });
});

function inspectWith(
  config: Partial<ContainerInspectInfo['Config']> & Record<string, unknown>,
  extra: Partial<ContainerInspectInfo> = {},
): ContainerInspectInfo {
  return {
    Id: 'abcdef0123456789abcdef',
    Name: '/app',
    Image: 'sha256:img',
    State: {
      Status: 'running',
      Running: true,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: 1,
      ExitCode: 0,
      Error: '',
      StartedAt: '',
      FinishedAt: '',
    },
    Config: { Image: 'app:1', Labels: {}, Env: [], Cmd: [], ...config },
    HostConfig: { NetworkMode: 'default' },
    Mounts: [],
    NetworkSettings: { Networks: {} },
    ...extra,
  } as unknown as ContainerInspectInfo;
}

describe('healthcheckArgv', () => {
  it('runs CMD as given, CMD-SHELL through the shell, and nothing for NONE or no healthcheck', () => {
    expect(
      healthcheckArgv(inspectWith({ Healthcheck: { Test: ['CMD', 'pg_isready', '-h', '127.0.0.1'] } })),
    ).toEqual(['pg_isready', '-h', '127.0.0.1']);
    expect(
      healthcheckArgv(
        inspectWith({ Healthcheck: { Test: ['CMD-SHELL', 'curl -f http://localhost/ || exit 1'] } }),
      ),
    ).toEqual(['/bin/sh', '-c', 'curl -f http://localhost/ || exit 1']);
    expect(
      healthcheckArgv(
        inspectWith({ Healthcheck: { Test: ['CMD-SHELL', 'true'] }, Shell: ['/bin/bash', '-lc'] }),
      ),
    ).toEqual(['/bin/bash', '-lc', 'true']);
    expect(healthcheckArgv(inspectWith({ Healthcheck: { Test: ['NONE'] } }))).toBeUndefined();
    expect(healthcheckArgv(inspectWith({}))).toBeUndefined();
  });
});

describe('parseComposeDependsOn', () => {
  it('reads all three formats, trims, and drops duplicates', () => {
    expect(parseComposeDependsOn('db')).toEqual(['db']);
    expect(parseComposeDependsOn('db:service_healthy')).toEqual(['db']);
    expect(parseComposeDependsOn('db:service_healthy:true,redis:service_started:false, cache ,db')).toEqual([
      'db',
      'redis',
      'cache',
    ]);
    expect(parseComposeDependsOn('')).toEqual([]);
    expect(parseComposeDependsOn(undefined)).toEqual([]);
  });
});

function ev(action: string, s: number): DockerEvent {
  return { action, id: 'c', timeNano: s * 1e9, attributes: {} };
}

describe('crash and OOM accounting', () => {
  it('a die counts as a crash unless a kill was asked for since the last start', () => {
    const events = [
      ev('start', 1),
      ev('die', 2),
      ev('start', 3),
      ev('kill', 4),
      ev('die', 5),
      ev('start', 6),
      ev('die', 7),
    ];
    expect(unrequestedDies(events).map((e) => e.timeNano / 1e9)).toEqual([2, 7]);
  });

  it('OOM kills count since the last deliberate start; a restart-policy restart after a crash does not reset them', () => {
    // Deliberate restart (kill first) at 4: the OOM at 2 is forgotten, the one at 5 counts.
    expect(
      oomsSinceDeliberateStart(
        [ev('start', 1), ev('oom', 2), ev('kill', 3), ev('die', 3.1), ev('start', 4), ev('oom', 5)],
        false,
      ),
    ).toBe(1);
    // OOM-killed main process, brought back by the restart policy: the OOM still counts.
    expect(
      oomsSinceDeliberateStart([ev('start', 1), ev('oom', 2), ev('die', 2.1), ev('start', 2.5)], true),
    ).toBe(1);
    // Without a restart policy every start is someone's decision.
    expect(
      oomsSinceDeliberateStart([ev('start', 1), ev('oom', 2), ev('die', 2.1), ev('start', 2.5)], false),
    ).toBe(0);
  });
});

describe('recreateSpec', () => {
  it('re-binds anonymous volumes by name, converts links, drops the generated hostname, keeps network aliases', () => {
    const old = inspectWith(
      {
        Hostname: 'abcdef012345',
        Cmd: ['run'],
        Env: ['A=1'],
        Labels: { l: 'v' },
        Volumes: { '/anon': {}, '/named': {} },
        StopTimeout: 3,
      },
      {
        HostConfig: {
          NetworkMode: 'shopnet',
          Binds: ['named-vol:/named', '/host/dir:/cfg:ro'],
          Links: ['/db:/app/database'],
          RestartPolicy: { Name: 'always', MaximumRetryCount: 0 },
          Memory: 1024,
          ContainerIDFile: '/tmp/cid',
        },
        Mounts: [
          {
            Type: 'volume',
            Name: 'named-vol',
            Source: '/var/lib/docker/volumes/named-vol/_data',
            Destination: '/named',
            Mode: 'z',
            RW: true,
            Propagation: '',
          },
          {
            Type: 'volume',
            Name: '3f2a9c',
            Source: '/var/lib/docker/volumes/3f2a9c/_data',
            Destination: '/anon',
            Mode: '',
            RW: true,
            Propagation: '',
          },
          {
            Type: 'bind',
            Source: '/host/dir',
            Destination: '/cfg',
            Mode: 'ro',
            RW: false,
            Propagation: 'rprivate',
          },
        ],
        NetworkSettings: { Networks: { shopnet: { Aliases: ['app', 'abcdef012345'], NetworkID: 'n' } } },
      } as unknown as Partial<ContainerInspectInfo>,
    );
    const spec = recreateSpec(old, 'app:1');
    expect(spec.Image).toBe('app:1');
    expect(spec.Hostname).toBeUndefined();
    expect(spec.Cmd).toEqual(['run']);
    expect(spec.StopTimeout).toBe(3);
    expect(spec.HostConfig?.Binds).toEqual(['named-vol:/named', '/host/dir:/cfg:ro', '3f2a9c:/anon']);
    expect(spec.HostConfig?.Links).toEqual(['db:database']);
    expect(spec.HostConfig?.ContainerIDFile).toBe('');
    expect(spec.HostConfig?.RestartPolicy).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(spec.NetworkingConfig?.EndpointsConfig?.shopnet.Aliases).toEqual(['app']);
  });
});
