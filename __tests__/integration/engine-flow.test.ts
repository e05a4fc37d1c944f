// The engine's sequencing (guards, retries, attempt limits, deadline, approvals, monitor cooldowns,
// issue files, phase selection) driven through `command` checks: real processes and real files, no
// server needed, so every rule is exercised end to end through the CLI.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main as cli } from '../../src/cli.js';
import type { RunReport } from '../../src/report/model.js';
import { tempDir } from '../helpers/engine.js';

interface CliRun {
  code: number;
  out: string;
  err: string;
  report?: RunReport;
}

async function run(
  dir: string,
  config: string,
  args: string[],
  onLine?: (t: string) => void,
): Promise<CliRun> {
  writeFileSync(join(dir, 'orixoon.yml'), config);
  const out: string[] = [];
  const err: string[] = [];
  const code = await cli(['--config', 'orixoon.yml', '--report-dir', 'reports', ...args], {
    out: (t) => (out.push(t), onLine?.(t)),
    err: (t) => err.push(t),
    env: process.env,
    cwd: dir,
  });
  const text = out.join('\n');
  const path = /Report: (\S+)/.exec(text + '\n' + err.join('\n'))?.[1];
  return {
    code,
    out: text,
    err: err.join('\n'),
    report: path ? (JSON.parse(readFileSync(path, 'utf8')) as RunReport) : undefined,
  };
}

/** A command check that passes when `<name>.ok` exists; its heal command creates it. */
function flagCheck(dir: string, name: string, extra = ''): string {
  return `      - { id: ${name}, type: command, run: "test -f ${join(dir, name)}.ok", heal: "touch ${join(dir, name)}.ok"${extra} }`;
}

const fast = 'auto_healing: { retry_delay_seconds: 0.1, stabilization_timeout_seconds: 2 }';

