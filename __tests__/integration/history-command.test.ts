// `orixoon history` on a real state file: its output and JSON, its options, and its answer time over
// 100,000 recorded actions (measured and printed; the bench owns the budget).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.js';
import { budgetSettingsOf } from '../../src/healing/budget.js';
import { healBudgetSchema } from '../../src/state/config.js';
import { historyBlock } from '../../src/state/history-block.js';
import { openStateStore, recordReport } from '../../src/state/index.js';
import { sampleReport } from '../helpers/sample-report.js';
import type { EventRow, StateStore } from '../../src/state/types.js';

const dir = mkdtempSync(join(tmpdir(), 'orixoon-history-'));
const path = join(dir, 'state.db');
const NOW = Date.now();
const H = 3_600_000;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env: {}, cwd: dir },
    out,
    err,
  };
}

async function record(
  store: StateStore,
  at: number,
  events: Array<Partial<EventRow> & Pick<EventRow, 'target'>>,
) {
  await store.recordRun(
    {
      repository: 'acme/shop',
      workflow: 'deploy',
      runId: null,
      commit: null,
      startedAt: at,
      endedAt: at + 1000,
      verdict: 'healed',
    },
    [{ checkId: 'app', status: 'healed' }],
    events.map((e) => ({
      at,
      checkId: 'app',
      host: '',
      code: 'container_not_running',
      action: 'start_container',
      outcome: 'healed',
      attempts: 1,
      durationMs: 1000,
      error: null,
      ...e,
    })),
  );
}

beforeAll(async () => {
  const { store } = await openStateStore({ cwd: dir, config: { path } });
  // Ten days ago: outside the default 7 days.
  await record(store!, NOW - 240 * H, [{ target: 'old-box' }]);
  await record(store!, NOW - 3 * H, [
    { target: 'shop-redis-1', checkId: 'redis', durationMs: 1200 },
    {
      target: 'shop-app-1',
      outcome: 'failed',
      durationMs: 9000,
      error: 'exited again after 2 s (exit code 1)',
    },
  ]);
  await record(store!, NOW - 2 * H, [{ target: 'shop-redis-1', checkId: 'redis', durationMs: 800 }]);
  await record(store!, NOW - H, [
    { target: 'shop-app-1', durationMs: 3000, host: 'ssh://deploy@build-2' },
    { target: 'shop-db', checkId: 'db', action: null, attempts: 0, outcome: 'recovered' },
  ]);
  await store!.close();
});

describe('orixoon history', () => {
  it('prints per-target counts, success rate, mean time to heal and the last actions of the last 7 days', async () => {
    const r = io();
    expect(await main(['history', '--state', path], r.io)).toBe(0);
    const text = r.out.join('\n');
    expect(r.err).toEqual([]);
    expect(text).toMatch(/^Heal history since .* \(state file .*state\.db\)/);
    expect(text).not.toContain('old-box');
    const row = (name: string) => r.out.find((l) => l.startsWith(`${name}  `))!.split(/\s{2,}/);
    expect(row('shop-redis-1').slice(0, 6)).toEqual(['shop-redis-1', 'redis', '2', '2', '100%', '1.0 s']);
    expect(row('shop-app-1').slice(0, 6)).toEqual(['shop-app-1', 'app', '1', '1', '0%', '—']);
    expect(row('shop-app-1 @ ssh://deploy@build-2').slice(0, 6)).toEqual([
      'shop-app-1 @ ssh://deploy@build-2',
      'app',
      '1',
      '1',
      '100%',
      '3.0 s',
    ]);
    expect(row('shop-db').slice(0, 6)).toEqual(['shop-db', 'db', '1', '0', '—', '—']);
    expect(text).toContain('start_container → failed (1×, 9.0 s): exited again after 2 s (exit code 1)');
  });

  it('--check, --since and --json', async () => {
    const r = io();
    expect(
      await main(['history', '--state', path, '--check', 'redis', '--since', '150m', '--json'], r.io),
    ).toBe(0);
    const j = JSON.parse(r.out.join('\n')) as { targets: Array<Record<string, unknown>>; store: object };
    expect(j.store).toEqual({ kind: 'sqlite', location: path });
    expect(j.targets).toHaveLength(1);
    expect(j.targets[0]).toMatchObject({
      checkId: 'redis',
      target: 'shop-redis-1',
      findings: 1,
      healed: 1,
      meanTimeToHealMs: 800,
    });
    const all = io();
    expect(await main(['history', '--state', path, '--since', '30d', '--json'], all.io)).toBe(0);
    expect(JSON.stringify(JSON.parse(all.out.join('\n')))).toContain('old-box');
  });

  it('bad options are usage errors; a missing file is no history and is not created', async () => {
    const r = io();
    expect(await main(['history', '--since', 'yesterday'], r.io)).toBe(2);
    expect(r.err.join('\n')).toContain('--since must be a duration like 30m, 12h, 7d, 2w');
    const u = io();
    expect(await main(['history', '--nope'], u.io)).toBe(2);
    const m = io();
    const missing = join(dir, 'nothing', 'state.db');
    expect(await main(['history', '--state', missing], m.io)).toBe(0);
    expect(m.out).toEqual([
      `No history yet: ${missing} does not exist (a run with the state store writes it).`,
    ]);
  });

  it('answers over 100,000 recorded actions (time measured)', async () => {
    const big = join(dir, 'big.db');
    const { store } = await openStateStore({ cwd: dir, config: { path: big } });
    const start = NOW - 6 * 24 * H;
    const t0 = performance.now();
    // 10,000 runs × 10 actions on 50 targets over 6 days.
    for (let i = 0; i < 10_000; i++) {
      const at = start + i * 50_000;
      await record(
        store!,
        at,
        Array.from({ length: 10 }, (_, j) => ({
          target: `svc-${(i * 10 + j) % 50}`,
          outcome: (i + j) % 7 === 0 ? 'failed' : 'healed',
          durationMs: 500 + ((i * j) % 3000),
        })),
      );
    }
    const fill = performance.now() - t0;
    await store!.close();
    const times: number[] = [];
    let out: string[] = [];
    for (let k = 0; k < 5; k++) {
      const r = io();
      const t = performance.now();
      expect(await main(['history', '--state', big], r.io)).toBe(0);
      times.push(performance.now() - t);
      out = r.out;
    }
    expect(out.filter((l) => /^svc-\d+ /.test(l))).toHaveLength(50);
    // What recording adds to a run on that store: open, record the run, read its history block, close.
    const settings = budgetSettingsOf({
      cooldown_seconds: 60,
      ...healBudgetSchema.parse({ max_heals_per_target: 3 }),
    });
    const recordTimes: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      const opened = await openStateStore({ cwd: dir, config: { path: big } });
      const report = sampleReport();
      expect((await recordReport(opened.store!, report)).recorded).toBe(true);
      expect(await historyBlock(opened.store!, report, settings)).toHaveLength(report.findings.length);
      await opened.store!.close();
      recordTimes.push(performance.now() - t);
    }
    recordTimes.sort((a, b) => a - b);
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `history over 100,000 actions: ${sorted.map((t) => t.toFixed(0)).join(', ')} ms (median ${sorted[2]!.toFixed(0)} ms; ` +
        `recording 10,000 runs took ${fill.toFixed(0)} ms, ${(fill / 10_000).toFixed(2)} ms a run; ` +
        `open + record a report + history block + close on that store: ${recordTimes.map((t) => t.toFixed(1)).join(', ')} ms)`,
    );
  });
});
