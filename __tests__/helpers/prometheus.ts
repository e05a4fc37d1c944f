// A real Prometheus server (Debian's `prometheus`) for the metrics tests: started on a free port with
// a temporary config scraping the given targets every second, queried over its HTTP API, stopped by
// its own pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROMETHEUS = process.env.ORIXOON_PROMETHEUS ?? '/usr/bin/prometheus';

export type Series = Array<{ metric: Record<string, string>; value: [number, string] }>;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The value of the first series whose labels include `labels`. */
export function valueOf(r: Series, labels: Record<string, string> = {}): number | undefined {
  const hit = r.find((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v));
  return hit ? Number(hit.value[1]) : undefined;
}

export interface Prometheus {
  url: string;
  query(q: string): Promise<Series>;
  /** Polls `q` until `ok` returns something other than undefined/false (it scrapes every second). */
  until<T>(q: string, ok: (r: Series) => T | undefined | false, ms?: number): Promise<T>;
  stop(): Promise<void>;
}

export async function startPrometheus(targets: string[]): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'orixoon-prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    [
      'global:',
      '  scrape_interval: 1s',
      '  scrape_timeout: 1s',
      'scrape_configs:',
      '  - job_name: orixoon',
      '    static_configs:',
      `      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  let log = '';
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  let spawnError: Error | undefined;
  child.once('error', (e) => (spawnError = e));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && !spawnError) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const query = async (q: string): Promise<Series> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`, {
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { status: string; error?: string; data: { result: Series } };
    if (body.status !== 'success') throw new Error(`${q}: ${body.error}`);
    return body.data.result;
  };

  const until = async <T>(q: string, ok: (r: Series) => T | undefined | false, ms = 30_000): Promise<T> => {
    const end = Date.now() + ms;
    let last: unknown;
    for (;;) {
      try {
        const r = await query(q);
        last = r;
        const v = ok(r);
        if (v !== undefined && v !== false) return v;
      } catch (e) {
        last = e;
      }
      if (Date.now() > end)
        throw new Error(`${q}: not as expected after ${ms} ms: ${JSON.stringify(last)}\n${log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const end = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (spawnError || child.exitCode !== null || Date.now() > end) {
      await stop();
      throw new Error(`prometheus (${PROMETHEUS}) did not start: ${spawnError?.message ?? ''}\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, query, until, stop };
}
