// Prometheus metrics for `orixoon monitor`: what each cycle found and healed, how long heals took, the
// last verdict, how long each target has been unhealthy, and each target's heal budget left. Fed
// with every cycle's report (the one report model); served on /metrics by a small HTTP server.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { UsageError } from './args.js';
import type { CliIO } from './io.js';
import { checkBudget, historySince, type BudgetSettings } from '../healing/budget.js';
import type { RunReport } from '../report/model.js';
import { hostOf } from '../state/record.js';
import type { StateStore } from '../state/types.js';

/** Outcomes after which a target is healthy at the end of the run. */
const HEALTHY = new Set(['healed', 'recovered']);
const VERDICTS = ['passed', 'healed', 'blocked'] as const;
/** Bounds a slow scraper (or a stuck connection) can hold a request open. */
const REQUEST_TIMEOUT_MS = 10_000;

/** `--metrics-port P`: a TCP port (0 picks a free one); an error message for anything else. */
export function parseMetricsPort(raw: string): number | string {
  const n = Number(raw);
  return /^\d+$/.test(raw.trim()) && Number.isInteger(n) && n >= 0 && n <= 65_535
    ? n
    : `--metrics-port must be a TCP port from 0 to 65535, got "${raw}"`;
}

export interface MetricsOptions {
  port: number;
  /** Default 127.0.0.1: target names are not for every network the host is on. */
  host?: string;
  /** With a state store and budget settings, each target's heal budget left is exported too. */
  state?: { store: StateStore; settings: BudgetSettings };
  now?: () => number;
}

export interface MonitorMetrics {
  /** `http://HOST:PORT/metrics` */
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  /** Counts a finished cycle. */
  observe(report: RunReport): Promise<void>;
  close(): Promise<void>;
}

interface Target {
  check: string;
  target: string;
  host: string;
  /** Healthy at the end of the last cycle. */
  healthy: boolean;
  lastHealthy: number;
}

export async function startMetricsServer(opts: MetricsOptions): Promise<MonitorMetrics> {
  const now = opts.now ?? Date.now;
  const registry = new Registry();
  const targets = new Map<string, Target>();
  const findings = new Counter({
    name: 'orixoon_findings_total',
    help: 'Findings by check, issue code and outcome.',
    labelNames: ['check', 'code', 'outcome'],
    registers: [registry],
  });
  const heals = new Counter({
    name: 'orixoon_heals_total',
    help: 'Healing actions tried, by check, issue code, action and outcome.',
    labelNames: ['check', 'code', 'action', 'outcome'],
    registers: [registry],
  });
  const healSeconds = new Histogram({
    name: 'orixoon_heal_duration_seconds',
    help: 'Duration of a healing action with its re-test.',
    labelNames: ['check', 'action'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const verdict = new Gauge({
    name: 'orixoon_last_verdict',
    help: 'The last cycle verdict: 1 for the verdict it had, 0 for the others.',
    labelNames: ['verdict'],
    registers: [registry],
  });
  const lastRun = new Gauge({
    name: 'orixoon_last_run_timestamp_seconds',
    help: 'When the last cycle finished (Unix time).',
    registers: [registry],
  });
  new Gauge({
    name: 'orixoon_target_unhealthy_seconds',
    help: 'Seconds since the target was last healthy (0 while it is).',
    labelNames: ['check', 'target', 'host'],
    registers: [registry],
    collect() {
      const t = now();
      for (const x of targets.values()) {
        const seconds = x.healthy ? 0 : Math.max(0, (t - x.lastHealthy) / 1000);
        this.set({ check: x.check, target: x.target, host: x.host }, seconds);
      }
    },
  });
  new Gauge({
    name: 'orixoon_target_last_healthy_timestamp_seconds',
    help: 'When the target was last seen healthy at the end of a cycle (Unix time).',
    labelNames: ['check', 'target', 'host'],
    registers: [registry],
    collect() {
      for (const x of targets.values())
        this.set({ check: x.check, target: x.target, host: x.host }, x.lastHealthy / 1000);
    },
  });
  const budgetLeft = new Gauge({
    name: 'orixoon_heal_budget_remaining',
    help: 'Heals of the target still allowed within budget_window_hours (max_heals_per_target set).',
    labelNames: ['check', 'target', 'host'],
    registers: [registry],
  });

  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are on /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(e)}\n`),
    );
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  async function observe(report: RunReport): Promise<void> {
    const ended = Date.parse(report.finishedAt) || now();
    const started = Date.parse(report.startedAt) || ended;
    const unhealthy = new Set<string>();
    for (const f of report.findings) {
      findings.inc({ check: f.checkId, code: f.code, outcome: f.outcome });
      if (f.action && f.attempts > 0) {
        heals.inc({ check: f.checkId, code: f.code, action: f.action, outcome: f.outcome });
        healSeconds.observe({ check: f.checkId, action: f.action }, f.durationMs / 1000);
      }
      const t = { check: f.checkId, target: f.target, host: hostOf(f) };
      const key = JSON.stringify(t);
      // First seen broken: unhealthy since at least the start of this cycle.
      if (!targets.has(key)) targets.set(key, { ...t, healthy: false, lastHealthy: started });
      if (!HEALTHY.has(f.outcome)) unhealthy.add(key);
    }
    for (const [key, t] of targets) {
      t.healthy = !unhealthy.has(key);
      if (t.healthy) t.lastHealthy = ended;
    }
    for (const v of VERDICTS) verdict.set({ verdict: v }, report.verdict === v ? 1 : 0);
    lastRun.set(ended / 1000);
    const state = opts.state;
    if (state && state.settings.maxHealsPerTarget !== undefined) {
      const t = now();
      for (const x of targets.values()) {
        const h = await state.store.targetHistory(
          { checkId: x.check, target: x.target, host: x.host },
          { since: historySince(t, state.settings), lastRuns: 1 },
        );
        budgetLeft.set(
          { check: x.check, target: x.target, host: x.host },
          checkBudget(h.events, t, state.settings).left ?? 0,
        );
      }
    }
  }

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
    port,
    registry,
    observe,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `orixoon monitor --metrics-port P`: the metrics server, started before the first cycle (undefined
 * without the option). A port that is not a number or cannot be listened on is a usage error.
 */
export async function startMonitorMetrics(
  raw: string | undefined,
  io: Pick<CliIO, 'out'>,
  state?: MetricsOptions['state'],
): Promise<MonitorMetrics | undefined> {
  if (raw === undefined) return undefined;
  const port = parseMetricsPort(raw);
  if (typeof port === 'string') throw new UsageError(port, 'monitor');
  let metrics: MonitorMetrics;
  try {
    metrics = await startMetricsServer({ port, state });
  } catch (e) {
    throw new UsageError(`--metrics-port ${port}: cannot listen (${(e as Error).message})`, 'monitor');
  }
  io.out(`Metrics: ${metrics.url}`);
  return metrics;
}
