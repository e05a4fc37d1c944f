// Docker target (dockerode): the only place that talks to the Docker Engine API. It owns the
// connection (unix socket, tcp with TLS, ssh), bounds every call with a timeout, and knows nothing of
// policy: checks read facts from it, remedies act through it.
import { existsSync, readFileSync } from 'node:fs';
import type { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
// Types only: the client (and what it pulls in) is loaded on the first call, so a run without a
// Docker check or target never loads it.
import type Dockerode from 'dockerode';
import pLimit from 'p-limit';
import { coalesce } from './batch.js';
import { cgroupMemory } from './cgroup.js';
import { DockerHttp, type Query } from './docker-http.js';
import { LineTail, MAX_LOG_BYTES, MAX_LOG_LINES } from './logfile.js';
import { lazyImport } from './lazy.js';

export interface DockerSettings {
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host; default DOCKER_HOST or the local socket. */
  host?: string;
  tlsVerify?: boolean;
  certPath?: string;
  timeoutMs: number;
}

export type ContainerInfo = Dockerode.ContainerInfo;
export type ContainerInspectInfo = Dockerode.ContainerInspectInfo;

/** Inspect fields the published types leave out. */
interface InspectConfigExtras {
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

/** Per-call bounds: a timeout (default `settings.timeoutMs`) and an outer signal (the run's deadline). */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ContainerLogOptions extends CallOptions {
  sinceSeconds?: number;
  /** The last N lines only (Docker's own `tail`). */
  tail?: number;
  /** Default MAX_LOG_LINES. */
  maxLines?: number;
  /** Default MAX_LOG_BYTES. */
  maxBytes?: number;
}

export interface ContainerLogs {
  /** Oldest first. */
  lines: string[];
  /** Older lines of the window were left out to stay within the caps. */
  capped: boolean;
}

export interface DockerEvent {
  /** `die`, `start`, `kill`, `oom`, `health_status: healthy`, … */
  action: string;
  /** Container id. */
  id: string;
  name?: string;
  /** Epoch nanoseconds as Docker reports them (`timeNano`). */
  timeNano: number;
  attributes: Record<string, string>;
}

export interface MemoryStats {
  /** Bytes charged to the container's cgroup (includes page cache). */
  usage: number;
  /** Reclaimable page cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2). */
  inactiveFile: number;
  /** The cgroup's limit (the host's memory when the container has none). */
  limit: number;
}

export interface HealthcheckResult {
  /** false when the container has no healthcheck (or `NONE`). */
  defined: boolean;
  ok: boolean;
  output: string;
  /** The probe did not finish in time (Docker counts that as a failure too). */
  timedOut?: boolean;
}

export interface WaitResult {
  ok: boolean;
  /** The last inspection (the one that satisfied the predicate when ok). */
  info?: ContainerInspectInfo;
  /** The last error seen while waiting (e.g. the container does not exist). */
  error?: Error;
  waitedMs: number;
}

/** One container's events in a time window (epoch ms). */
interface EventQuery {
  idOrName: string;
  sinceMs: number;
  untilMs: number;
}

/** The daemon could not be reached at all (refused, no socket, no answer in time). */
export class DockerUnreachableError extends Error {
  override readonly name = 'DockerUnreachableError';
}

/** A command run in a container (exec, healthcheck) took longer than allowed. */
export class ExecTimeoutError extends Error {
  override readonly name = 'ExecTimeoutError';
}

/** The daemon answered with an error status (404 no such container, 409 conflict, …). */
export class DockerApiError extends Error {
  override readonly name = 'DockerApiError';
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
  }
}

/** How to reach the daemon: the docker-modem options plus a printable address (no secrets). */
export interface DockerConnection {
  display: string;
  modem: Dockerode.DockerOptions & { sshOptions?: Record<string, unknown>; agent?: HttpsAgent };
}

const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Fallback poll while waiting for a container: events usually wake the wait earlier. */
const WAIT_POLL_MS = 100;
const dockerodeModule = lazyImport(() => import('dockerode'));
/** Cap on exec output kept in memory (logs have their own caps: MAX_LOG_LINES, MAX_LOG_BYTES). */
const MAX_OUTPUT_BYTES = 256 * 1024;
/**
 * Read-only calls (list, inspect, events, stats) in flight at once on one engine: enough to keep the
 * daemon busy, few enough that hundreds of checks reuse a handful of kept-alive connections.
 */
const READ_CONCURRENCY = 8;
/**
 * Stats requests in flight at once. The daemon answers each at its next once-a-second collection, so
 * they wait together: a bound below the number of containers would queue them by whole seconds.
 */
const STATS_CONCURRENCY = 256;
/** Containers asked about in one events request. */
const EVENTS_PER_REQUEST = 200;

function envFlag(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

function readIfExists(path: string): Buffer | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}

/**
 * Resolves where the daemon is, the way the docker CLI does: `settings.host`, else DOCKER_HOST, else
 * the local socket; tcp uses TLS when asked (tlsVerify / DOCKER_TLS_VERIFY, DOCKER_TLS, a cert path or
 * port 2376) with ca.pem / cert.pem / key.pem from certPath / DOCKER_CERT_PATH (default ~/.docker).
 */
export function dockerConnection(
  settings: DockerSettings,
  env: NodeJS.ProcessEnv = process.env,
): DockerConnection {
  const raw = (settings.host ?? env.DOCKER_HOST ?? '').trim();
  // Every key is set explicitly: docker-modem merges its own DOCKER_HOST defaults underneath.
  const blank = {
    socketPath: undefined,
    host: undefined,
    port: undefined,
    protocol: undefined,
    ca: undefined,
    cert: undefined,
    key: undefined,
    timeout: undefined,
  };
  const socket = (path: string): DockerConnection => ({
    display: `unix://${path}`,
    modem: { ...blank, socketPath: path },
  });
  if (!raw) {
    const userSocket = join(homedir(), '.docker', 'run', 'docker.sock');
    return socket(!existsSync(DEFAULT_SOCKET) && existsSync(userSocket) ? userSocket : DEFAULT_SOCKET);
  }
  if (raw.startsWith('unix://')) return socket(raw.slice('unix://'.length) || DEFAULT_SOCKET);
  if (raw.startsWith('/')) return socket(raw);
  if (raw.startsWith('npipe://'))
    return { display: raw, modem: { ...blank, socketPath: raw.slice('npipe://'.length) } };

  let url: URL;
  try {
    url = new URL(raw.includes('://') ? raw : `tcp://${raw}`);
  } catch {
    throw new Error(
      `Docker host '${raw}' is not a valid address: use unix:///path, tcp://host:port or ssh://user@host`,
    );
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (url.protocol === 'ssh:') {
    const port = Number(url.port || 22);
    const sshOptions: Record<string, unknown> = {};
    if (env.SSH_AUTH_SOCK) sshOptions.agent = env.SSH_AUTH_SOCK;
    else {
      const key = ['id_ed25519', 'id_ecdsa', 'id_rsa']
        .map((f) => join(homedir(), '.ssh', f))
        .find((f) => existsSync(f));
      if (key) sshOptions.privateKey = readFileSync(key);
    }
    const user = url.username ? `${decodeURIComponent(url.username)}@` : '';
    return {
      display: `ssh://${user}${url.host}`,
      modem: {
        ...blank,
        protocol: 'ssh',
        host: hostname,
        port,
        username: url.username ? decodeURIComponent(url.username) : undefined,
        sshOptions,
      },
    };
  }
  if (!['tcp:', 'http:', 'https:'].includes(url.protocol)) {
    throw new Error(
      `Docker host '${url.protocol}//${url.host}' uses an unsupported scheme: use unix://, tcp:// or ssh://`,
    );
  }
  const verify = settings.tlsVerify ?? envFlag(env.DOCKER_TLS_VERIFY);
  const certDir = settings.certPath ?? env.DOCKER_CERT_PATH;
  const tls =
    verify || url.protocol === 'https:' || envFlag(env.DOCKER_TLS) || !!certDir || url.port === '2376';
  const port = Number(url.port || (tls ? 2376 : 2375));
  const display = `tcp://${url.hostname}:${port}${tls ? ' (TLS)' : ''}`;
  if (!tls) return { display, modem: { ...blank, protocol: 'http', host: hostname, port } };

  const dir = certDir ?? join(homedir(), '.docker');
  const ca = readIfExists(join(dir, 'ca.pem'));
  const cert = readIfExists(join(dir, 'cert.pem'));
  const key = readIfExists(join(dir, 'key.pem'));
  if (verify && !ca) {
    throw new Error(
      `Docker host ${display}: TLS verification is on but ${join(dir, 'ca.pem')} does not exist — set targets.docker.cert_path (or DOCKER_CERT_PATH) to the directory with ca.pem, cert.pem and key.pem`,
    );
  }
  return {
    display,
    modem: {
      ...blank,
      protocol: 'https',
      host: hostname,
      port,
      ca: ca?.toString(),
      cert: cert?.toString(),
      key: key?.toString(),
      // Without verification the server certificate is accepted as is (DOCKER_TLS without _VERIFY).
      // node:https loads only here (see docker-http.ts on why not as an ESM import).
      agent: verify
        ? undefined
        : new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true, rejectUnauthorized: false }),
    },
  };
}

