// The monitor's metrics scraped by a real Prometheus (Debian's `prometheus`), started by the test on a
// free port with a temporary config, and read back through its HTTP query API.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { budgetSettingsOf } from '../../src/healing/budget.js';
import { parseMetricsPort, startMetricsServer, type MonitorMetrics } from '../../src/cli/metrics.js';
import type { RunReport } from '../../src/report/model.js';
import { healBudgetSchema } from '../../src/state/config.js';
import { openStateStore, recordReport } from '../../src/state/index.js';
import type { StateStore } from '../../src/state/types.js';
import { startPrometheus, valueOf as value, type Prometheus } from '../helpers/prometheus.js';
import { sampleReport } from '../helpers/sample-report.js';

const dir = mkdtempSync(join(tmpdir(), 'orixoon-metrics-'));
let prom: Prometheus | undefined;
let metrics: MonitorMetrics;
let store: StateStore;

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

beforeAll(async () => {
  const opened = await openStateStore({ cwd: dir, config: { path: join(dir, 'state.db') } });
  store = opened.store!;
  const settings = budgetSettingsOf({
    cooldown_seconds: 60,
    ...healBudgetSchema.parse({ max_heals_per_target: 3 }),
  });
  metrics = await startMetricsServer({ port: 0, state: { store, settings } });
  prom = await startPrometheus([`127.0.0.1:${metrics.port}`]);
});

afterAll(async () => {
  await prom?.stop();
  await metrics?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('monitor metrics in a real Prometheus', () => {
  it('has the findings, heals, heal durations, verdict, unhealthy time and budget left of a recorded run', async () => {
    const p = prom!;
    const report = reportNow();
    expect((await recordReport(store, report)).recorded).toBe(true);
    await metrics.observe(report);

    expect(await p.until('up{job="orixoon"}', (r) => value(r) === 1)).toBe(true);
    await p.until(
      'orixoon_heals_total',
      (r) =>
        value(r, {
          check: 'redis',
          code: 'container_not_running',
          action: 'start_container',
          outcome: 'healed',
        }) === 1,
    );
    const heals = await p.query('orixoon_heals_total');
    expect(value(heals, { check: 'db', action: 'terminate_idle_connections', outcome: 'healed' })).toBe(1);
    const failedApp = report.findings.find((f) => f.checkId === 'app')!;
    expect(value(heals, { check: 'app', action: failedApp.action!, outcome: 'failed' })).toBe(1);

    const found = await p.query('orixoon_findings_total');
    expect(value(found, { check: 'cache', code: 'redis_not_responding', outcome: 'recovered' })).toBe(1);
    expect(found.length).toBe(report.findings.length);

    expect(value(await p.query('orixoon_heal_duration_seconds_bucket{check="redis",le="2.5"}'))).toBe(1);
    expect(value(await p.query('orixoon_heal_duration_seconds_bucket{check="redis",le="1"}'))).toBe(0);

    const verdicts = await p.query('orixoon_last_verdict');
    expect(value(verdicts, { verdict: report.verdict })).toBe(1);
    expect(verdicts.filter((s) => s.value[1] === '1')).toHaveLength(1);

    const unhealthy = await p.query('orixoon_target_unhealthy_seconds');
    expect(value(unhealthy, { check: 'app', target: failedApp.target })).toBeGreaterThan(0);
    expect(value(unhealthy, { check: 'redis', target: 'shop-redis-1' })).toBe(0);
    const lastHealthy = await p.query('orixoon_target_last_healthy_timestamp_seconds');
    expect(value(lastHealthy, { check: 'redis', target: 'shop-redis-1' })).toBe(
      Date.parse(report.finishedAt) / 1000,
    );

    const budget = await p.query('orixoon_heal_budget_remaining');
    expect(value(budget, { check: 'redis', target: 'shop-redis-1' })).toBe(2);
  });

  it('follows the next cycle: counts grow, the budget shrinks, the verdict changes', async () => {
    const p = prom!;
    const report = reportNow();
    report.verdict = 'healed';
    expect((await recordReport(store, report)).recorded).toBe(true);
    await metrics.observe(report);
    await p.until('orixoon_heals_total{check="redis",outcome="healed"}', (r) => value(r) === 2);
    await p.until('orixoon_heal_budget_remaining{check="redis"}', (r) => value(r) === 1);
    const verdicts = await p.until('orixoon_last_verdict', (r) =>
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
