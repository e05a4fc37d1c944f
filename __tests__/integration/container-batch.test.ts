// The container checks of a phase ask Docker together: one list of every container and one events
// request for all of them, then one inspect per container, over a few kept-alive connections, and the
// memory of a local container from its cgroup rather than the once-a-second stats endpoint. Counted on
// the wire, through a unix-socket proxy in front of the real Docker socket.
import { request } from 'node:http';
import { createConnection, createServer, type Server } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { inspect, removeSuite, runContainer, SLEEP_FOREVER } from '../helpers/docker.js';
import { runWithConfig, tempDir } from '../helpers/engine.js';
import { DockerTarget } from '../../src/targets/docker/index.js';

const SUITE = 'container-batch';
const NAMES = Array.from({ length: 12 }, (_, i) => `oxc-batch-${String(i).padStart(2, '0')}`);

/** Docker requests seen by the proxy (method and path without the query), and connections opened. */
interface Wire {
  requests: string[];
  connections: number;
}

async function proxy(path: string): Promise<{ wire: Wire; server: Server }> {
  rmSync(path, { force: true });
  const wire: Wire = { requests: [], connections: 0 };
  const server = createServer((client) => {
    wire.connections++;
    const upstream = createConnection('/var/run/docker.sock');
    let pending = '';
    client.on('data', (d: Buffer) => {
      // GET requests have no body: every request line starts a request.
      pending += d.toString('latin1');
      for (const m of pending.matchAll(/^(GET|POST|PUT|DELETE|HEAD) (\S+) HTTP\/1\.1\r$/gm))
        wire.requests.push(`${m[1]} ${m[2]!.split('?')[0]}`);
      pending = pending.slice(pending.lastIndexOf('\n') + 1);
    });
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  await new Promise<void>((r) => server.listen(path, r));
  return { wire, server };
}

beforeAll(async () => {
  await removeSuite(SUITE);
  await Promise.all(
    NAMES.map((name) => runContainer({ name, suite: SUITE, cmd: SLEEP_FOREVER, memory: '64m' })),
  );
});
afterAll(() => removeSuite(SUITE));

test('12 container checks in one phase: one list, one events request, one inspect each, no stats, a few connections', async () => {
  const dir = tempDir();
  const { wire, server } = await proxy(join(dir, 'docker.sock'));
  try {
    const checks = NAMES.map((n) => `      - { id: ${n}, type: container, container: ${n} }`).join('\n');
    const r = await runWithConfig(`phases:\n  - name: stack\n    checks:\n${checks}\n`, {
      docker: { host: `unix://${join(dir, 'docker.sock')}` },
    });
    expect(r.report.verdict).toBe('passed');
    for (const n of NAMES) expect(r.console).toContain(`✓ ${n}: running, no healthcheck, memory `);
    const count = (what: string) => wire.requests.filter((x) => x === what).length;
    expect(count('GET /containers/json')).toBe(1);
    expect(count('GET /events')).toBe(1);
    const inspects = wire.requests.filter((x) => /^GET \/containers\/[0-9a-f]{64}\/json$/.test(x));
    expect(inspects).toHaveLength(12);
    expect(new Set(inspects).size).toBe(12);
    expect(wire.requests.filter((x) => x.endsWith('/stats'))).toEqual([]);
    expect(wire.requests).toHaveLength(14);
    // Kept alive and bounded: never one connection per check.
    expect(wire.connections).toBeLessThanOrEqual(8);
  } finally {
    await new Promise((res) => server.close(res));
  }
});

/** The stats endpoint's memory numbers, asked directly. */
function endpointMemory(id: string): Promise<{ usage: number; limit: number; inactive: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { socketPath: '/var/run/docker.sock', path: `/containers/${id}/stats?stream=false&one-shot=true` },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => {
          const m = (
            JSON.parse(body) as {
              memory_stats: { usage: number; limit: number; stats: Record<string, number> };
            }
          ).memory_stats;
          resolve({
            usage: m.usage,
            limit: m.limit,
            inactive: m.stats.total_inactive_file ?? m.stats.inactive_file ?? 0,
          });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('the memory of a local container read from its cgroup matches the stats endpoint', async () => {
  const { Id } = await inspect(NAMES[0]!);
  const t = new DockerTarget({ timeoutMs: 10_000 });
  try {
    const [local, endpoint] = await Promise.all([t.stats(Id), endpointMemory(Id)]);
    expect(local.limit).toBe(64 * 1024 * 1024);
    expect(local.limit).toBe(endpoint.limit);
    // A sleeping process: the same few hundred KB, give or take what moved between the two reads.
    expect(local.usage).toBeGreaterThan(0);
    expect(Math.abs(local.usage - endpoint.usage)).toBeLessThan(1024 * 1024);
    expect(Math.abs(local.inactiveFile - endpoint.inactive)).toBeLessThan(1024 * 1024);
  } finally {
    await t.close();
  }
});
