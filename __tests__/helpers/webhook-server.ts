// A webhook receiver on 127.0.0.1 for notification tests: records every POST and answers with a
// scripted status per request, or never answers.
import { LocalServer } from './local-server.js';

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
  private readonly http = new LocalServer();

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await this.http.listen((req, res) => {
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
    }, HOOK_PORTS);
    return this;
  }

  async stop(): Promise<void> {
    await this.http.close();
  }
}
