// The HTTP server under the test stand-ins (fake GitHub API, webhook receiver): listens on 127.0.0.1
// on the first free port of a range, and on close ends the requests it chose never to answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export async function listenInRange(server: Server, first: number, last: number): Promise<number> {
  for (let port = first; port <= last; port++) {
    const ok = await new Promise<boolean>((resolve) => {
      const onError = (): void => {
        server.off('listening', onListening);
        resolve(false);
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve(true);
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, '127.0.0.1');
    });
    if (ok) return (server.address() as AddressInfo).port;
  }
  throw new Error(`no free port in ${first}-${last}`);
}

export class LocalServer {
  private server?: Server;
  private readonly open = new Set<ServerResponse>();

  /** Starts serving `handler`; returns the port it got. */
  async listen(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
    ports: { first: number; last: number },
  ): Promise<number> {
    this.server = createServer((req, res) => {
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      handler(req, res);
    });
    return listenInRange(this.server, ports.first, ports.last);
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