/** Docker's event/log time arguments accept fractional seconds. */
function dockerTime(ms: number): number {
  return Math.round(ms) / 1000;
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function statusCodeOf(e: unknown): number | undefined {
  const s = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Splits Docker's multiplexed stream format (8-byte headers) into frames, incrementally. */
class FrameDemuxer {
  private buffer: Buffer = Buffer.alloc(0);
  private raw = false;
  private decided = false;
  constructor(private readonly onFrame: (stream: 'stdout' | 'stderr', data: Buffer) => void) {}

  push(chunk: Buffer): void {
    if (this.raw) return this.onFrame('stdout', chunk);
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    while (this.buffer.length >= 8) {
      const type = this.buffer[0];
      // A TTY container's output is not multiplexed: no valid header at the start.
      if (
        !this.decided &&
        (type > 2 || this.buffer[1] !== 0 || this.buffer[2] !== 0 || this.buffer[3] !== 0)
      ) {
        this.raw = true;
        const all = this.buffer;
        this.buffer = Buffer.alloc(0);
        return this.onFrame('stdout', all);
      }
      this.decided = true;
      const len = this.buffer.readUInt32BE(4);
      if (this.buffer.length < 8 + len) return;
      this.onFrame(type === 2 ? 'stderr' : 'stdout', this.buffer.subarray(8, 8 + len));
      this.buffer = this.buffer.subarray(8 + len);
    }
  }

  end(): void {
    if (this.buffer.length) this.onFrame('stdout', this.buffer);
    this.buffer = Buffer.alloc(0);
  }
}

/** Splits a stream of newline-delimited JSON objects (Docker events). */
function jsonLines(onObject: (o: Record<string, unknown>) => void): (chunk: Buffer | string) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).trim();
      pending = pending.slice(nl + 1);
      if (!line) continue;
      try {
        onObject(JSON.parse(line) as Record<string, unknown>);
      } catch {
        /* not JSON: ignore */
      }
    }
  };
}

function toEvent(o: Record<string, unknown>): DockerEvent | undefined {
  const actor = (o.Actor ?? {}) as { ID?: string; Attributes?: Record<string, string> };
  const action =
    typeof o.Action === 'string' ? o.Action : typeof o.status === 'string' ? o.status : undefined;
  if (!action) return undefined;
  const attributes = actor.Attributes ?? {};
  const timeNano = typeof o.timeNano === 'number' ? o.timeNano : Number(o.time ?? 0) * 1e9;
  return { action, id: actor.ID ?? String(o.id ?? ''), name: attributes.name, timeNano, attributes };
}

const RFC3339_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) ?/;

/** A log line and the time Docker stamped it: epoch milliseconds (whole seconds) and nanoseconds within. */
interface StampedLine {
  ms: number;
  nano: number;
  text: string;
}

/** `2025-01-10T14:30:15.123456789Z text` → the text and its time (0 when it has none). */
function stampedLine(raw: string): StampedLine {
  const m = RFC3339_PREFIX.exec(raw);
  if (!m) return { ms: 0, nano: 0, text: raw };
  const ms = Date.parse(`${raw.slice(0, 19)}${m[2]}`);
  const nano = m[1] ? Number(m[1].slice(1, 10).padEnd(9, '0')) : 0;
  return { ms: Number.isFinite(ms) ? ms : 0, nano, text: raw.slice(m[0].length) };
}

