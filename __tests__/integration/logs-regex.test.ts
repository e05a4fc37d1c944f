// A user's regex cannot outrun the run: `(a+)+$` over lines of `a`s ending in `!` backtracks
// exponentially on a backtracking engine; on the linear-time engine the built command line answers in
// about a second with the right verdict. Runs dist/cli.js (`npm run build` first) in a child process,
// killed outright if it hangs (a busy event loop never handles SIGTERM).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from './workers-support.js';

const CLI = path.resolve('dist/cli.js');
const EVIL = `${'a'.repeat(70)}!`;

interface ReportJson {
  verdict: string;
  phases: Array<{ checks: Array<{ id: string; status: string; summary: string }> }>;
  findings: Array<{ code: string; checkId: string; message: string; evidence: Record<string, unknown> }>;
}

function check(dir: string) {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [CLI, 'check', '--config', 'orixoon.yml', '--report-dir', 'out', '--json', '--timeout', '5'],
    { cwd: dir, encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' },
  );
  const ms = Date.now() - started;
  expect(r.signal, `the CLI was killed after ${ms} ms: ${r.stderr}`).toBeNull();
  return { status: r.status, ms, report: JSON.parse(r.stdout) as ReportJson, stderr: r.stderr };
}

describe('user regexes run in linear time', () => {
  it('a pattern file with (a+)+$ over 20 lines of 70 a + "!" finishes at once: nothing matches, ALLOWED', () => {
    const dir = tempDir('regex-patterns');
    writeFileSync(`${dir}/app.log`, `${Array.from({ length: 20 }, () => EVIL).join('\n')}\n`);
    writeFileSync(
      `${dir}/patterns.json`,
      JSON.stringify({
        patterns: [{ name: 'nested', regex: '(a+)+$', fix: { type: 'manual', advice: 'look' } }],
      }),
    );
    writeFileSync(
      `${dir}/orixoon.yml`,
      'phases:\n  - name: app\n    checks:\n      - { id: app-logs, type: logs, file: app.log, patterns_file: patterns.json }\n',
    );
    const r = check(dir);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.status).toBe(0);
    expect(r.report.verdict).toBe('passed');
    expect(r.report.findings).toEqual([]);
    expect(r.report.phases[0]!.checks[0]).toMatchObject({
      id: 'app-logs',
      status: 'passed',
      summary: '0 errors in the last 20 lines (threshold 50), 1 patterns checked',
    });
    expect(r.stderr).toContain('Deployment: ALLOWED');
  });

  it('error_pattern (a+)+$ over the same lines plus one that matches: the match is found, BLOCKED', () => {
    const dir = tempDir('regex-error-pattern');
    writeFileSync(`${dir}/app.log`, `${[...Array.from({ length: 20 }, () => EVIL), 'aaaa'].join('\n')}\n`);
    writeFileSync(
      `${dir}/orixoon.yml`,
      "phases:\n  - name: app\n    checks:\n      - { id: app-logs, type: logs, file: app.log, error_pattern: '(a+)+$', error_threshold: 0 }\n",
    );
    const r = check(dir);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.status).toBe(1);
    expect(r.report.verdict).toBe('blocked');
    expect(r.report.findings).toHaveLength(1);
    expect(r.report.findings[0]).toMatchObject({
      code: 'high_error_rate',
      checkId: 'app-logs',
      message: 'High error rate in file app.log: 1 errors in the last 21 lines (threshold 0)',
      evidence: { errors: 1, sample: 'aaaa' },
    });
  });

  it('a pattern RE2 cannot run is a config error with line and column, before anything runs', () => {
    const dir = tempDir('regex-config-error');
    writeFileSync(`${dir}/app.log`, 'x\n');
    writeFileSync(
      `${dir}/orixoon.yml`,
      "phases:\n  - name: app\n    checks:\n      - id: app-logs\n        type: logs\n        file: app.log\n        error_pattern: '(\\w+) \\1'\n",
    );
    const r = spawnSync(process.execPath, [CLI, 'check', '--config', 'orixoon.yml', '--report-dir', 'out'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      `${dir}/orixoon.yml:7:24: phases[0].checks[0].error_pattern: error_pattern does not compile: ` +
        'backreference `\\1` at character 7 is not supported: patterns run on a linear-time engine (RE2 syntax) ' +
        'without backreferences; match the text itself instead',
    );
  });
});
