// The logs check on a log file with a pattern file: each matched pattern becomes a log_pattern
// finding with its own fix; the pattern_fix remedy backs files up, runs the fix, re-tests, and
// restores the files byte-for-byte when the fix did not work.
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { logsCheck } from '../../src/checks/logs.js';
import { RemedyFailure } from '../../src/healing/remedies/command.js';
import type { Check, Finding } from '../../src/core/types.js';
import { checkOf, OpenRuns, remedy, remedyContext, type TestRun } from '../helpers/context.js';
import { tempDir } from './workers-support.js';

const FIXTURES = path.resolve('__tests__/fixtures/patterns');
const runs = new OpenRuns();
afterEach(() => runs.closeAll());

/** `2025-01-10 14:30:15,123` in local time, the way Python's logging writes it. */
function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`
  );
}
const ago = (minutes: number) => stamp(new Date(Date.now() - minutes * 60_000));

// Not valid UTF-8 and no trailing newline: a restore must give back these exact bytes.
const APP_YML = Buffer.concat([
  Buffer.from('max_conn: 10\ntimeout: 30\nname: caf'),
  Buffer.from([0xe9, 0xff]),
  Buffer.from('\nlast: line'),
]);

interface Scene {
  dir: string;
  check: Check;
  run: TestRun;
  findings: Map<string, Finding>;
}

async function scene(name: string): Promise<Scene> {
  const dir = tempDir(`patterns-${name}`);
  copyFileSync(`${FIXTURES}/deprecated-field.json`, `${dir}/patterns.json`);
  writeFileSync(`${dir}/app.yml`, APP_YML);
  writeFileSync(
    `${dir}/app.log`,
    [
      `${ago(30)} WARNING Config field 'max_conn' is deprecated`, // outside the 5-minute window
      `${ago(2)} WARNING config field 'max_conn' is deprecated, use max_connections`,
      `${ago(2)} ERROR setting 'timeout' is invalid`,
      `${ago(2)} ERROR cache directory is corrupt`,
      `${ago(1)} ERROR queue worker wedged`,
      `${ago(1)} CRITICAL Traceback (most recent call last):`,
      `ModuleNotFoundError: No module named 'requests'`,
      `${ago(1)} [WARNING] Worker (pid:41) was sent SIGKILL! Perhaps out of memory?`,
      `${ago(1)} [WARNING] Worker (pid:42) was sent SIGKILL! Perhaps out of memory?`,
      '',
    ].join('\n'),
  );
  const run = runs.open({ baseDir: dir });
  const check = checkOf(logsCheck, 'app-logs', {
    file: 'app.log',
    patterns_file: 'patterns.json',
    error_threshold: 50,
  });
  const result = await check.run(run.ctx);
  return { dir, check, run, findings: new Map(result.findings.map((f) => [String(f.evidence.pattern), f])) };
}

describe('log patterns', () => {
  it('turns each matched pattern into a log_pattern finding with its fix', async () => {
    const s = await scene('findings');
    expect([...s.findings.keys()].sort()).toEqual([
      'deprecated_config_field',
      'failing_fix',
      'module_not_found',
      'rescan_fix',
      'worker_killed',
      'wrong_fix',
    ]);
    const dep = s.findings.get('deprecated_config_field')!;
    expect(dep.code).toBe('log_pattern');
    // Only the line inside the window counts.
    expect(dep.message).toBe(
      "Known error pattern 'deprecated_config_field' matched 1 time in file app.log: app.yml uses the deprecated field max_conn",
    );
    expect(dep.severity).toBe('warning');
    expect(dep.action).toBe('pattern_fix');
    expect(dep.params).toMatchObject({
      pattern: 'deprecated_config_field',
      backup: [`${s.dir}/app.yml`],
      cwd: s.dir,
      verify: "! grep -q '^max_conn:' app.yml",
    });
    const missing = s.findings.get('module_not_found')!;
    expect(missing.manual).toBe('Add the missing module to requirements.txt and rebuild the image');
    expect(missing.severity).toBe('error');
    expect(missing.action).toBeUndefined();
    const killed = s.findings.get('worker_killed')!;
    expect(killed.action).toBe('restart_container');
    expect(killed.params).toEqual({ container: 'oxw-logs-api', pattern: 'worker_killed' });
    // Its own identity (two patterns on one container stay two findings); the restart acts on the
    // container named in params, which is what cooldown and limits follow.
    expect(killed.targetKey).toBe('pattern:app-logs:worker_killed');
    expect(killed.evidence.matches).toBe(2);
  });

  it('a fix command that edits the config file (deprecated field) fixes it', async () => {
    const s = await scene('good-fix');
    const f = s.findings.get('deprecated_config_field')!;
    const fix = remedy('pattern_fix');
    expect(fix.category).toBe('other');
    expect(fix.describe(f)).toBe("Applying fix for pattern 'deprecated_config_field' (backing up 1 file)...");
    const r = await fix.run(f, remedyContext(s.run.ctx, s.check));
    expect(r.details).toBe(
      "Pattern fix 'deprecated_config_field' applied: Pattern 'deprecated_config_field' fixed: verify command passed",
    );
    expect(r.data).toMatchObject({ pattern: 'deprecated_config_field', fixed: true });
    const after = readFileSync(`${s.dir}/app.yml`);
    expect(after.subarray(0, 20).toString()).toBe('max_connections: 10\n');
    expect(after.subarray(20).equals(APP_YML.subarray(13))).toBe(true);
    expect((await s.check.verify!(f, s.run.ctx, 5000)).ok).toBe(true);
  });

  it('a fix whose re-test still fails → every backed-up file restored byte-for-byte, created files removed', async () => {
    const s = await scene('wrong-fix');
    const f = s.findings.get('wrong_fix')!;
    const err = await remedy('pattern_fix')
      .run(f, remedyContext(s.run.ctx, s.check))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(RemedyFailure);
    expect((err as RemedyFailure).message).toBe(
      "Pattern fix 'wrong_fix' did not work (Pattern 'wrong_fix' not fixed: verify command exit 1); restored 2 files from backup",
    );
    expect((err as RemedyFailure).data).toMatchObject({ pattern: 'wrong_fix', fixed: false });
    expect(readFileSync(`${s.dir}/app.yml`).equals(APP_YML)).toBe(true);
    expect(existsSync(`${s.dir}/created-by-fix.txt`)).toBe(false);
  });

  it('a fix command that fails half-way → the file is restored', async () => {
    const s = await scene('failing-fix');
    await expect(
      remedy('pattern_fix').run(s.findings.get('failing_fix')!, remedyContext(s.run.ctx, s.check)),
    ).rejects.toThrow(
      "Pattern fix 'failing_fix' did not work (fix command exit 7); restored 1 file from backup",
    );
    expect(readFileSync(`${s.dir}/app.yml`).equals(APP_YML)).toBe(true);
  });

  it('without a verify command, the re-test looks for new matching lines since the finding', async () => {
    const s = await scene('rescan');
    const f = s.findings.get('rescan_fix')!;
    const ok = await remedy('pattern_fix').run(f, remedyContext(s.run.ctx, s.check));
    expect(ok.details).toBe("Pattern fix 'rescan_fix' applied: No new 'rescan_fix' lines since the fix");

    writeFileSync(`${s.dir}/app.yml`, 'changed: after the finding\n');
    appendFileSync(`${s.dir}/app.log`, `${ago(0)} ERROR queue worker wedged again\n`);
    await expect(remedy('pattern_fix').run(f, remedyContext(s.run.ctx, s.check))).rejects.toThrow(
      "Pattern fix 'rescan_fix' did not work (Pattern 'rescan_fix' matched 1 new line since the fix); restored 1 file from backup",
    );
    expect(readFileSync(`${s.dir}/app.yml`, 'utf8')).toBe('changed: after the finding\n');
  });

  it('counts errors in a log file by time window, tracebacks included', async () => {
    const dir = tempDir('logs-file-window');
    const lines = [
      ...Array.from({ length: 30 }, (_, i) => `${ago(10)} ERROR old failure ${i}`),
      ...Array.from({ length: 45 }, (_, i) => `${ago(2)} ERROR recent failure ${i}`),
      `${new Date(Date.now() - 60_000).toISOString()} CRITICAL worker crashed`,
      'Traceback (most recent call last):',
      '  File "worker.py", line 3, in <module>',
      `${ago(1)} INFO recovered`,
    ];
    writeFileSync(`${dir}/app.log`, lines.join('\n') + '\n');
    const run = runs.open({ baseDir: dir });
    const check = checkOf(logsCheck, 'file-errors', { file: 'app.log', error_threshold: 46 });
    const [f] = (await check.run(run.ctx)).findings;
    expect(f.message).toBe('High error rate in file app.log: 47 errors in the last 5 min (threshold 46)');
    expect(f.manual).toMatch(/no container is set/);
    expect(f.evidence.sample).toBe('Traceback (most recent call last):');
    // A file check re-tests what was written after the finding.
    expect(await check.verify!(f, run.ctx, 5000)).toEqual({
      ok: true,
      detail: expect.stringMatching(
        /^Error rate normal: 0 errors in \d+s since the action \(≈0 per \d+ min; threshold 46\)$/,
      ),
    });
    appendFileSync(`${dir}/app.log`, Array.from({ length: 47 }, () => `${ago(0)} ERROR again\n`).join(''));
    expect((await check.verify!(f, run.ctx, 5000)).detail).toMatch(
      /^Still 47 errors in \d+s since the action \(≈\d+ per \d+ min; threshold 46\)$/,
    );
  });

  it('an invalid pattern file makes the check fail with the file and the keys named', async () => {
    const dir = tempDir('patterns-invalid');
    copyFileSync(`${FIXTURES}/invalid.json`, `${dir}/patterns.json`);
    writeFileSync(`${dir}/app.log`, 'nothing\n');
    const run = runs.open({ baseDir: dir });
    const check = checkOf(logsCheck, 'bad', { file: 'app.log', patterns_file: 'patterns.json' });
    await expect(check.run(run.ctx)).rejects.toThrow(
      /^Pattern file .*patterns\.json is invalid: patterns\.0\.name: use letters.*patterns\.0\.regex: regex does not compile.*patterns\.1\.fix: Unrecognized key: "bakup"/,
    );
  });
});
