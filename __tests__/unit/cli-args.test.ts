// The command line's grammar: per-command help, "did you mean" for commands and options, options
// checked against the command they are given to, all before anything runs (exit 2, nothing written).
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { closest, helpText, parseCli, UsageError } from '../../src/cli/args.js';
import { main } from '../../src/cli.js';

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string; cwd: string }> {
  const cwd = mkdtempSync(join(tmpdir(), 'oxcli-'));
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { PATH: process.env.PATH },
    cwd,
  });
  return { code, out: out.join('\n'), err: err.join('\n'), cwd };
}

describe('help', () => {
  test('each command has its own help: check --help differs from monitor --help', async () => {
    const check = await cli(['check', '--help']);
    const monitor = await cli(['monitor', '--help']);
    expect(check.code).toBe(0);
    expect(monitor.code).toBe(0);
    expect(check.out).not.toBe(monitor.out);
    expect(check.out).toMatch(/^Usage: orixoon check /);
    expect(check.out).toContain('--auto-heal');
    expect(check.out).not.toContain('--interval');
    expect(check.out).not.toContain('--keep');
    expect(monitor.out).toMatch(/^Usage: orixoon monitor /);
    expect(monitor.out).toContain('--interval');
    expect(monitor.out).not.toContain('--auto-heal');
    expect((await cli(['demo', '-h'])).out).toMatch(/^Usage: orixoon demo [\s\S]*--keep/);
  });

  test('`orixoon help` lists the commands; `orixoon help CMD` equals `orixoon CMD --help`', async () => {
    const general = await cli(['help']);
    expect(general.code).toBe(0);
    for (const c of ['check', 'heal', 'monitor', 'demo', 'help'])
      expect(general.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(general.out).toBe((await cli(['--help'])).out);
    expect((await cli(['help', 'heal'])).out).toBe((await cli(['heal', '--help'])).out);
    expect((await cli(['help', 'heal'])).out).toBe(helpText('heal'));
  });

  test('every help names the exit codes, 3 for an unexpected internal error', async () => {
    for (const argv of [['help'], ['check', '--help'], ['heal', '--help'], ['monitor', '--help']]) {
      const { out } = await cli(argv);
      expect(out).toMatch(/0 passed or healed, 1 blocked, 2 usage or config error/);
      expect(out).toMatch(/3 unexpected internal error/);
    }
  });

  test('no command: the general help on stderr, exit 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/Commands:/);
  });
});

describe('usage errors (exit 2, nothing run)', () => {
  test('an unknown command gets a did-you-mean: chek → check', async () => {
    const r = await cli(['chek', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "chek"; did you mean "check"\?/);
    expect((await cli(['help', 'monitr'])).err).toMatch(/did you mean "monitor"\?/);
    // Nothing close: no guess.
    expect((await cli(['deploy'])).err).toMatch(/unknown command "deploy"$/m);
  });

  test('an unknown option gets a did-you-mean: --dryrun → --dry-run', async () => {
    const r = await cli(['check', '--dryrun']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --dryrun; did you mean --dry-run\?/);
    expect(r.err).toMatch(/Run 'orixoon check --help'/);
    expect((await cli(['monitor', '--intervall', '5'])).err).toMatch(/did you mean --interval\?/);
    expect((await cli(['check', '--confg', 'x.yml'])).err).toMatch(/did you mean --config\?/);
  });

  test('check --keep is rejected (an option of demo), and nothing is checked or written', async () => {
    const r = await cli(['check', '--keep']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--keep is not an option of check \(an option of demo\)/);
    expect(r.out).toBe('');
    expect(existsSync(join(r.cwd, 'orixoon-reports'))).toBe(false);
    expect(readdirSync(r.cwd)).toEqual([]);
    expect((await cli(['monitor', '--json'])).err).toMatch(
      /--json is not an option of monitor \(an option of check, heal\)/,
    );
    expect((await cli(['demo', '--config', 'x.yml'])).code).toBe(2);
  });

  test('values: a missing value, a value given to a switch, an option as a value, a stray argument', async () => {
    expect((await cli(['check', '--config'])).err).toMatch(/--config needs a value: --config F/);
    expect((await cli(['check', '--config', '--dry-run'])).err).toMatch(
      /--config needs a value: --config F \(got the option --dry-run/,
    );
    expect((await cli(['check', '--dry-run=yes'])).err).toMatch(/--dry-run takes no value \(got "yes"\)/);
    expect((await cli(['check', 'extra'])).err).toMatch(/unexpected argument "extra"/);
    expect((await cli(['check', '--config', 'a.yml', '--config', 'b.yml'])).err).toMatch(
      /--config given twice/,
    );
    for (const argv of [
      ['check', '--config'],
      ['check', '--dry-run=yes'],
      ['check', 'extra'],
    ])
      expect((await cli(argv)).code).toBe(2);
  });
});

describe('parseCli', () => {
  test('options may stand before the command; repeatable options collect', () => {
    expect(parseCli(['--config', 'o.yml', 'check', '--phase', 'a', '--phase=b', '--approve', 'x'])).toEqual({
      kind: 'run',
      command: 'check',
      values: { config: 'o.yml', phase: ['a', 'b'], approve: ['x'] },
    });
    expect(parseCli(['check', '--config=-odd.yml'])).toMatchObject({ values: { config: '-odd.yml' } });
    expect(parseCli(['-v'])).toEqual({ kind: 'version' });
    expect(parseCli(['check', '-h'])).toEqual({ kind: 'help', command: 'check' });
  });

  test('a usage error names the command whose help to read', () => {
    try {
      parseCli(['heal', '--keep']);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(UsageError);
      expect((e as UsageError).command).toBe('heal');
    }
  });

  test('closest: one edit per three letters, or the one command a prefix names', () => {
    expect(closest('chek', ['check', 'heal'])).toBe('check');
    expect(closest('dryrun', ['dry-run', 'json'])).toBe('dry-run');
    expect(closest('mon', ['check', 'monitor'])).toBe('monitor');
    expect(closest('xyz', ['check', 'heal'])).toBeUndefined();
  });
});
