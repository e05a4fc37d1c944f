// What the console says while a run heals, through the command line with real `command` checks (real
// processes and files, no server): "✅ HEALED" only once the re-test passed, the waits announced
// (re-test bound, next attempt), one section per phase, and an unexpected error told apart from
// "blocked" by its exit code.
// First: registers the test-probe check type before anything loads the config schema.
import { probes } from './probe-check-type.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main as cli } from '../../src/cli.js';
import type { CheckResult } from '../../src/core/types.js';
import type { RunReport } from '../../src/report/model.js';
import { tempDir } from '../helpers/engine.js';

interface CliRun {
  code: number;
  lines: string[];
  out: string;
  report: RunReport;
}

async function run(dir: string, config: string, args: string[]): Promise<CliRun> {
  writeFileSync(join(dir, 'orixoon.yml'), config);
  const lines: string[] = [];
  const code = await cli(['check', '--config', 'orixoon.yml', '--report-dir', 'reports', ...args], {
    out: (t) => lines.push(t),
    err: (t) => lines.push(t),
    env: process.env,
    cwd: dir,
  });
  const out = lines.join('\n');
  const path = /Report: (\S+)/.exec(out)?.[1];
  if (!path) throw new Error(`no report path in:\n${out}`);
  return { code, lines, out, report: JSON.parse(readFileSync(path, 'utf8')) as RunReport };
}

const fast = 'auto_healing: { retry_delay_seconds: 0.2, stabilization_timeout_seconds: 1 }';

describe('healing progress on the console', () => {
  test('a heal whose action "succeeds" but whose re-test keeps failing never prints ✅ HEALED', async () => {
    const dir = tempDir();
    const r = await run(
      dir,
      `${fast}\nphases:\n  - name: p\n    checks:\n      - { id: never, type: command, run: "false", heal: "true" }\n`,
      ['--auto-heal'],
    );
    expect(r.code).toBe(1);
    expect(r.report.findings[0]).toMatchObject({ checkId: 'never', outcome: 'failed', attempts: 3 });
    expect(r.out).not.toContain('✅ HEALED');
    expect(r.out).toContain("❌ HEALING FAILED: Command check 'never' failed (exit 1)");
    // Each attempt: the action, then the announced re-test, then its result; the waits in between.
    const progress = r.lines.filter((l) => /^(🔧|✗|⏳)/u.test(l));
    expect(progress).toEqual([
      "🔧 HEALING: Running heal command for 'never'...",
      expect.stringMatching(
        /^🔧 Action done \(Heal command completed \(exit 0 in .*\)\), re-testing \(up to 1 s\)…$/,
      ),
      "✗ Re-test: still failing: Command check 'never' failed (exit 1)",
      '⏳ Attempt 2/3 of run_heal_command in 0.2 s…',
      "🔧 HEALING: Running heal command for 'never'... (attempt 2/3)",
      expect.stringMatching(/^🔧 Action done .*re-testing \(up to 1 s\)…$/),
      "✗ Re-test: still failing: Command check 'never' failed (exit 1)",
      '⏳ Attempt 3/3 of run_heal_command in 0.2 s…',
      "🔧 HEALING: Running heal command for 'never'... (attempt 3/3)",
      expect.stringMatching(/^🔧 Action done .*re-testing \(up to 1 s\)…$/),
      "✗ Re-test: still failing: Command check 'never' failed (exit 1)",
    ]);
    // The healing log says the same: three actions, none a success.
    expect(r.report.actions.map((a) => a.success)).toEqual([false, false, false]);
  });

  test('a heal that works: the action, the re-test wait, then ✅ HEALED and the re-test, in that order', async () => {
    const dir = tempDir();
    const r = await run(
      dir,
      `${fast}\nphases:\n  - name: p\n    checks:\n      - { id: flag, type: command, run: "test -f ${dir}/flag.ok", heal: "touch ${dir}/flag.ok" }\n`,
      ['--auto-heal'],
    );
    expect(r.code).toBe(0);
    expect(r.report.findings[0]!.outcome).toBe('healed');
    expect(existsSync(join(dir, 'flag.ok'))).toBe(true);
    const at = (re: RegExp): number => r.lines.findIndex((l) => re.test(l));
    const order = [
      /^🔧 HEALING: /,
      /^🔧 Action done .*re-testing/,
      /^✅ HEALED: Heal command completed/,
      /^✓ Re-test: flag/,
    ];
    const positions = order.map(at);
    expect(
      positions.every((p) => p >= 0),
      r.out,
    ).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(r.lines.filter((l) => l.startsWith('✅ HEALED'))).toHaveLength(1);
  });

  test('a dependent re-tested after its root cause was healed says how long it may wait', async () => {
    const dir = tempDir();
    const config = [
      fast,
      'phases:',
      '  - name: p',
      '    checks:',
      `      - { id: root, type: command, run: "test -f ${dir}/root.ok", heal: "touch ${dir}/root.ok" }`,
      `      - { id: leaf, type: command, run: "test -f ${dir}/root.ok", heal: "false", depends_on: [root] }`,
      '',
    ].join('\n');
    const r = await run(dir, config, ['--auto-heal']);
    expect(r.code).toBe(0);
    expect(r.report.findings.map((f) => [f.checkId, f.outcome])).toEqual([
      ['root', 'healed'],
      ['leaf', 'recovered'],
    ]);
    expect(r.out).toContain('⏳ Re-testing leaf now that its root cause was healed (up to 1 s)…');
  });

  test('each phase is a section of its own; the verdict stands after the last', async () => {
    const dir = tempDir();
    const r = await run(
      dir,
      `phases:\n  - name: first\n    checks:\n      - { id: a, type: command, run: "true" }\n  - name: second\n    checks:\n      - { id: b, type: command, run: "true" }\n`,
      [],
    );
    expect(r.code).toBe(0);
    // The first line says something (no blank line before the first section).
    expect(r.lines[0]).toBe('━━ Phase 1/2: first ━━');
    const second = r.lines.indexOf('━━ Phase 2/2: second ━━');
    expect(r.lines[second - 1]).toBe('');
    expect(r.lines.findIndex((l) => l.startsWith('✓ a: '))).toBeLessThan(second);
    expect(r.lines.findIndex((l) => l.startsWith('✓ b: '))).toBeGreaterThan(second);
    expect(r.lines.findIndex((l) => l.startsWith('✅ Deployment: ALLOWED'))).toBeGreaterThan(second);
  });
});

describe('exit codes', () => {
  test('a run ended by an unexpected error exits 3, not 1 (blocked), and still writes its report', async () => {
    probes.set('malformed', { run: async () => null as unknown as CheckResult });
    const dir = tempDir();
    const r = await run(
      dir,
      `phases:\n  - name: p\n    checks:\n      - { id: malformed, type: test-probe }\n`,
      [],
    );
    expect(r.code).toBe(3);
    expect(r.report.verdict).toBe('blocked');
    expect(r.report.interrupted?.reason).toBe('error');
    expect(r.out).toMatch(/💥 unexpected error: /);
  });

  test('a blocked run still exits 1', async () => {
    const dir = tempDir();
    const r = await run(
      dir,
      `phases:\n  - name: p\n    checks:\n      - { id: no, type: command, run: "false" }\n`,
      [],
    );
    expect(r.code).toBe(1);
    expect(r.report.interrupted).toBeUndefined();
  });
});
