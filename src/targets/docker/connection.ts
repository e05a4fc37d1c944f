// How to reach one Docker engine and how every call to it is bounded: host parsing the way the docker
// CLI does it (unix socket, tcp with TLS, ssh), the client set up on first use, the read-only plain
// HTTP path, timeouts, and errors that name the host, the call and what to do next.
import { existsSync, readFileSync } from 'node:fs';
import type { Agent as HttpsAgent } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
// Types only: the client (and what it pulls in) is loaded on the first call, so a run without a
// Docker check or target never loads it.
import type Dockerode from 'dockerode';
import pLimit from 'p-limit';
import { DockerHttp, type Query } from '../docker-http.js';
import { lazyImport } from '../lazy.js';
import { errorMessage } from '../../support/errors.js';

export interface DockerSettings {
  /** unix:///var/run/docker.sock, tcp://host:2376, ssh://user@host; default DOCKER_HOST or the local socket. */
  host?: string;
  tlsVerify?: boolean;
  certPath?: string;
  /**
   * Client TLS material given directly (a named host's `tls`): each value is PEM text or the path of a
   * PEM file. It wins over certPath; with a CA the server is verified.
   */
  tls?: DockerTlsMaterial;
  timeoutMs: number;
}

export interface DockerTlsMaterial {
  ca?: string;
  cert?: string;
  key?: string;
}