describe('engine flow through command checks', () => {
  test('systemic-failure guard: more than max_failing_services failing targets → heal nothing, block', async () => {
    const dir = tempDir();
    const checks = ['a', 'b', 'c', 'd'].map((n) => flagCheck(dir, n)).join('\n');
    const r = await run(
      dir,
      `${fast}\nsafety_limits: { max_failing_services: 3 }\nphases:\n  - name: p\n    checks:\n${checks}\n`,
      ['check', '--auto-heal'],
    );
    expect(r.code).toBe(1);
    expect(r.report!.findings.map((f) => f.outcome)).toEqual(['guarded', 'guarded', 'guarded', 'guarded']);
    expect(r.report!.errors.join('\n')).toMatch(/multiple services failing simultaneously — systemic issue/);
    for (const n of ['a', 'b', 'c', 'd']) expect(existsSync(join(dir, `${n}.ok`))).toBe(false);
    // 0 turns the guard off.
    const off = await run(
      dir,
      `${fast}\nsafety_limits: { max_failing_services: 0 }\nphases:\n  - name: p\n    checks:\n${checks}\n`,
      ['check', '--auto-heal'],
    );
    expect(off.code).toBe(0);
    expect(off.report!.verdict).toBe('healed');
    for (const n of ['a', 'b', 'c', 'd']) expect(existsSync(join(dir, `${n}.ok`))).toBe(true);
  });

  test('retries: a heal that works on its second attempt is healed; one that never works fails after the attempt limit', async () => {
    const dir = tempDir();
    const counter = join(dir, 'tries');
    const flaky = `      - { id: flaky, type: command, run: "test -f ${dir}/flaky.ok", heal: "echo x >> ${counter}; [ $(wc -l < ${counter}) -ge 2 ] && touch ${dir}/flaky.ok || true" }`;
    const never = `      - { id: never, type: command, run: "false", heal: "true" }`;
    const r = await run(
      dir,
      `auto_healing: { max_healing_attempts: 2, retry_delay_seconds: 0.1, stabilization_timeout_seconds: 0.5 }\nphases:\n  - name: p\n    checks:\n${flaky}\n${never}\n`,
      ['check', '--auto-heal'],
    );
    expect(r.report!.findings.find((f) => f.checkId === 'flaky')).toMatchObject({
      outcome: 'healed',
      attempts: 2,
    });
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(2);
    const never2 = r.report!.findings.find((f) => f.checkId === 'never')!;
    expect(never2).toMatchObject({ outcome: 'failed', attempts: 2 });
    expect(never2.failure).toMatchObject({ attempted: 'run_heal_command (2 times)', attempts: 2 });
    expect(r.out).toMatch(/❌ HEALING FAILED: /);
    expect(r.out).toMatch(/Deployment: BLOCKED for safety/);
    expect(r.report!.auto_healing.summary).toMatchObject({
      total_actions: 4,
      successful: 1,
      failed: 3,
      success_rate: '25.0%',
    });
    expect(r.code).toBe(1);
  });

  test('the whole-run deadline blocks a run that would hang, with a clear message', async () => {
    const dir = tempDir();
    const t0 = Date.now();
    const r = await run(
      dir,
      `phases:\n  - name: p\n    checks:\n      - { id: slow, type: command, run: "sleep 30", timeout_seconds: 60 }\n`,
      ['check', '--timeout', '2'],
    );
    expect(r.code).toBe(1);
    expect(Date.now() - t0).toBeLessThan(15_000); // bounded by the deadline, far below the 30 s command
    expect(r.report!.errors.join('\n')).toMatch(/run deadline of 2s \(timeout-seconds\) reached/);
    expect(r.report!.findings[0]).toMatchObject({ code: 'check_error', outcome: 'not_healable' });
  });

  test('a high-risk heal waits for approval; --approve with the check id or the finding id lets it run', async () => {
    const dir = tempDir();
    // Healed twice within a minute on purpose: the backoff across runs is turned off here.
    const config = `${fast}\nsafety_limits: { backoff_max_seconds: 0 }\nphases:\n  - name: p\n    checks:\n${flagCheck(dir, 'risky', ', risk: high')}\n`;
    const first = await run(dir, config, ['check', '--auto-heal']);
    const f = first.report!.findings[0]!;
    expect(f.outcome).toBe('awaiting_approval');
    // The command line's own way to approve, not the PR-comment syntax.
    expect(first.out).toMatch(new RegExp(`Approve with: --approve ${f.id}`));
    expect(first.out).not.toMatch(/\/orixoon approve/);
    expect(existsSync(join(dir, 'risky.ok'))).toBe(false);
    const again = await run(dir, config, ['check', '--auto-heal']);
    expect(again.report!.findings[0]!.id).toBe(f.id); // stable id
    const approved = await run(dir, config, ['check', '--auto-heal', '--approve', f.id]);
    expect(approved.report!.findings[0]).toMatchObject({
      outcome: 'healed',
      approval: { id: f.id, via: 'input' },
    });
    expect(approved.report!.approvals).toHaveLength(1);
    expect(existsSync(join(dir, 'risky.ok'))).toBe(true);
    rmSync(join(dir, 'risky.ok'));
    const byCheck = await run(dir, config, ['check', '--auto-heal', '--approve', 'risky']);
    expect(byCheck.report!.findings[0]!.outcome).toBe('healed');
  });

  test('monitor: checks and heals every cycle, and the cooldown carries across cycles', async () => {
    const dir = tempDir();
    const config = `${fast}\nsafety_limits: { cooldown_seconds: 60 }\nphases:\n  - name: p\n    checks:\n${flagCheck(dir, 'svc')}\n`;
    const r = await run(dir, config, ['monitor', '--interval', '0.2', '--iterations', '2'], (line) => {
      // Break it again just before the second cycle starts.
      if (line.includes('monitor cycle 2')) rmSync(join(dir, 'svc.ok'), { force: true });
    });
    const reports = r.out.match(/Report: \S+/g) ?? [];
    expect(reports).toHaveLength(2);
    const second = JSON.parse(readFileSync(reports[1]!.slice('Report: '.length), 'utf8')) as RunReport;
    const first = JSON.parse(readFileSync(reports[0]!.slice('Report: '.length), 'utf8')) as RunReport;
    expect(first.findings[0]!.outcome).toBe('healed');
    expect(second.findings[0]).toMatchObject({
      outcome: 'limit_reached',
      reason: expect.stringMatching(/cooldown/),
    });
    expect(existsSync(join(dir, 'svc.ok'))).toBe(false);
    expect(r.code).toBe(1);
  });

  test('heal --issue-file re-detects each listed issue first and heals only what is still wrong', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'fine.ok'), '');
    const config = `${fast}\nphases:\n  - name: p\n    checks:\n${flagCheck(dir, 'broken')}\n${flagCheck(dir, 'fine')}\n`;
    writeFileSync(
      join(dir, 'issues.json'),
      JSON.stringify({
        issues: [
          { code: 'command_failed', check: 'broken' },
          { code: 'command_failed', check: 'fine' },
        ],
      }),
    );
    const r = await run(dir, config, ['heal', '--issue-file', 'issues.json']);
    expect(r.code).toBe(0);
    expect(r.report!.findings).toHaveLength(1);
    expect(r.report!.findings[0]).toMatchObject({ checkId: 'broken', outcome: 'healed' });
    expect(r.report!.notes.join('\n')).toMatch(/command_failed on fine: not present now, nothing to heal/);
    writeFileSync(
      join(dir, 'bad.json'),
      JSON.stringify({ issues: [{ code: 'no_such_code', check: 'broken' }] }),
    );
    const bad = await run(dir, config, ['heal', '--issue-file', 'bad.json']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown issue code "no_such_code"/);
  });

  test('--phase runs only the named phases; an unknown phase is a usage error with exit 2', async () => {
    const dir = tempDir();
    const config = `${fast}\nphases:\n  - name: one\n    checks:\n${flagCheck(dir, 'x')}\n  - name: two\n    checks:\n      - { id: y, type: command, run: "true" }\n`;
    const r = await run(dir, config, ['check', '--phase', 'two']);
    expect(r.code).toBe(0);
    expect(r.report!.phases.map((p) => p.name)).toEqual(['two']);
    expect(r.report!.verdict).toBe('passed');
    const bad = await run(dir, config, ['check', '--phase', 'three']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown phase "three".*one, two/);
  });

  test('auto-heal off: findings are reported as disabled and nothing runs', async () => {
    const dir = tempDir();
    const r = await run(dir, `phases:\n  - name: p\n    checks:\n${flagCheck(dir, 'off')}\n`, ['check']);
    expect(r.code).toBe(1);
    expect(r.report!.findings[0]).toMatchObject({ outcome: 'disabled' });
    expect(existsSync(join(dir, 'off.ok'))).toBe(false);
  });
  test('the systemic guard counts failing targets across phases, and a host check low on disk disables healing', async () => {
    const dir = tempDir();
    const two = (a: string, b: string): string => `${flagCheck(dir, a)}\n${flagCheck(dir, b)}`;
    const r = await run(
      dir,
      `${fast}\nsafety_limits: { max_failing_services: 3 }\nphases:\n  - name: one\n    checks:\n${two('a', 'b')}\n  - name: two\n    checks:\n${two('c', 'd')}\n`,
      ['check', '--auto-heal'],
    );
    // Phase one's two failures were healed before phase two's made it four at once.
    expect(r.report!.findings.map((f) => `${f.checkId}:${f.outcome}`)).toEqual([
      'a:healed',
      'b:healed',
      'c:guarded',
      'd:guarded',
    ]);
    expect(existsSync(join(dir, 'c.ok'))).toBe(false);
    const disk = await run(
      dir,
      `${fast}\nphases:\n  - name: p\n    checks:\n      - { id: disk, type: host, path: /, min_free_mb: 1000000000 }\n${flagCheck(dir, 'e')}\n`,
      ['check', '--auto-heal'],
    );
    expect(disk.report!.findings.find((f) => f.checkId === 'disk')).toMatchObject({
      code: 'disk_space_low',
      outcome: 'not_healable',
    });
    expect(disk.report!.findings.find((f) => f.checkId === 'e')).toMatchObject({
      outcome: 'guarded',
      reason: expect.stringMatching(/low disk/),
    });
    expect(existsSync(join(dir, 'e.ok'))).toBe(false);
  });

  test('a heal that takes effect after the re-test gave up is confirmed on the re-check before a retry, not repeated', async () => {
    const dir = tempDir();
    const counter = join(dir, 'runs');
    const slow = `      - { id: slow, type: command, run: "test -f ${dir}/slow.ok", heal: "echo x >> ${counter}; (sleep 1.5; touch ${dir}/slow.ok) >/dev/null 2>&1 &" }`;
    const r = await run(
      dir,
      `auto_healing: { retry_delay_seconds: 2, stabilization_timeout_seconds: 0.3 }\nphases:\n  - name: p\n    checks:\n${slow}\n`,
      ['check', '--auto-heal'],
    );
    expect(r.report!.findings[0]).toMatchObject({ outcome: 'healed', attempts: 1 });
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(1);
    expect(r.report!.actions).toHaveLength(1);
    expect(r.report!.actions[0]!.success).toBe(true);
  });

  test('secrets in the environment never reach the report, even when a failing command prints them', async () => {
    const dir = tempDir();
    const token = 'tok_9f8e7d6c5b4a3210';
    process.env.ORIXOON_TEST_API_TOKEN = token;
    try {
      const r = await run(
        dir,
        `phases:\n  - name: p\n    checks:\n      - { id: leak, type: command, run: "echo using $ORIXOON_TEST_API_TOKEN; exit 1" }\n`,
        ['check'],
      );
      expect(r.report!.findings[0]!.code).toBe('command_failed');
      const files = [r.out, r.err, JSON.stringify(r.report)];
      for (const text of files) expect(text).not.toContain(token);
      expect(JSON.stringify(r.report)).toContain('using ***');
    } finally {
      delete process.env.ORIXOON_TEST_API_TOKEN;
    }
  });
});
