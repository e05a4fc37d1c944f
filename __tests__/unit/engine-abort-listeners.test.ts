// One abort listener from the engine per run, whatever the number of checks in flight: a phase of 30
// checks must not trip an abort signal's max-listeners warning (10 where a runtime limits them, as
// Node 20 does), and the listener goes once nothing waits.
// First: registers the test-probe check type before anything loads the config schema.
import { probes } from '../integration/probe-check-type.js';
import { getEventListeners, setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { runEngine } from '../../src/engine/run.js';
import { AbortRace } from '../../src/support/abortable.js';

let warnings: Error[] = [];
const onWarning = (w: Error): void => void warnings.push(w);
beforeEach(() => {
  warnings = [];
  process.on('warning', onWarning);
});
afterEach(() => {
  process.off('warning', onWarning);
  probes.clear();
});

/** Warnings are emitted on a later tick: let them arrive before asserting. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
const listenerWarnings = (): Error[] => warnings.filter((w) => w.name === 'MaxListenersExceededWarning');

describe('abort listeners', () => {
  test('30 checks racing one signal: no max-listeners warning, every one settles, the listener is removed', async () => {
    const controller = new AbortController();
    // The limit Node 20 puts on every abort signal (Node 24 sets none): the race must stay under it.
    setMaxListeners(10, controller.signal);
    const race = new AbortRace(controller.signal);
    const releases: Array<() => void> = [];
    const racing = Array.from({ length: 30 }, (_, i) =>
      race.race(new Promise<number>((resolve) => releases.push(() => resolve(i))), `check ${i}`),
    );
    expect(race.pending).toBe(30);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    await settle();
    expect(listenerWarnings()).toEqual([]);
    for (const release of releases) release();
    expect(await Promise.all(racing)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(race.pending).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);

    // A second wave on the same signal, cut off by the abort: each rejects with what it was and why.
    const stuck = Array.from({ length: 30 }, (_, i) => race.race(new Promise<never>(() => {}), `check ${i}`));
    controller.abort(new Error('run deadline of 2s (timeout-seconds) reached'));
    const settled = await Promise.allSettled(stuck);
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect((settled[7] as PromiseRejectedResult).reason).toEqual(
      new Error('check 7: run deadline of 2s (timeout-seconds) reached'),
    );
    expect(race.pending).toBe(0);
    await expect(race.race(Promise.resolve(1), 'late')).rejects.toThrow('late: run deadline of 2s');
    await settle();
    expect(listenerWarnings()).toEqual([]);
  });

  test('a phase of 30 checks in flight at once: the engine holds one abort listener on the run signal', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `p${i}`);
    // Every check waits until all 30 are running, then reads the listeners on the run's signal.
    const seen: number[] = [];
    let started = 0;
    let allStarted: () => void = () => {};
    const barrier = new Promise<void>((r) => (allStarted = r));
    for (const id of ids) {
      probes.set(id, {
        run: async (ctx) => {
          if (++started === ids.length) allStarted();
          await barrier;
          seen.push(getEventListeners(ctx.signal, 'abort').length);
          return { findings: [], summary: 'ok' };
        },
      });
    }
    const checks = ids.map((id) => `      - { id: ${id}, type: test-probe }`).join('\n');
    const loaded = parseConfig(
      `phases:\n  - name: many\n    checks:\n${checks}\n`,
      join(tmpdir(), 'orixoon.yml'),
    );
    const report = await runEngine({ loaded, env: {}, timeoutSeconds: 60 });

    expect(report.verdict).toBe('passed');
    expect(report.phases[0]!.checks.map((c) => c.status)).toEqual(ids.map(() => 'passed'));
    expect(seen).toHaveLength(30);
    // The checks' race and the run's hard stop: never one per check.
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    await settle();
    expect(listenerWarnings()).toEqual([]);
  });
});
