// Docker Engine API requests over plain HTTP on the unix socket or tcp (with TLS), on kept-alive
// connections: the reads (list, inspect, events, stats) and the plain actions (start, stop, restart,
// kill, unpause, create and remove a container). A run that only looks at containers, or starts and
// restarts them, never loads the full client (dockerode and everything under it, about 2 MB); ssh://
// hosts, exec, logs, event streams and recreation go through dockerode.
import type { Agent as HttpAgent, IncomingMessage } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type Dockerode from 'dockerode';

// The runtime's own modules, taken as CommonJS: an ESM import of node:http makes Node evaluate each of
// its lazy exports (WebSocket brings the whole fetch stack), costing more than the rest of start-up;
// node:https (TLS, crypto) is loaded only for a tcp host with TLS.
const http = process.getBuiltinModule('node:http');
const https = (): typeof import('node:https') => process.getBuiltinModule('node:https');

/** The parts of the docker-modem options a plain request needs. */
export type PlainConnection = Pick<
  Dockerode.DockerOptions,
  'socketPath' | 'protocol' | 'host' | 'port' | 'ca' | 'cert' | 'key'
> & { agent?: HttpsAgent };

/** An error answer, shaped as docker-modem shapes it: `statusCode`, and the daemon's JSON in `json`. */
export class DockerHttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly json: { message?: string } | undefined,
    message: string,
  ) {
    super(`(HTTP code ${statusCode}) unexpected - ${message} `);
  }
}

export type Query = Record<string, string | number | boolean | Record<string, string[]> | undefined>;

/** docker-modem's query encoding: objects (filters) as JSON, the rest as strings. */
export function queryString(query: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined) qs.set(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

const ok = (res: IncomingMessage): boolean => (res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 300;

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.once('error', reject);
    res.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** An error answer as docker-modem shapes it: the status, and the daemon's JSON words when it sent some. */
function answerError(res: IncomingMessage, body: string): DockerHttpError {
  const status = res.statusCode ?? 0;
  let json: { message?: string } | undefined;
  try {
    json = JSON.parse(body) as { message?: string };
  } catch {
    json = undefined;
  }
  return new DockerHttpError(status, json, json?.message ?? (body.trim() || `HTTP ${status}`));
}

/** Request options with the TLS server name set empty (the agent then leaves it alone). */
function withoutServerName<T extends object>(options: T): T {
  return { ...options, servername: '' };
}

export class DockerHttp {
  private readonly agent: HttpAgent;
  private readonly https: boolean;

  /** Undefined for hosts only dockerode can reach (ssh://). */
  static for(conn: PlainConnection): DockerHttp | undefined {
    if (conn.socketPath || conn.protocol === 'http' || conn.protocol === 'https') return new DockerHttp(conn);
    return undefined;
  }

  private constructor(private readonly conn: PlainConnection) {
    this.https = !conn.socketPath && conn.protocol === 'https';
    // Kept alive, so the checks of a phase reuse a few connections; an idle kept socket is unref'd by
    // the agent and never holds the process, and close() ends them all.
    this.agent = this.https
      ? (conn.agent ?? new (https().Agent)({ keepAlive: true }))
      : new http.Agent({ keepAlive: true });
  }

  /** GET `path` and resolve with the body of a 2xx answer; anything else rejects with a DockerHttpError. */
  get(path: string, query: Query, signal: AbortSignal): Promise<string> {
    return this.request('GET', path, query, signal);
  }

  /**
   * `method` on `path` with an optional JSON body; resolves with the body of a 2xx answer, anything
   * else (a 304 "already started" too) rejects with a DockerHttpError carrying the status.
   */
  async request(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Query,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<string> {
    const res = await this.send(method, path, query, signal, body);
    const text = await readBody(res);
    if (!ok(res)) throw answerError(res, text);
    return text;
  }

  /**
   * GET `path` and resolve with the response itself once a 2xx answer's headers are in: a stream
   * (the live events) that lasts until `signal` aborts. Anything else rejects with a DockerHttpError.
   */
  async stream(path: string, query: Query, signal: AbortSignal): Promise<IncomingMessage> {
    const res = await this.send('GET', path, query, signal);
    if (!ok(res)) throw answerError(res, await readBody(res));
    return res;
  }

  private send(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Query,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<IncomingMessage> {
    const { socketPath, host, port, ca, cert, key } = this.conn;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise<IncomingMessage>((resolve, reject) => {
      const options = {
        method,
        path: `${path}${queryString(query)}`,
        agent: this.agent,
        signal,
        ...(payload === undefined
          ? {}
          : {
              headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) },
            }),
        ...(socketPath ? { socketPath } : { host, port }),
      };
      // Plain HTTP has no TLS server name to work out: an empty one spares the agent's check of the
      // host against Node's IPv6 pattern, a regular expression whose first use costs 5–30 ms.
      const req = this.https
        ? https().request({ ...options, ca, cert, key }, resolve)
        : http.request(withoutServerName(options), resolve);
      req.once('error', reject);
      req.end(payload);
    });
  }

  /** Ends every kept connection. */
  close(): void {
    this.agent.destroy();
  }
}