const stampedBefore = (a: StampedLine, b: StampedLine) => a.ms < b.ms || (a.ms === b.ms && a.nano < b.nano);

/** The container's own healthcheck command as an exec argv, or undefined when it has none. */
export function healthcheckArgv(info: ContainerInspectInfo): string[] | undefined {
  const test = info.Config.Healthcheck?.Test;
  if (!test || test.length === 0 || test[0] === 'NONE') return undefined;
  const shell = (info.Config as InspectConfigExtras).Shell;
  if (test[0] === 'CMD') return test.length > 1 ? test.slice(1) : undefined;
  if (test[0] === 'CMD-SHELL')
    return [...(shell?.length ? shell : ['/bin/sh', '-c']), test.slice(1).join(' ')];
  // An image's inherited form without a prefix is a shell command.
  return [...(shell?.length ? shell : ['/bin/sh', '-c']), test.join(' ')];
}

/**
 * What `docker create` needs to make the same container again: same name, image, command, env,
 * labels, user, workdir, mounts and volumes, network, restart policy, healthcheck, limits. Anonymous
 * volumes are re-attached by name, so no data is left behind.
 */
export function recreateSpec(old: ContainerInspectInfo, image: string): Dockerode.ContainerCreateOptions {
  const cfg = old.Config as ContainerInspectInfo['Config'] & InspectConfigExtras;
  const hc: Dockerode.HostConfig = { ...old.HostConfig };
  const networkMode = hc.NetworkMode ?? 'default';
  const shortId = old.Id.slice(0, 12);

  const binds = [...(hc.Binds ?? [])];
  const mounts = [...(hc.Mounts ?? [])];
  const covered = new Set<string>([
    ...binds.map((b) => b.split(':')[1]).filter((d): d is string => !!d),
    ...mounts.filter((m) => m.Source).map((m) => m.Target),
  ]);
  for (const m of old.Mounts) {
    if (m.Type !== 'volume' || !m.Name || covered.has(m.Destination)) continue;
    binds.push(`${m.Name}:${m.Destination}${m.RW ? '' : ':ro'}`);
    covered.add(m.Destination);
  }
  hc.Binds = binds;
  // Unnamed volume mounts would create fresh, empty volumes: their old volumes are bound above.
  hc.Mounts = mounts.filter((m) => m.Source || !covered.has(m.Target));
  // The CLI writes the cid file itself; the daemon must not be asked to.
  hc.ContainerIDFile = '';
  // Inspect shows links as /source:/this/alias; create wants source:alias.
  if (hc.Links?.length) {
    hc.Links = hc.Links.map((l: string) => {
      const [src, dst] = l.split(':');
      return `${src.replace(/^\//, '')}:${(dst ?? src).split('/').pop()}`;
    });
  }

  const builtIn = ['default', 'bridge', 'host', 'none'];
  const networks = old.NetworkSettings?.Networks ?? {};
  let endpoints: Dockerode.EndpointsConfig | undefined;
  if (!builtIn.includes(networkMode) && !networkMode.startsWith('container:') && networks[networkMode]) {
    const n = networks[networkMode];
    endpoints = {
      [networkMode]: {
        IPAMConfig: n.IPAMConfig ?? undefined,
        Links: n.Links ?? undefined,
        Aliases: ((n.Aliases ?? []) as string[]).filter((a) => a !== shortId),
      },
    };
  }
  const sharesUts = networkMode === 'host' || networkMode.startsWith('container:');

  return {
    Image: image,
    Hostname: sharesUts || cfg.Hostname === shortId ? undefined : cfg.Hostname,
    Domainname: cfg.Domainname || undefined,
    User: cfg.User,
    AttachStdin: cfg.AttachStdin,
    AttachStdout: cfg.AttachStdout,
    AttachStderr: cfg.AttachStderr,
    Tty: cfg.Tty,
    OpenStdin: cfg.OpenStdin,
    StdinOnce: cfg.StdinOnce,
    Env: cfg.Env,
    Cmd: cfg.Cmd ?? undefined,
    Entrypoint: cfg.Entrypoint ?? undefined,
    Labels: cfg.Labels,
    Volumes: cfg.Volumes ?? undefined,
    WorkingDir: cfg.WorkingDir,
    ExposedPorts: cfg.ExposedPorts ?? undefined,
    StopSignal: cfg.StopSignal,
    StopTimeout: cfg.StopTimeout,
    Healthcheck: cfg.Healthcheck,
    Shell: cfg.Shell,
    HostConfig: hc,
    NetworkingConfig: endpoints ? { EndpointsConfig: endpoints } : undefined,
  };
}

export class DockerTarget {
  private client?: Dockerode;
  private loading?: Promise<Dockerode>;
  private connection?: DockerConnection;
  /** Aborted by close(): ends open event streams and waits. */
  private readonly closing = new AbortController();
  private readonly readLimit = pLimit(READ_CONCURRENCY);
  private readonly statsLimit = pLimit(STATS_CONCURRENCY);
  /** Plain HTTP for read-only calls; null where only dockerode can reach the host (ssh://). */
  private http?: DockerHttp | null;

  constructor(readonly settings: DockerSettings) {}

  /** Printable address of the daemon, e.g. `unix:///var/run/docker.sock`. */
  get address(): string {
    try {
      return this.conn().display;
    } catch {
      return this.settings.host ?? process.env.DOCKER_HOST ?? `unix://${DEFAULT_SOCKET}`;
    }
  }

  private conn(): DockerConnection {
    this.connection ??= dockerConnection(this.settings);
    return this.connection;
  }

  /** The client, once load() has made it (every call goes through call(), which loads first). */
  private api(): Dockerode {
    if (!this.client) throw new Error('Docker client used before it was loaded');
    return this.client;
  }

  private load(): Promise<Dockerode> {
    this.loading ??= (async () => {
      const conn = this.conn();
      const { default: Docker } = await dockerodeModule();
      try {
        this.client = new Docker(conn.modem);
      } catch (e) {
        throw new Error(`Docker host ${conn.display}: cannot set up the connection: ${messageOf(e)}`);
      }
      return this.client;
    })();
    return this.loading;
  }

