// Extra real Docker engines for tests, each with its own data root, exec root, pidfile and unix
// socket, optionally listening with TLS on a loopback address (certificates made here by openssl);
// and a real sshd on 127.0.0.1 (its own config, host key and port) with an ssh-agent holding a key
// made here. Everything is stopped by its own pid and its directory removed.
import { execFile, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FIXTURE_IMAGE } from './docker.js';

const run = promisify(execFile);

async function waitUntil(what: string, log: string, fn: () => Promise<unknown>, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      await fn();
      return;
    } catch (e) {
      if (Date.now() > end) {
        let text = '';
        try {
          text = readFileSync(log, 'utf8').slice(-2000);
        } catch {
          // no log yet
        }
        throw new Error(`${what} did not start: ${text}`, { cause: e });
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number): Promise<void> {
  if (!pid || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 150 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Client TLS material (PEM files) for an engine's TLS listener, and a CA nobody trusts. */
export interface Certificates {
  ca: string;
  cert: string;
  key: string;
  otherCa: string;
}

/** A CA (and one nobody trusts), and server and client certificates it signed for `ip`, in `dir`. */
export async function makeCertificates(
  dir: string,
  ip: string,
): Promise<Certificates & { serverCert: string; serverKey: string }> {
  const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  writeFileSync(join(dir, 'server.ext'), `subjectAltName = IP:${ip}\nextendedKeyUsage = serverAuth\n`);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage = clientAuth\n');
  for (const ca of ['ca', 'other-ca'])
    await openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${ca}`,
      '-keyout',
      `${ca}-key.pem`,
      '-out',
      `${ca}.pem`,
    );
  for (const who of ['server', 'client']) {
    await openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${who}`,
      '-keyout',
      `${who}-key.pem`,
      '-out',
      `${who}.csr`,
    );
    await openssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${who}.ext`,
      '-out',
      `${who}-cert.pem`,
    );
  }
  return {
    ca: join(dir, 'ca.pem'),
    cert: join(dir, 'client-cert.pem'),
    key: join(dir, 'client-key.pem'),
    otherCa: join(dir, 'other-ca.pem'),
    serverCert: join(dir, 'server-cert.pem'),
    serverKey: join(dir, 'server-key.pem'),
  };
}

export interface Engine {
  dir: string;
  /** unix://… of its own socket. */
  socket: string;
  /** tcp://IP:PORT of its TLS listener, when it has one. */
  tcp?: string;
  certs?: Certificates;
  pid: number;
  /** Runs the docker CLI against this engine. */
  docker(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** Starts a second (third, …) dockerd; with `tls`, it listens with --tlsverify on `tls.ip:tls.port`. */
export async function startEngine(opts: {
  prefix: string;
  tls?: { ip: string; port: number };
}): Promise<Engine> {
  // Short paths: the engine's unix sockets live under the exec root.
  const dir = mkdtempSync(`/tmp/${opts.prefix}-`);
  const certs = opts.tls ? await makeCertificates(dir, opts.tls.ip) : undefined;
  const log = join(dir, 'dockerd.log');
  const logFd = openSync(log, 'a');
  const args = [
    'dockerd',
    '--iptables=false',
    '--bridge=none',
    '--storage-driver=vfs',
    `--data-root=${dir}/data`,
    `--exec-root=${dir}/exec`,
    `--pidfile=${dir}/docker.pid`,
    '-H',
    `unix://${dir}/docker.sock`,
  ];
  if (opts.tls && certs)
    args.push(
      '-H',
      `tcp://${opts.tls.ip}:${opts.tls.port}`,
      '--tlsverify',
      `--tlscacert=${certs.ca}`,
      `--tlscert=${certs.serverCert}`,
      `--tlskey=${certs.serverKey}`,
    );
  // Its output goes to a file, never to this process's pipes.
  const child = spawn('setsid', args, { detached: true, stdio: ['ignore', logFd, logFd] });
  child.unref();
  closeSync(logFd);
  const socket = `unix://${dir}/docker.sock`;
  const cli = async (...a: string[]): Promise<string> =>
    (await run('docker', ['-H', socket, ...a], { maxBuffer: 64 * 1024 * 1024 })).stdout.trim();
  let pid = 0;
  const engine: Engine = {
    dir,
    socket,
    ...(opts.tls ? { tcp: `tcp://${opts.tls.ip}:${opts.tls.port}` } : {}),
    ...(certs ? { certs: { ca: certs.ca, cert: certs.cert, key: certs.key, otherCa: certs.otherCa } } : {}),
    get pid() {
      return pid;
    },
    docker: cli,
    async stop() {
      await stopPid(pid);
      // The engine leaves its host network namespace mounted under its exec root.
      const mounts = readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length);
      for (const m of mounts) await run('umount', [m]).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitUntil('second engine', log, async () => {
      await cli('version');
      pid = Number(readFileSync(join(dir, 'docker.pid'), 'utf8'));
    });
    // Images are per engine: the fixture image is loaded into it.
    await run('sh', ['-c', `docker save ${FIXTURE_IMAGE} | docker -H ${socket} load`]);
  } catch (e) {
    if (!pid) {
      try {
        pid = Number(readFileSync(join(dir, 'docker.pid'), 'utf8'));
      } catch {
        // never wrote its pidfile
      }
    }
    await engine.stop();
    throw e;
  }
  return engine;
}

export interface SshServer {
  dir: string;
  port: number;
  /** SSH_AUTH_SOCK of an agent that holds the key the server accepts. */
  agentSocket: string;
  stop(): Promise<void>;
}

/**
 * sshd on 127.0.0.1:`port` for this machine's user, accepting one key made here (held by an
 * ssh-agent); its sessions see DOCKER_HOST=`dockerHost`, so `ssh://…` reaches that engine.
 */
export async function startSshd(opts: { port: number; dockerHost: string }): Promise<SshServer> {
  const dir = mkdtempSync('/tmp/oxssh-');
  const log = join(dir, 'sshd.log');
  let sshdPid = 0;
  let agentPid = 0;
  const stop = async (): Promise<void> => {
    await stopPid(sshdPid);
    await stopPid(agentPid);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'user_key')]);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')), { mode: 0o600 });
    writeFileSync(
      join(dir, 'sshd_config'),
      [
        `Port ${opts.port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_key')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'PermitRootLogin prohibit-password',
        'UsePAM no',
        // The key file lives in a temporary directory under /tmp.
        'StrictModes no',
        `SetEnv DOCKER_HOST=${opts.dockerHost}`,
        '',
      ].join('\n'),
    );
    // sshd needs its privilege-separation directory.
    await run('mkdir', ['-p', '/run/sshd']);
    await run('/usr/sbin/sshd', ['-f', join(dir, 'sshd_config'), '-E', log]);
    await waitUntil('sshd', log, async () => {
      sshdPid = Number(readFileSync(join(dir, 'sshd.pid'), 'utf8'));
    });
    const agentSocket = join(dir, 'agent.sock');
    const { stdout } = await run('ssh-agent', ['-a', agentSocket, '-s']);
    agentPid = Number(/SSH_AGENT_PID=(\d+)/.exec(stdout)?.[1] ?? 0);
    await run('ssh-add', [join(dir, 'user_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket } });
    return { dir, port: opts.port, agentSocket, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