/** PEM text as is; anything else is the path of a PEM file, read now. */
export function pemOf(value: string, what: string): string {
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the TLS ${what} file ${value} (${(e as NodeJS.ErrnoException).code ?? messageOf(e)}): fix targets.docker.hosts.*.tls.${what}`,
    );
  }
}

/** Per-call bounds: a timeout (default `settings.timeoutMs`) and an outer signal (the run's deadline). */
export interface CallOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The daemon could not be reached at all (refused, no socket, no answer in time). */
export class DockerUnreachableError extends Error {
  override readonly name = 'DockerUnreachableError';
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

export const DEFAULT_SOCKET = '/var/run/docker.sock';
const dockerodeModule = lazyImport(() => import('dockerode'));
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
  if (settings.tls) {
    const port = Number(url.port || 2376);
    const display = `tcp://${url.hostname}:${port} (TLS)`;
    const own = settings.tls;
    const verify = settings.tlsVerify ?? own.ca !== undefined;
    return {
      display,
      modem: {
        ...blank,
        protocol: 'https',
        host: hostname,
        port,
        ca: own.ca !== undefined ? pemOf(own.ca, 'ca') : undefined,
        cert: own.cert !== undefined ? pemOf(own.cert, 'cert') : undefined,
        key: own.key !== undefined ? pemOf(own.key, 'key') : undefined,
        agent: verify
          ? undefined
          : new (process.getBuiltinModule('node:https').Agent)({
              keepAlive: true,
              rejectUnauthorized: false,
            }),
      },
    };
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
export function dockerTime(ms: number): number {
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

/** The words of anything thrown (the shared helper, under the name the Docker modules use). */
export const messageOf = errorMessage;

/**
 * One engine's connection: the client made on first use, the plain HTTP path for read-only calls, the
 * concurrency bounds, and `call` / `get`, which bound every request by a timeout and the run's signal.
 */
export class DockerClient {
  private client?: Dockerode;
  private loading?: Promise<Dockerode>;
  private connection?: DockerConnection;
  /** Aborted by close(): ends open event streams and waits. */
  readonly closing = new AbortController();
  readonly readLimit = pLimit(READ_CONCURRENCY);
  readonly statsLimit = pLimit(STATS_CONCURRENCY);
  /** Plain HTTP for read-only calls; null where only dockerode can reach the host (ssh://). */
  private http?: DockerHttp | null;

  /** `name`: the engine's name in the configuration, said in every error when several are configured. */
  constructor(
    readonly settings: DockerSettings,
    readonly name?: string,
  ) {}

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
  api(): Dockerode {
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

  unreachable(detail: string): DockerUnreachableError {
    return new DockerUnreachableError(
      this.name !== undefined
        ? `Docker host '${this.name}' (${this.address}) not reachable: ${detail} — is that engine running, and are targets.docker.hosts.${this.name}.host and its tls right?`
        : `Docker host ${this.address} not reachable: ${detail} — is the daemon running / is DOCKER_HOST right?`,
    );
  }

  /** The connection could not even be set up (bad address, unreadable TLS material). */
  private setupFailed(e: unknown): DockerUnreachableError {
    return this.name !== undefined
      ? this.unreachable(messageOf(e))
      : new DockerUnreachableError(messageOf(e));
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
  async call<T>(
    what: string,
    fn: (signal: AbortSignal) => Promise<T>,
    opts: CallOptions = {},
    /** A read-only call: it waits for a slot of the read limit, and its timeout starts there. */
    limit?: ReturnType<typeof pLimit>,
  ): Promise<T> {
    try {
      await this.load();
    } catch (e) {
      throw this.setupFailed(e);
    }
    return limit ? limit(() => this.send(what, fn, opts)) : this.send(what, fn, opts);
  }

  /**
   * A read-only GET, bounded like call(): over plain HTTP (dockerode is not even loaded), or through
   * dockerode's connection for hosts only it can reach. Resolves with the body.
   */
  async get(
    what: string,
    path: string,
    query: Query,
    opts: CallOptions = {},
    limit = this.readLimit,
  ): Promise<string> {
    const http = this.plain();
    if (!http) {
      try {
        await this.load();
      } catch (e) {
        throw this.setupFailed(e);
      }
    }
    return limit(() =>
      this.send(
        what,
        (signal) => (http ? http.get(path, query, signal) : this.dial(path, query, signal)),
        opts,
      ),
    );
  }

  /**
   * An action (start, stop, create, remove…): `method path` over plain HTTP, with `body` as JSON, where
   * the host allows it; through dockerode (`viaDockerode`) for hosts only it reaches (ssh://). Bounded
   * like call(), outside the read limit. An error answer is a DockerApiError with the daemon's status
   * and words either way.
   */
  async act(
    what: string,
    request: { method: 'POST' | 'DELETE'; path: string; query?: Query; body?: unknown },
    viaDockerode: (api: Dockerode, signal: AbortSignal) => Promise<unknown>,
    opts: CallOptions = {},
  ): Promise<void> {
    const http = this.plain();
    if (!http) {
      await this.call(what, (signal) => viaDockerode(this.api(), signal), opts);
      return;
    }
    const { method, path, query = {}, body } = request;
    await this.send(what, (signal) => http.request(method, path, query, signal, body), opts);
  }

  /**
   * A live stream (`GET path`, e.g. /events) over plain HTTP where the host allows it, else through
   * dockerode (`viaDockerode`). Only the wait for the daemon's answer is bounded (like call()); the
   * stream itself lasts until `lifetime` aborts.
   */
  async openStream(
    what: string,
    request: { path: string; query: Query },
    lifetime: AbortSignal,
    viaDockerode: (api: Dockerode) => Promise<unknown>,
    opts: CallOptions = {},
  ): Promise<Readable> {
    const http = this.plain();
    if (!http) return (await this.call(what, () => viaDockerode(this.api()), opts)) as Readable;
    return this.send(what, () => http.stream(request.path, request.query, lifetime), opts);
  }

  /**
   * The plain HTTP client, or undefined where only dockerode can reach the host (ssh://). Throws the
   * setup error when the connection cannot even be set up (bad address, unreadable TLS material).
   */
  private plain(): DockerHttp | undefined {
    try {
      if (this.http === undefined) this.http = DockerHttp.for(this.conn().modem) ?? null;
    } catch (e) {
      throw this.setupFailed(e);
    }
    return this.http ?? undefined;
  }

  /** The daemon listens on a unix socket of this machine. */
  isLocal(): boolean {
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

  close(): void {
    this.closing.abort();
    this.http?.close();
  }
}