  private unreachable(detail: string): DockerUnreachableError {
    return new DockerUnreachableError(
      `Docker host ${this.address} not reachable: ${detail} — is the daemon running / is DOCKER_HOST right?`,
    );
  }

  /** Turns a transport or API failure into an error that names the host, the call and what to do. */
  private wrap(e: unknown, what: string, timeoutMs: number, signal: AbortSignal, outer?: AbortSignal): Error {
    if (e instanceof DockerUnreachableError || e instanceof DockerApiError) return e;
    const status = statusCodeOf(e);
    if (status !== undefined) {
      const json = (e as { json?: { message?: string } }).json;
      // docker-modem prefixes `(HTTP code 404) no such container - `; the daemon's own words follow.
      const detail = (json?.message ?? messageOf(e))
        .toString()
        .replace(/^\(HTTP code \d+\) [^-]*- /, '')
        .trim();
      return new DockerApiError(`Docker ${what}: ${detail} (HTTP ${status})`, status);
    }
    if (outer?.aborted) {
      const reason = (outer.reason as { name?: string } | undefined)?.name;
      return new Error(
        reason === 'TimeoutError'
          ? `Docker ${what} did not finish within the action's time limit`
          : `Docker ${what} cancelled: the run's deadline passed`,
      );
    }
    if (this.closing.signal.aborted)
      return new Error(`Docker ${what} cancelled: the Docker connection was closed`);
    if (signal.aborted) return this.unreachable(`no answer to ${what} within ${timeoutMs} ms`);
    const code = errorCode(e);
    if (code === 'EACCES')
      return this.unreachable(`permission denied on the socket (is this user in the docker group?)`);
    return this.unreachable(messageOf(e) || code || 'connection failed');
  }

  /**
   * Runs one API call bounded by a timeout: the signal aborts the HTTP request, and a race makes sure
   * the promise settles even if a call ignores its signal.
   */
  private async call<T>(
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    opts: CallOptions = {},
    /** A read-only call: it waits for a slot of the read limit, and its timeout starts there. */
    limit?: ReturnType<typeof pLimit>,
  ): Promise<T> {
    try {
      await this.load();
    } catch (e) {
      throw new DockerUnreachableError(messageOf(e));
    }
    return limit ? limit(() => this.send(what, fn, opts)) : this.send(what, fn, opts);
  }

  /**
   * A read-only GET, bounded like call(): over plain HTTP (dockerode is not even loaded), or through
   * dockerode's connection for hosts only it can reach. Resolves with the body.
   */
  private async get(
    what: string,
    path: string,
    query: Query,
    opts: CallOptions = {},
    limit = this.readLimit,
  ): Promise<string> {
    let http: DockerHttp | undefined;
    try {
      if (this.http === undefined) this.http = DockerHttp.for(this.conn().modem) ?? null;
      http = this.http ?? undefined;
      if (!http) await this.load();
    } catch (e) {
      throw new DockerUnreachableError(messageOf(e));
    }
    return limit(() =>
      this.send(
        what,
        (signal) => (http ? http.get(path, query, signal) : this.dial(path, query, signal)),
        opts,
      ),
    );
  }

  /** The daemon listens on a unix socket of this machine. */
  private isLocal(): boolean {
    try {
      const socketPath = this.conn().modem.socketPath;
      return typeof socketPath === 'string' && socketPath.startsWith('/');
    } catch {
      return false;
    }
  }

  /** A GET through dockerode's modem (ssh:// hosts), body as text. */
  private dial(path: string, query: Query, signal: AbortSignal): Promise<string> {
    return new Promise((resolve, reject) => {
      (this.api().modem as { dial: (o: object, cb: (e: unknown, res?: Readable) => void) => void }).dial(
        {
          path: `${path}?`,
          method: 'GET',
          options: query,
          abortSignal: signal,
          isStream: true,
          statusCodes: { 200: true },
        },
        (err, res) => {
          if (err || !res) return reject(err instanceof Error ? err : new Error(String(err)));
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('error', reject);
          res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        },
      );
    });
  }

