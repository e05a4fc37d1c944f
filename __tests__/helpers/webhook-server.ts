// A webhook receiver on 127.0.0.1 for notification tests: records every POST and answers with a
// scripted status per request, or never answers.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { listenInRange } from './github-server.js';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  json: unknown;
  at: number;
}

/** Answer for the n-th request (0-based): an HTTP status, or 'hang' to never answer. */
export type HookBehaviour = (n: number) => number | 'hang';

const HOOK_PORTS = { first: 59050, last: 59099 };

export class WebhookServer {
  readonly received: ReceivedHook[] = [];
  behaviour: HookBehaviour = () => 200;
  port = 0;
  private server?: Server;
  private readonly open = new Set<ServerResponse>();

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(rawBody);
        } catch {
          json = undefined;
        }
        const n = this.received.length;
        this.received.push({ path: req.url ?? '/', headers: req.headers, rawBody, json, at: Date.now() });
        const answer = this.behaviour(n);
        if (answer === 'hang') return;
        res.writeHead(answer, { 'content-type': 'text/plain' });
        res.end(answer < 300 ? 'ok' : 'error');
      });
    });
    this.port = await listenInRange(this.server, HOOK_PORTS.first, HOOK_PORTS.last);
    return this;
  }

  async stop(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
