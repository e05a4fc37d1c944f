// `orixoon monitor --metrics-port` end to end: a real cycle heals a broken command check, a real
// Prometheus scrapes the monitor, and its query API returns the heal.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main as cli } from '../../src/cli.js';
import { tempDir } from '../helpers/engine.js';
import { freePort, startPrometheus, valueOf, type Prometheus } from '../helpers/prometheus.js';

let prom: Prometheus | undefined;
afterAll(async () => prom?.stop());

describe('orixoon monitor --metrics-port', () => {
  it('serves the heal of its first cycle to Prometheus, and stops serving when stopped', async () => {
    const dir = tempDir();
    const flag = join(dir, 'svc.ok');
    writeFileSync(
      join(dir, 'orixoon.yml'),
      [
        'auto_healing: { retry_delay_seconds: 0.1, stabilization_timeout_seconds: 2 }',
        'phases:',
        '  - name: p',
        '    checks:',
        `      - { id: svc, type: command, run: "test -f ${flag}", heal: "touch ${flag}" }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    prom = await startPrometheus([`127.0.0.1:${port}`]);
    const stop = new AbortController();
    const out: string[] = [];
    const err: string[] = [];
    const running = cli(
      [
        'monitor',
        '--config',
        'orixoon.yml',
        '--report-dir',
        'reports',
        '--interval',
        '3600',
        '--metrics-port',
        String(port),
      ],
      {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        env: process.env,
        cwd: dir,
        stopSignal: stop.signal,
      },
    );
    try {
      await prom.until(
        'orixoon_heals_total',
        (r) => valueOf(r, { check: 'svc', code: 'command_failed', outcome: 'healed' }) === 1,
      );
      expect(existsSync(flag)).toBe(true);
      expect(out).toContain(`Metrics: http://127.0.0.1:${port}/metrics`);
      await prom.until('orixoon_last_verdict', (r) => valueOf(r, { verdict: 'healed' }) === 1);
      await prom.until('orixoon_heal_duration_seconds_count{check="svc"}', (r) => valueOf(r) === 1);
      await prom.until('orixoon_target_unhealthy_seconds{check="svc"}', (r) => valueOf(r) === 0);
    } finally {
      stop.abort();
    }
    expect(await running).toBe(0);
    // Stopped: nothing listens on the port any more.
    await expect(
      fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) }),
    ).rejects.toThrow();
    rmSync(flag, { force: true });
  });

  it('a port that is not a number is a usage error before any cycle runs', async () => {
    const dir = tempDir();
    const err: string[] = [];
    const code = await cli(['monitor', '--metrics-port', 'ninety'], {
      out: () => undefined,
      err: (t) => err.push(t),
      env: process.env,
      cwd: dir,
    });
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--metrics-port must be a TCP port from 0 to 65535, got "ninety"');
  });
});
