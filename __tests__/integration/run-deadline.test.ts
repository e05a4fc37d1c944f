// The run's hard stops, driven in-process through the engine: the deadline holds whatever a check, a
// remedy, an approval lookup or a notification does, a cancel ends the run at once, and an
// unexpected error inside the engine still yields a blocked report. Real commands and files; the
// misbehaving checks and remedies are registered the way a check type or a remedy is.
// First: registers the test-probe check type before anything loads the config schema.
import { probes } from './probe-check-type.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadConfigFile, type LoadedConfig } from '../../src/config/load.js';
import { runEngine } from '../../src/engine/run.js';
import type { CheckResult, Remedy } from '../../src/core/types.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';
import { tempDir } from '../helpers/engine.js';

/** A config with the given checks (YAML flow mappings). */
function configWith(dir: string, checks: string[], extra = ''): LoadedConfig {
  const path = join(dir, 'orixoon.yml');
  writeFileSync(
    path,
    `${extra}\nphases:\n  - name: p\n    checks:\n${checks.map((c) => `      - ${c}`).join('\n')}\n`,
  );
  return loadConfigFile(path, process.env);
}

const probe = (id: string): string => `{ id: ${id}, type: test-probe }`;
const fast = 'auto_healing: { retry_delay_seconds: 0.1, stabilization_timeout_seconds: 1 }';

