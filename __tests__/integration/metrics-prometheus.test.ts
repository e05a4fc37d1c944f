// The monitor's metrics scraped by a real Prometheus (Debian's `prometheus`), started by the test on a
// free port with a temporary config, and read back through its HTTP query API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetSettingsOf } from '../../src/healing/budget.js';
import { parseMetricsPort, startMetricsServer, type MonitorMetrics } from '../../src/monitor-metrics.js';
import type { RunReport } from '../../src/report/model.js';
import { healBudgetSchema } from '../../src/state/config.js';
import { openStateStore, recordReport } from '../../src/state/index.js';
import type { StateStore } from '../../src/state/types.js';
import { sampleReport } from '../helpers/sample-report.js';

const PROMETHEUS = process.env.ORIXOON_PROMETHEUS ?? '/usr/bin/prometheus';
const dir = mkdtempSync(join(tmpdir(), 'orixoon-metrics-'));
let prom: ChildProcess | undefined;
let promLog = '';
let promUrl = '';
let metrics: MonitorMetrics;
let store: StateStore;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** The sample run, moved to now (budgets count from the clock). */
function reportNow(): RunReport {
  const r = sampleReport();
  const shift = Date.now() - Date.parse(r.finishedAt);
  const move = (iso: string): string => new Date(Date.parse(iso) + shift).toISOString();
  r.startedAt = move(r.startedAt);
  r.finishedAt = move(r.finishedAt);
  for (const a of r.actions) a.timestamp = move(a.timestamp);
  return r;
}

async function query(q: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(q)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as {
    status: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  expect(body.status).toBe('success');
  return body.data.result;
}

/** Polls the query until `ok` holds (Prometheus scrapes every second). */
async function until<T>(
  q: string,
  ok: (r: Awaited<ReturnType<typeof query>>) => T | undefined,
  ms = 30_000,
): Promise<T> {
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
      throw new Error(
        `${q}: not as expected after ${ms} ms: ${JSON.stringify(last)}\n${promLog.slice(-2000)}`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

const value = (r: Awaited<ReturnType<typeof query>>, labels: Record<string, string>): number | undefined => {
  const hit = r.find((s) => Object.entries(labels).every(([k, v]) => s.metric[k] === v));
  return hit ? Number(hit.value[1]) : undefined;
};

beforeAll(async () => {
  const opened = await openStateStore({ cwd: dir, config: { path: join(dir, 'state.db') } });
  store = opened.store!;
  const settings = budgetSettingsOf({
    cooldown_seconds: 60,
    ...healBudgetSchema.parse({ max_heals_per_target: 3 }),
  });
  metrics = await startMetricsServer({ port: 0, state: { store, settings } });
  const promPort = await freePort();
  promUrl = `http://127.0.0.1:${promPort}`;
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
      `      - targets: ['127.0.0.1:${metrics.port}']`,
      '',
    ].join('\n'),
  );
  prom = spawn(
    PROMETHEUS,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prom.stdout!.on('data', (d: Buffer) => (promLog += d.toString()));
  prom.stderr!.on('data', (d: Buffer) => (promLog += d.toString()));
  const end = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${promUrl}/-/ready`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (prom.exitCode !== null || Date.now() > end) throw new Error(`prometheus did not start:\n${promLog}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

afterAll(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('exit', r));
    prom.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (prom.exitCode === null) prom.kill('SIGKILL');
  }
  await metrics?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('monitor metrics in a real Prometheus', () => {
  it('has the findings, heals, heal durations, verdict, unhealthy time and budget left of a recorded run', async () => {
    const report = reportNow();
    expect((await recordReport(store, report)).recorded).toBe(true);
    await metrics.observe(report);

    const up = await until('up{job="orixoon"}', (r) => value(r, {}) === 1);
    expect(up).toBe(true);
    await until('orixoon_heals_total', (r) =>
      value(r, {
        check: 'redis',
        code: 'container_not_running',
        action: 'start_container',
        outcome: 'healed',
      }) === 1
        ? r
        : undefined,
    );
    const heals = await query('orixoon_heals_total');
    expect(value(heals, { check: 'db', action: 'terminate_idle_connections', outcome: 'healed' })).toBe(1);
    const failedApp = report.findings.find((f) => f.checkId === 'app')!;
    expect(value(heals, { check: 'app', action: failedApp.action!, outcome: 'failed' })).toBe(1);

    const found = await query('orixoon_findings_total');
    expect(value(found, { check: 'cache', code: 'redis_not_responding', outcome: 'recovered' })).toBe(1);
    expect(found.length).toBe(report.findings.length);

    const durations = await query('orixoon_heal_duration_seconds_bucket{check="redis",le="2.5"}');
    expect(value(durations, {})).toBe(1);
    const under1 = await query('orixoon_heal_duration_seconds_bucket{check="redis",le="1"}');
    expect(value(under1, {})).toBe(0);

    const verdicts = await query('orixoon_last_verdict');
    expect(value(verdicts, { verdict: report.verdict })).toBe(1);
    expect(verdicts.filter((s) => s.value[1] === '1')).toHaveLength(1);

    const unhealthy = await query('orixoon_target_unhealthy_seconds');
    expect(value(unhealthy, { check: 'app', target: failedApp.target })).toBeGreaterThan(0);
    expect(value(unhealthy, { check: 'redis', target: 'shop-redis-1' })).toBeLessThan(60);

    const budget = await query('orixoon_heal_budget_remaining');
    expect(value(budget, { check: 'redis', target: 'shop-redis-1' })).toBe(2);
  });

  it('follows the next cycle: counts grow, the budget shrinks, the verdict changes', async () => {
    const report = reportNow();
    report.verdict = 'healed';
    expect((await recordReport(store, report)).recorded).toBe(true);
    await metrics.observe(report);
    await until('orixoon_heals_total{check="redis",outcome="healed"}', (r) => value(r, {}) === 2);
    await until('orixoon_heal_budget_remaining{check="redis"}', (r) => value(r, {}) === 1);
    const verdicts = await until('orixoon_last_verdict', (r) =>
      value(r, { verdict: 'healed' }) === 1 ? r : undefined,
    );
    expect(value(verdicts, { verdict: 'blocked' })).toBe(0);
  });
});

describe('metrics server', () => {
  it('serves only /metrics, and --metrics-port takes a port number only', async () => {
    const res = await fetch(metrics.url.replace('/metrics', '/'), { signal: AbortSignal.timeout(5000) });
    expect(res.status).toBe(404);
    const ok = await fetch(metrics.url, { signal: AbortSignal.timeout(5000) });
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(parseMetricsPort('9464')).toBe(9464);
    expect(parseMetricsPort('0')).toBe(0);
    for (const bad of ['', 'x', '-1', '65536', '80.5'])
      expect(parseMetricsPort(bad)).toMatch(/^--metrics-port must be a TCP port/);
  });
});
