// Read-only Docker Engine API requests (list, inspect, events, stats) over plain HTTP on the unix socket
// or tcp (with TLS), on kept-alive connections. A run that only looks at containers never loads the
// full client (dockerode and everything under it); ssh:// hosts go through dockerode's connection.
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
    const { socketPath, host, port, ca, cert, key } = this.conn;
    return new Promise<string>((resolve, reject) => {
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return resolve(body);
          let json: { message?: string } | undefined;
          try {
            json = JSON.parse(body) as { message?: string };
          } catch {
            json = undefined;
          }
          reject(new DockerHttpError(status, json, json?.message ?? (body.trim() || `HTTP ${status}`)));
        });
      };
      const options = {
        method: 'GET',
        path: `${path}${queryString(query)}`,
        agent: this.agent,
        signal,
        ...(socketPath ? { socketPath } : { host, port }),
      };
      const req = this.https
        ? https().request({ ...options, ca, cert, key }, onResponse)
        : http.request(options, onResponse);
      req.once('error', reject);
      req.end();
    });
  }

  /** Ends every kept connection. */
  close(): void {
    this.agent.destroy();
  }
}