describe('the run deadline', () => {
  test('a check that holds the main thread past the deadline and then passes: blocked, deadline reached', async () => {
    probes.set('busy', {
      async run(): Promise<CheckResult> {
        // A catastrophic regex or a synchronous loop: nothing can preempt it in-process.
        const end = Date.now() + 1500;
        while (Date.now() < end);
        return { findings: [], summary: 'fine' };
      },
    });
    const loaded = configWith(tempDir(), [probe('busy')]);
    const report = await runEngine({ loaded, timeoutSeconds: 1 });
    expect(report.verdict).toBe('blocked');
    expect(report.deployment).toBe('blocked');
    expect(report.headline).toMatch(/^Deployment: BLOCKED \(deadline reached: run deadline of 1s/);
    expect(report.interrupted).toEqual({
      reason: 'deadline',
      detail: 'run deadline of 1s (timeout-seconds) reached',
    });
    expect(report.errors).toContain('run deadline of 1s (timeout-seconds) reached');
  });

  test('a check that never settles and holds no handle: blocked at the deadline, the check reported as not finished', async () => {
    probes.set('hung', { run: () => new Promise<CheckResult>(() => {}) });
    probes.set('later', { run: async () => ({ findings: [] }) });
    const loaded = configWith(tempDir(), [probe('hung'), probe('later')]);
    const t0 = Date.now();
    const report = await runEngine({ loaded, timeoutSeconds: 1 });
    expect(Date.now() - t0).toBeLessThan(1000 + 3000);
    expect(report.verdict).toBe('blocked');
    const hung = report.findings.find((f) => f.checkId === 'hung')!;
    expect(hung).toMatchObject({ code: 'check_error', outcome: 'not_healable' });
    expect(hung.message).toBe(
      "Check 'hung' (test-probe) did not finish: deadline reached (run deadline of 1s (timeout-seconds) reached)",
    );
    expect(report.phases[0]!.checks.find((c) => c.id === 'hung')!.status).toBe('failed');
  });

  test('an approval lookup that never answers cannot hold the run past the deadline', async () => {
    const dir = tempDir();
    const loaded = configWith(dir, [
      `{ id: risky, type: command, run: "test -f ${dir}/ok", heal: "touch ${dir}/ok", risk: high }`,
    ]);
    const t0 = Date.now();
    const report = await runEngine({
      loaded,
      timeoutSeconds: 2,
      approvalLookup: () => new Promise(() => {}),
    });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(2000 + 3000);
    expect(report.verdict).toBe('blocked');
    expect(report.interrupted?.reason).toBe('deadline');
    // Not approved: nothing ran.
    expect(report.findings[0]).toMatchObject({ checkId: 'risky', outcome: 'awaiting_approval' });
    expect(existsSync(join(dir, 'ok'))).toBe(false);
  }, 20_000);

  test('a notification that never settles: the run ends at the deadline, blocked, with the heal reported', async () => {
    const dir = tempDir();
    const loaded = configWith(
      dir,
      [`{ id: svc, type: command, run: "test -f ${dir}/ok", heal: "touch ${dir}/ok" }`],
      fast,
    );
    const t0 = Date.now();
    const report = await runEngine({
      loaded,
      timeoutSeconds: 3,
      onHealingEvent: () => new Promise(() => {}),
    });
    expect(Date.now() - t0).toBeLessThan(3000 + 3000);
    expect(report.findings[0]).toMatchObject({ checkId: 'svc', outcome: 'healed' });
    expect(existsSync(join(dir, 'ok'))).toBe(true);
    expect(report.verdict).toBe('blocked');
    expect(report.headline).toMatch(/deadline reached/);
  }, 20_000);
});

describe('cancellation and unexpected errors', () => {
  test('a cancel during a remedy that never returns: ended within the settle time, its cancel hook ran, reported as interrupted', async () => {
    const dir = tempDir();
    const marker = join(dir, 'restored');
    let started = 0;
    const stuck: Remedy = {
      action: 'test_stuck_fix',
      category: 'other',
      describe: () => 'Applying a fix that never returns...',
      run(_f, ctx) {
        started = Date.now();
        ctx.onCancel?.(() => writeFileSync(marker, 'undone'));
        return new Promise(() => {});
      },
    };
    (REMEDIES as Map<string, Remedy>).set(stuck.action, stuck);
    probes.set('broken', {
      run: async () => ({
        findings: [
          {
            code: 'command_failed',
            checkId: 'broken',
            target: 'broken',
            targetKey: 'command:broken',
            message: "Command check 'broken' failed (exit 1)",
            evidence: {},
            action: 'test_stuck_fix',
            risk: 'low',
          },
        ],
      }),
    });
    const loaded = configWith(dir, [probe('broken')], fast);
    const cancel = new AbortController();
    const running = runEngine({ loaded, timeoutSeconds: 60, signal: cancel.signal });
    while (!started) await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    cancel.abort(new Error('cancelled: SIGTERM received'));
    const report = await running;
    expect(Date.now() - t0).toBeLessThan(2500);
    expect(report.verdict).toBe('blocked');
    expect(report.interrupted).toEqual({ reason: 'cancelled', detail: 'cancelled: SIGTERM received' });
    expect(report.headline).toBe('Deployment: BLOCKED (cancelled: SIGTERM received; 1 finding not healed)');
    expect(report.findings[0]).toMatchObject({
      checkId: 'broken',
      outcome: 'failed',
      action: 'test_stuck_fix',
    });
    expect(report.findings[0]!.failure!.lastError).toBe(
      'test_stuck_fix on broken: cancelled: SIGTERM received',
    );
    expect(readFileSync(marker, 'utf8')).toBe('undone');
  });

  test('an unexpected error inside the engine (a check returning nothing) ends the run blocked with a report', async () => {
    probes.set('malformed', { run: async () => null as unknown as CheckResult });
    probes.set('fine', { run: async () => ({ findings: [] }) });
    const loaded = configWith(tempDir(), [probe('fine'), probe('malformed')]);
    const report = await runEngine({ loaded, timeoutSeconds: 30 });
    expect(report.verdict).toBe('blocked');
    expect(report.deployment).toBe('blocked');
    expect(report.interrupted?.reason).toBe('error');
    expect(report.headline).toMatch(/^Deployment: BLOCKED \(unexpected error: /);
    expect(report.errors.join('\n')).toMatch(/unexpected error: .*findings/);
  });
});
