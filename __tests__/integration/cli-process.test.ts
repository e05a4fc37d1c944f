// The built command line (dist/cli.js) as a shell runs it: piped into `head` (no EPIPE stack, the run
// finishes and keeps its exit code), colour only where it can be seen (NO_COLOR, FORCE_COLOR, a pipe),
// and a crash exits 3, never 1 ("blocked").
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/engine.js';
import { DIST, requireDist } from './process-support.js';

beforeAll(() => requireDist());

const CLI = join(DIST, 'cli.js');
// eslint-disable-next-line no-control-regex
const ESCAPE = /\u001b\[\d+m/;

/** The environment without the test runner's colour settings; `extra` adds the ones under test. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!['NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS', 'TERM'].includes(k) && !k.startsWith('GITHUB_'))
      out[k] = v;
  }
  return { ...out, ...extra };
}

/** Three phases of slow-ish checks: output keeps coming after `head` has gone. */
function slowConfig(dir: string): void {
  const phases = ['one', 'two', 'three']
    .map(
      (p) =>
        `  - name: ${p}\n    checks:\n      - { id: ${p}-a, type: command, run: "sleep 0.2" }\n      - { id: ${p}-b, type: command, run: "sleep 0.3" }\n`,
    )
    .join('');
  writeFileSync(join(dir, 'orixoon.yml'), `phases:\n${phases}`);
}

function reports(dir: string): string[] {
  return readdirSync(join(dir, 'reports'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('report.json'),
  );
}

describe('piped into head', () => {
  test('`orixoon check | head -1`: no EPIPE stack, the run finishes, its report is written, its exit code kept', () => {
    const dir = tempDir();
    slowConfig(dir);
    const script = `node ${JSON.stringify(CLI)} check --config orixoon.yml --report-dir reports | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', script], { cwd: dir, env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toBe('━━ Phase 1/3: one ━━\n');
    expect(r.stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(r.stderr.trim()).toBe('exit=0');
    const [found] = reports(dir);
    expect(reports(dir)).toHaveLength(1);
    const report = JSON.parse(readFileSync(join(dir, 'reports', found!), 'utf8')) as { verdict: string };
    expect(report.verdict).toBe('passed');
  });

  test('a blocked run piped into head still exits 1', () => {
    const dir = tempDir();
    slowConfig(dir);
    writeFileSync(
      join(dir, 'orixoon.yml'),
      readFileSync(join(dir, 'orixoon.yml'), 'utf8') +
        '      - { id: broken, type: command, run: "sleep 0.2; false" }\n',
    );
    const script = `node ${JSON.stringify(CLI)} check --config orixoon.yml --report-dir reports | head -1; echo "exit=\${PIPESTATUS[0]}" >&2`;
    const r = spawnSync('bash', ['-c', script], { cwd: dir, env: env(), encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).not.toMatch(/EPIPE|Error:|\n\s+at /);
    expect(r.stderr.trim()).toBe('exit=1');
  });

  test('`orixoon help | head -1` leaves no stack either', () => {
    const r = spawnSync('bash', ['-c', `node ${JSON.stringify(CLI)} help | head -1`], {
      env: env(),
      encoding: 'utf8',
    });
    expect(r.stdout).toMatch(/^Orixoon \d+\.\d+\.\d+: /);
    expect(r.stderr).toBe('');
  });
});

describe('colour through util.styleText', () => {
  const run = (extra: Record<string, string>) => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'orixoon.yml'),
      `phases:\n  - name: p\n    checks:\n      - { id: ok, type: command, run: "true" }\n      - { id: bad, type: command, run: "false" }\n`,
    );
    return spawnSync(process.execPath, [CLI, 'check', '--config', 'orixoon.yml', '--report-dir', 'reports'], {
      cwd: dir,
      env: env(extra),
      encoding: 'utf8',
      timeout: 60_000,
    });
  };

  test('FORCE_COLOR=1: coloured even into a pipe (red for a failure, green for a pass, bold headings)', () => {
    const r = run({ FORCE_COLOR: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("\u001b[31m❌ Command check 'bad' failed (exit 1)\u001b[39m");
    const ok = r.stdout.split('\n').find((l) => l.includes('✓ ok: exit 0 in '));
    expect(ok!.startsWith('\u001b[32m✓ ok: ') && ok!.endsWith('\u001b[39m')).toBe(true);
    expect(r.stdout).toContain('\u001b[1m━━ Phase 1/1: p ━━\u001b[22m');
    const usage = spawnSync(process.execPath, [CLI, 'chek'], {
      env: env({ FORCE_COLOR: '1' }),
      encoding: 'utf8',
    });
    expect(usage.stderr).toContain('\u001b[31morixoon:\u001b[39m unknown command "chek"');
  });

  test('NO_COLOR, or a pipe without FORCE_COLOR: plain text', () => {
    for (const extra of [{ NO_COLOR: '1' }, {}] as Array<Record<string, string>>) {
      const r = run(extra);
      expect(r.status).toBe(1);
      expect(r.stdout).toContain("❌ Command check 'bad' failed (exit 1)");
      expect(r.stdout).not.toMatch(ESCAPE);
      expect(r.stderr).not.toMatch(ESCAPE);
    }
    const help = spawnSync(process.execPath, [CLI, 'check', '--help'], {
      env: env({ NO_COLOR: '1' }),
      encoding: 'utf8',
    });
    expect(help.stdout).toMatch(/^Usage: orixoon check/);
    expect(help.stdout).not.toMatch(ESCAPE);
  });
});

describe('a crash is not "blocked"', () => {
  test('an exception thrown in the process mid-run: "unexpected error" on stderr, exit 3, a blocked report written', () => {
    const dir = tempDir();
    slowConfig(dir);
    // Something in the process throws from a timer while the run is busy (no one can catch it).
    const thrower = 'data:text/javascript,setTimeout(() => { throw new Error("boom from a timer"); }, 300);';
    const r = spawnSync(
      process.execPath,
      ['--import', thrower, CLI, 'check', '--config', 'orixoon.yml', '--report-dir', 'reports'],
      { cwd: dir, env: env({ NO_COLOR: '1' }), encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^orixoon: unexpected error: Error: boom from a timer/m);
    const [found] = reports(dir);
    const report = JSON.parse(readFileSync(join(dir, 'reports', found!), 'utf8')) as {
      verdict: string;
      interrupted?: { reason: string; detail: string };
    };
    expect(report.verdict).toBe('blocked');
    expect(report.interrupted).toMatchObject({
      reason: 'error',
      detail: 'unexpected error: boom from a timer',
    });
  });
});