  private async send<T>(
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    opts: CallOptions,
  ): Promise<T> {
    const timeoutMs = Math.max(1, opts.timeoutMs ?? this.settings.timeoutMs);
    const timeout = AbortSignal.timeout(timeoutMs);
    const signals = [timeout, this.closing.signal];
    if (opts.signal) signals.push(opts.signal);
    const signal = AbortSignal.any(signals);
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    try {
      return await Promise.race([fn(signal), aborted]);
    } catch (e) {
      throw this.wrap(e, what, timeoutMs, signal, opts.signal);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  async ping(opts?: CallOptions): Promise<void> {
    await this.get('ping', '/_ping', {}, opts);
  }

  /**
   * Containers by exact name (or id prefix), by a `key=value` label, or all of them; stopped ones
   * included. The checks of a phase ask together, and one list of every container answers them all:
   * the matching happens here, the way Docker's filters would do it.
   */
  async findContainers(sel: { name?: string; label?: string }, opts?: CallOptions): Promise<ContainerInfo[]> {
    const all = await this.listAll(opts);
    let found = all;
    if (sel.name) {
      const wanted = sel.name.replace(/^\//, '');
      found = all.filter((c) => c.Names.some((n) => n.replace(/^\//, '') === wanted));
      if (found.length === 0 && /^[0-9a-f]{12,64}$/.test(wanted))
        found = all.filter((c) => c.Id.startsWith(wanted));
    }
    if (sel.label) {
      const eq = sel.label.indexOf('=');
      const key = eq < 0 ? sel.label : sel.label.slice(0, eq);
      const value = eq < 0 ? undefined : sel.label.slice(eq + 1);
      found = found.filter((c) => {
        const labels = c.Labels ?? {};
        return key in labels && (value === undefined || labels[key] === value);
      });
    }
    // A copy: the list is shared by every check that asked.
    return [...found].sort((a, b) => containerName(a).localeCompare(containerName(b)));
  }

  /** Every container (stopped ones too); one request for all the callers that ask together. */
  private listAll(opts?: CallOptions): Promise<ContainerInfo[]> {
    if (opts?.timeoutMs !== undefined) return this.listOnce(opts);
    return this.listBatch(undefined, opts?.signal);
  }

  private async listOnce(opts?: CallOptions): Promise<ContainerInfo[]> {
    return JSON.parse(
      await this.get('list of containers', '/containers/json', { all: true }, opts),
    ) as ContainerInfo[];
  }

  private readonly listBatch = coalesce<undefined, ContainerInfo[], AbortSignal | undefined>(
    async (queries, signal) => {
      const list = await this.listOnce({ signal });
      return queries.map(() => list);
    },
  );

  async inspect(idOrName: string, opts?: CallOptions): Promise<ContainerInspectInfo> {
    const path = `/containers/${encodeURIComponent(idOrName)}/json`;
    return JSON.parse(
      await this.get(`inspect of container '${idOrName}'`, path, {}, opts),
    ) as ContainerInspectInfo;
  }

  /** Starts a stopped container (a running one is left alone). */
  async start(id: string, opts?: CallOptions): Promise<void> {
    await this.tolerate304(() =>
      this.call(
        `start of container '${id}'`,
        (signal) => this.api().getContainer(id).start({ abortSignal: signal }),
        opts,
      ),
    );
  }

  /** Stops with SIGTERM, then SIGKILL after `timeoutSec`. */
  async stop(id: string, timeoutSec: number, opts?: CallOptions): Promise<void> {
    await this.tolerate304(() =>
      this.call(
        `stop of container '${id}'`,
        (signal) =>
          this.api()
            .getContainer(id)
            .stop({ t: Math.ceil(timeoutSec), abortSignal: signal }),
        { ...opts, timeoutMs: opts?.timeoutMs ?? timeoutSec * 1000 + this.settings.timeoutMs },
      ),
    );
  }

  async restart(id: string, timeoutSec: number, opts?: CallOptions): Promise<void> {
    await this.call(
      `restart of container '${id}'`,
      (signal) =>
        this.api()
          .getContainer(id)
          .restart({ t: Math.ceil(timeoutSec), abortSignal: signal }),
      { ...opts, timeoutMs: opts?.timeoutMs ?? timeoutSec * 1000 + this.settings.timeoutMs },
    );
  }

  async kill(id: string, signalName = 'SIGKILL', opts?: CallOptions): Promise<void> {
    await this.call(
      `kill of container '${id}'`,
      (signal) => this.api().getContainer(id).kill({ signal: signalName, abortSignal: signal }),
      opts,
    );
  }

  async unpause(id: string, opts?: CallOptions): Promise<void> {
    await this.call(
      `unpause of container '${id}'`,
      (signal) => this.api().getContainer(id).unpause({ abortSignal: signal }),
      opts,
    );
  }

  private async tolerate304(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      // 304: already in the requested state.
      if (!(e instanceof DockerApiError && e.statusCode === 304)) throw e;
    }
  }

  /**
   * Replaces the container with a new one of the same configuration and a fresh writable layer,
   * then starts it. Volumes are kept (the old container is removed without `v`). On failure the old
   * container is put back under its name. Returns the new container's id.
   */
  async recreate(idOrName: string, opts?: CallOptions): Promise<string> {
    const old = await this.inspect(idOrName, opts);
    const name = old.Name.replace(/^\//, '');
    if (old.HostConfig.AutoRemove) {
      // Stopping a --rm container deletes it (and its anonymous volumes): there would be no way back.
      throw new Error(
        `Container '${name}' runs with --rm (AutoRemove): stopping it deletes it and its anonymous volumes, so Orixoon does not recreate it — recreate it with docker compose up -d --force-recreate`,
      );
    }
    const image = await this.sameImage(old, opts);
    const spec = recreateSpec(old, image);
    const stopSec = (old.Config as InspectConfigExtras).StopTimeout ?? 10;
    const parked = `${name}-orixoon-old-${Date.now().toString(36)}`;
    const wasRunning = old.State.Running;

    // Stop first: a restarting container has no network sandbox, and Docker cannot rename it then.
    let renamed = false;
    let created = '';
    try {
      if (old.State.Paused) await this.unpause(old.Id, opts);
      await this.stop(old.Id, stopSec, opts?.signal ? { signal: opts.signal } : undefined);
      await this.call(
        `rename of container '${name}'`,
        (signal) => this.api().getContainer(old.Id).rename({ name: parked, abortSignal: signal }),
        opts,
      );
      renamed = true;
      const c = await this.call(
        `create of container '${name}'`,
        (signal) => this.api().createContainer({ ...spec, name, abortSignal: signal }),
        opts,
      );
      created = c.id;
      await this.connectExtraNetworks(old, c.id, opts);
      await this.start(c.id, opts);
    } catch (e) {
      const restored = await this.restoreAfterFailedRecreate(
        old.Id,
        name,
        created || undefined,
        renamed,
        wasRunning,
      );
      throw new Error(`Recreating container '${name}' failed: ${messageOf(e)}${restored}`);
    }
    try {
      await this.call(
        `removal of the old container '${parked}'`,
        // Never v: true — volumes stay, the new container uses them.
        (signal) =>
          this.api()
            .getContainer(old.Id)
            .remove({ force: true, v: false, abortSignal: signal } as Dockerode.ContainerRemoveOptions),
        opts,
      );
    } catch (e) {
      throw new Error(
        `Container '${name}' recreated (${created.slice(0, 12)}), but removing the old one '${parked}' failed: ${messageOf(e)}`,
      );
    }
    return created;
  }

  /** The image by its name when that still means the same image, else by the id the container ran. */
  private async sameImage(old: ContainerInspectInfo, opts?: CallOptions): Promise<string> {
    const ref = old.Config.Image;
    if (!ref || ref.startsWith('sha256:')) return old.Image;
    try {
      const img = await this.call(
        `inspect of image '${ref}'`,
        (signal) =>
          this.api()
            .getImage(ref)
            .inspect({ abortSignal: signal } as Dockerode.ImageInspectOptions),
        opts,
      );
      return img.Id === old.Image ? ref : old.Image;
    } catch (e) {
      if (e instanceof DockerApiError) return old.Image;
      throw e;
    }
  }

  private async connectExtraNetworks(
    old: ContainerInspectInfo,
    newId: string,
    opts?: CallOptions,
  ): Promise<void> {
    const mode = old.HostConfig.NetworkMode ?? 'default';
    const shortId = old.Id.slice(0, 12);
    for (const [net, ep] of Object.entries(old.NetworkSettings?.Networks ?? {})) {
      if (net === mode || ['default', 'bridge', 'host', 'none'].includes(net)) continue;
      await this.call(
        `connection of '${newId.slice(0, 12)}' to network '${net}'`,
        (signal) =>
          this.api()
            .getNetwork(net)
            .connect({
              Container: newId,
              EndpointConfig: {
                IPAMConfig: ep.IPAMConfig ?? undefined,
                Aliases: ((ep.Aliases ?? []) as string[]).filter((a) => a !== shortId),
              },
              abortSignal: signal,
            } as Dockerode.NetworkConnectOptions),
        opts,
      );
    }
  }

  private async restoreAfterFailedRecreate(
    oldId: string,
    name: string,
    createdId: string | undefined,
    renamed: boolean,
    wasRunning: boolean,
  ): Promise<string> {
    try {
      if (createdId) {
        await this.call(`removal of the half-made container '${name}'`, (signal) =>
          this.api()
            .getContainer(createdId)
            .remove({ force: true, v: false, abortSignal: signal } as Dockerode.ContainerRemoveOptions),
        );
      }
      if (renamed) {
        await this.call(`rename of container back to '${name}'`, (signal) =>
          this.api().getContainer(oldId).rename({ name, abortSignal: signal }),
        );
      }
      if (wasRunning) await this.start(oldId);
      return '; the old container was put back';
    } catch (e) {
      return `; putting the old container back failed too: ${messageOf(e)}`;
    }
  }

  /**
   * One-shot memory numbers of a running container (zeros when it is not running): from its cgroup
   * files when the daemon is on this machine and they are visible here, else from the stats endpoint.
   */
  async stats(id: string, opts?: CallOptions): Promise<MemoryStats> {
    const local = this.isLocal() ? cgroupMemory(id) : undefined;
    if (local) return local;
    const body = await this.get(
      `stats of container '${id}'`,
      `/containers/${encodeURIComponent(id)}/stats`,
      { stream: false, 'one-shot': true },
      opts,
      this.statsLimit,
    );
    const raw = JSON.parse(body) as {
      memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
    };
    const m = raw.memory_stats ?? {};
    const s = m.stats ?? {};
    return {
      usage: m.usage ?? 0,
      // cgroup v1 reports total_inactive_file (with children), v2 inactive_file.
      inactiveFile: s.total_inactive_file ?? s.inactive_file ?? 0,
      limit: m.limit ?? 0,
    };
  }

  /** Past container events between `sinceMs` and `untilMs` (default now), oldest first. */
  async events(
    idOrName: string,
    sel: { actions?: string[]; sinceMs: number; untilMs?: number },
    opts?: CallOptions,
  ): Promise<DockerEvent[]> {
    const untilMs = sel.untilMs ?? Date.now();
    if (sel.sinceMs >= untilMs) return [];
    const query: EventQuery = { idOrName, sinceMs: sel.sinceMs, untilMs };
    if (opts?.timeoutMs !== undefined) return (await this.eventsOnce([query], sel.actions, opts))[0]!;
    // Queries for the same actions made together share one request (the container checks of a phase).
    const actions = sel.actions ? [...new Set(sel.actions)].sort() : undefined;
    const key = actions?.join(',') ?? '';
    let batch = this.eventBatches.get(key);
    if (!batch) {
      batch = coalesce<EventQuery, DockerEvent[], AbortSignal | undefined>(async (queries, signal) => {
        // A few hundred containers per request keep its URL (their ids in the filter) a modest size.
        const parts: EventQuery[][] = [];
        for (let i = 0; i < queries.length; i += EVENTS_PER_REQUEST)
          parts.push(queries.slice(i, i + EVENTS_PER_REQUEST));
        const answers = await Promise.all(parts.map((part) => this.eventsOnce(part, actions, { signal })));
        return answers.flat();
      });
      this.eventBatches.set(key, batch);
    }
    return batch(query, opts?.signal);
  }

  private readonly eventBatches = new Map<
    string,
    (query: EventQuery, signal: AbortSignal | undefined) => Promise<DockerEvent[]>
  >();

  /**
   * One events request for several containers and time windows; each query gets the events of its
   * container (its name, or its id or a prefix of it) in its own window.
   */
  private async eventsOnce(
    queries: EventQuery[],
    actions: string[] | undefined,
    opts?: CallOptions,
  ): Promise<DockerEvent[][]> {
    const containers = [...new Set(queries.map((q) => q.idOrName))];
    const sinceMs = Math.min(...queries.map((q) => q.sinceMs));
    const untilMs = Math.max(...queries.map((q) => q.untilMs));
    const what =
      containers.length === 1
        ? `events of container '${containers[0]}'`
        : `events of ${containers.length} containers`;
    const body = await this.get(
      what,
      '/events',
      {
        since: dockerTime(sinceMs),
        until: dockerTime(untilMs),
        filters: { type: ['container'], container: containers, ...(actions ? { event: actions } : {}) },
      },
      opts,
    );
    const all: DockerEvent[] = [];
    jsonLines((o) => {
      const ev = toEvent(o);
      if (ev) all.push(ev);
    })(`${body}\n`);
    all.sort((a, b) => a.timeNano - b.timeNano);
    return queries.map((q) => {
      const min = q.sinceMs * 1e6;
      const max = q.untilMs * 1e6;
      return all.filter(
        (ev) =>
          ev.timeNano >= min &&
          ev.timeNano <= max &&
          (ev.id.startsWith(q.idOrName) || ev.name === q.idOrName),
      );
    });
  }

  /** How many `action` events the container had since `sinceMs`. */
  async countEvents(idOrName: string, action: string, sinceMs: number, opts?: CallOptions): Promise<number> {
    return (await this.events(idOrName, { actions: [action], sinceMs }, opts)).length;
  }

  /**
   * Subscribes to the container's live events until `signal` aborts. Resolves once the daemon has
   * accepted the subscription, so whatever happens after that is seen.
   */
  async subscribe(
    idOrName: string,
    onEvent: (event: DockerEvent) => void,
    signal: AbortSignal,
    actions?: string[],
  ): Promise<void> {
    const giveUp = new AbortController();
    const lifetime = AbortSignal.any([signal, this.closing.signal, giveUp.signal]);
    // The stream lives as long as `lifetime`; only the wait for the daemon's answer is bounded.
    let stream: Readable;
    try {
      stream = (await this.call(
        `event subscription for container '${idOrName}'`,
        () =>
          this.api().getEvents({
            filters: { type: ['container'], container: [idOrName], ...(actions ? { event: actions } : {}) },
            abortSignal: lifetime,
          } as Dockerode.GetEventsOptions) as Promise<unknown>,
        { signal },
      )) as Readable;
    } catch (e) {
      giveUp.abort();
      throw e;
    }
    const stop = () => stream.destroy();
    if (lifetime.aborted) {
      stop();
      return;
    }
    lifetime.addEventListener('abort', stop, { once: true });
    stream.on(
      'data',
      jsonLines((o) => {
        const ev = toEvent(o);
        if (ev) onEvent(ev);
      }),
    );
    stream.on('error', () => {});
    stream.once('close', () => lifetime.removeEventListener('abort', stop));
  }

  /** Resolves with the first matching event within `timeoutMs`, or undefined. */
  async waitForEvent(
    idOrName: string,
    actions: string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<DockerEvent | undefined> {
    const ac = new AbortController();
    const signals = [ac.signal, AbortSignal.timeout(Math.max(1, timeoutMs))];
    if (opts.signal) signals.push(opts.signal);
    const signal = AbortSignal.any(signals);
    try {
      return await new Promise<DockerEvent | undefined>((resolve, reject) => {
        signal.addEventListener('abort', () => resolve(undefined), { once: true });
        this.subscribe(idOrName, (ev) => resolve(ev), signal, actions).catch(reject);
      });
    } finally {
      ac.abort();
    }
  }

  /** Runs a command in a running container; output is stdout and stderr in order. */
  async exec(
    id: string,
    cmd: string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ exitCode: number; output: string }> {
    const end = Date.now() + timeoutMs;
    const left = () => Math.max(1, end - Date.now());
    const what = `exec of '${cmd.join(' ')}' in container '${id}'`;
    const ex = await this.call(
      what,
      (signal) =>
        this.api()
          .getContainer(id)
          .exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true, abortSignal: signal }),
      { timeoutMs: left(), signal: opts.signal },
    );
    const stream = (await this.call(
      what,
      () => ex.start({ hijack: true, stdin: false }) as Promise<unknown>,
      {
        timeoutMs: left(),
        signal: opts.signal,
      },
    )) as Duplex;
    const chunks: Buffer[] = [];
    let size = 0;
    const demux = new FrameDemuxer((_s, data) => {
      if (size >= MAX_OUTPUT_BYTES) return;
      chunks.push(data);
      size += data.length;
    });
    // The daemon answered; from here a slow command is the command's fault, not the host's.
    const tooLong = () => new ExecTimeoutError(`Docker ${what} did not finish within ${timeoutMs} ms`);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(tooLong()), left());
      const cancel = () => reject(new Error(`Docker ${what} cancelled: the run's deadline passed`));
      opts.signal?.addEventListener('abort', cancel, { once: true });
      const done = () => {
        clearTimeout(timer);
        opts.signal?.removeEventListener('abort', cancel);
      };
      stream.on('data', (c: Buffer) => demux.push(c));
      stream.once('end', () => (done(), resolve()));
      stream.once('close', () => (done(), resolve()));
      stream.once('error', (e) => (done(), reject(this.unreachable(`${what}: ${messageOf(e)}`))));
    }).finally(() => stream.destroy());
    demux.end();
    // The exit code lands a moment after the stream closes.
    for (;;) {
      const info = await this.call(what, (signal) => ex.inspect({ abortSignal: signal }), {
        timeoutMs: left(),
        signal: opts.signal,
      });
      if (!info.Running && info.ExitCode !== null && info.ExitCode !== undefined) {
        return { exitCode: info.ExitCode, output: Buffer.concat(chunks).toString('utf8') };
      }
      if (Date.now() >= end) throw tooLong();
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Log lines (stdout and stderr, in order, timestamps stripped), within the caps of readLogs. */
  async logs(idOrName: string, opts: ContainerLogOptions = {}): Promise<string[]> {
    return (await this.readLogs(idOrName, opts)).lines;
  }

  /**
   * The newest log lines written since `sinceSeconds` ago, at most `maxLines` lines and `maxBytes`
   * bytes of text (the log file caps by default). Docker is asked for that tail only, and the body is
   * read as a stream, frame by frame, keeping no more than the caps: a container that printed a
   * million lines costs what one that printed the cap costs. `capped` says older lines were left out.
   */
  async readLogs(idOrName: string, opts: ContainerLogOptions = {}): Promise<ContainerLogs> {
    const maxLines = Math.max(1, opts.maxLines ?? MAX_LOG_LINES);
    const maxBytes = Math.max(1, opts.maxBytes ?? MAX_LOG_BYTES);
    // One line more than the cap: receiving it is how a cut window is told from a window that fits.
    const wanted = opts.tail !== undefined && opts.tail <= maxLines ? opts.tail : maxLines + 1;
    const query: Record<string, string | number | boolean> = {
      stdout: true,
      stderr: true,
      timestamps: true,
      follow: false,
      tail: wanted,
    };
    if (opts.sinceSeconds !== undefined) query.since = dockerTime(Date.now() - opts.sinceSeconds * 1000);
    const what = `logs of container '${idOrName}'`;
    const tail = await this.call(
      what,
      (signal) => this.streamLogs(idOrName, query, signal, maxLines, maxBytes),
      {
        timeoutMs: opts.timeoutMs,
        signal: opts.signal,
      },
    );
    // stdout and stderr are separate pipes: the timestamps put their lines back in order (a stable
    // sort, and only when they are not in order already).
    const stamped = tail.lines();
    if (stamped.some((l, i) => i > 0 && stampedBefore(l, stamped[i - 1]!)))
      stamped.sort((a, b) => (stampedBefore(a, b) ? -1 : stampedBefore(b, a) ? 1 : 0));
    const lines = stamped.map((l) => l.text);
    return { lines, capped: tail.dropped > 0 };
  }

  /** GET /containers/{id}/logs as a stream (follow=false ends it at the log's end), into a bounded tail. */
  private streamLogs(
    idOrName: string,
    query: Record<string, string | number | boolean>,
    signal: AbortSignal,
    maxLines: number,
    maxBytes: number,
  ): Promise<LineTail<StampedLine>> {
    return new Promise((resolve, reject) => {
      this.api().modem.dial(
        {
          path: `/containers/${encodeURIComponent(idOrName)}/logs?`,
          method: 'GET',
          options: query,
          isStream: true,
          abortSignal: signal,
          statusCodes: { 200: true, 404: 'no such container', 500: 'server error' },
        },
        (err, res) => {
          if (err) return reject(err);
          const body = res as Readable;
          const tail = new LineTail<StampedLine>(maxLines, maxBytes);
          // Lines are cut out of the frames as bytes and decoded once each: no string of a whole chunk,
          // and a character split across two frames is decoded whole.
          const partial: Record<'stdout' | 'stderr', Buffer[]> = { stdout: [], stderr: [] };
          const partialBytes = { stdout: 0, stderr: 0 };
          const add = (bytes: Buffer) => {
            const end =
              bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
            const raw = bytes.toString('utf8', 0, end);
            const line = stampedLine(raw);
            // The text's bytes: the timestamp in front of it is ASCII, one byte a character.
            tail.push(line, end - (raw.length - line.text.length));
          };
          const flush = (stream: 'stdout' | 'stderr', last: Buffer) => {
            if (partial[stream].length === 0) return add(last);
            add(Buffer.concat([...partial[stream], last]));
            partial[stream] = [];
            partialBytes[stream] = 0;
          };
          const demux = new FrameDemuxer((stream, data) => {
            let start = 0;
            for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
              flush(stream, data.subarray(start, nl));
              start = nl + 1;
            }
            if (start === data.length) return;
            // A copy: the frame is a view of the socket's chunk, which should not stay alive for it.
            partial[stream].push(Buffer.from(data.subarray(start)));
            partialBytes[stream] += data.length - start;
            // A line that never ends (a progress bar on a TTY) is cut rather than grown without bound.
            if (partialBytes[stream] > maxBytes) {
              const kept = Buffer.concat(partial[stream]).subarray(-maxBytes);
              partial[stream] = [Buffer.from(kept)];
              partialBytes[stream] = kept.length;
              tail.dropped++;
            }
          });
          const stop = () =>
            body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          body.on('data', (c: Buffer) => demux.push(c));
          body.once('error', (e) => (signal.removeEventListener('abort', stop), reject(e)));
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop, { once: true });
          body.once('end', () => {
            signal.removeEventListener('abort', stop);
            demux.end();
            for (const stream of ['stdout', 'stderr'] as const)
              if (partial[stream].length) flush(stream, Buffer.alloc(0));
            resolve(tail);
          });
        },
      );
    });
  }

  /**
   * Runs the container's own HEALTHCHECK now (CMD or CMD-SHELL) via exec, with the healthcheck's own
   * timeout (default 30 s) bounded by `timeoutMs`.
   */
  async runHealthcheck(
    id: string,
    opts: CallOptions & { info?: ContainerInspectInfo } = {},
  ): Promise<HealthcheckResult> {
    const info = opts.info ?? (await this.inspect(id, opts));
    const argv = healthcheckArgv(info);
    if (!argv) return { defined: false, ok: false, output: '' };
    if (!info.State.Running || info.State.Paused) {
      return {
        defined: true,
        ok: false,
        output: `container is ${info.State.Paused ? 'paused' : info.State.Status}`,
      };
    }
    const own = (info.Config.Healthcheck?.Timeout ?? 0) / 1e6 || 30_000;
    const timeoutMs = Math.min(own, opts.timeoutMs ?? own);
    try {
      const r = await this.exec(info.Id, argv, timeoutMs, { signal: opts.signal });
      return { defined: true, ok: r.exitCode === 0, output: r.output.trim() };
    } catch (e) {
      if (e instanceof DockerApiError) return { defined: true, ok: false, output: e.message };
      if (e instanceof ExecTimeoutError) {
        return {
          defined: true,
          ok: false,
          output: `healthcheck timed out after ${timeoutMs} ms`,
          timedOut: true,
        };
      }
      throw e;
    }
  }

  /**
   * Waits until `pred` holds for the container, re-inspecting on each of its Docker events (start,
   * die, health_status, unpause…) and on a short fallback poll. Never throws on timeout: the result
   * says whether it held and what was seen last.
   */
  async waitFor(
    idOrName: string,
    pred: (info: ContainerInspectInfo) => boolean | Promise<boolean>,
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<WaitResult> {
    const started = Date.now();
    const end = started + timeoutMs;
    const ac = new AbortController();
    const signals = [ac.signal];
    if (opts.signal) signals.push(opts.signal);
    const signal = AbortSignal.any(signals);
    let dirty = false;
    let wake: (() => void) | undefined;
    const poke = () => {
      dirty = true;
      wake?.();
    };
    let info: ContainerInspectInfo | undefined;
    let error: Error | undefined;
    try {
      // Events wake the wait early; the subscription runs alongside the first inspection (an event
      // that slips between the two is caught by the next poll) and a failed one only costs speed.
      this.subscribe(idOrName, poke, signal).catch(() => undefined);
      for (;;) {
        dirty = false;
        try {
          // Never a hair-trigger timeout on the last inspection: it would hide the real answer.
          const budget = Math.min(this.settings.timeoutMs, Math.max(1_000, end - Date.now()));
          info = await this.inspect(idOrName, { timeoutMs: budget, signal });
          error = undefined;
          if (await pred(info)) return { ok: true, info, waitedMs: Date.now() - started };
        } catch (e) {
          error = e instanceof Error ? e : new Error(String(e));
        }
        const remaining = end - Date.now();
        if (remaining <= 0 || signal.aborted)
          return { ok: false, info, error, waitedMs: Date.now() - started };
        if (!dirty) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, Math.min(WAIT_POLL_MS, remaining));
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      }
    } finally {
      ac.abort();
    }
  }

  async close(): Promise<void> {
    this.closing.abort();
    this.http?.close();
  }
}

/** A container's primary name without the leading slash. */
export function containerName(c: { Names?: string[]; Name?: string; Id: string }): string {
  const n = c.Names?.find((x) => x.lastIndexOf('/') === 0) ?? c.Names?.[0] ?? c.Name;
  return n ? n.replace(/^\//, '') : c.Id.slice(0, 12);
}
