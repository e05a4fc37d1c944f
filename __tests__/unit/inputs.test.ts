// The action's inputs and the CLI's flags that feed the run's deadline or a Redis client: a value past
// the maximum or a Redis URL with a bad database index is refused up front with a clear message.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { main, type CliIO } from '../../src/cli.js';
import { getInputs, InputError } from '../../src/inputs.js';

const inputEnv = (name: string): string => `INPUT_${name.toUpperCase()}`;
const setInputs: string[] = [];
function withInputs(values: Record<string, string>): void {
  for (const [k, v] of Object.entries(values)) {
    process.env[inputEnv(k)] = v;
    setInputs.push(inputEnv(k));
  }
}
afterEach(() => {
  for (const k of setInputs.splice(0)) delete process.env[k];
});

function inputError(values: Record<string, string>): InputError {
  withInputs(values);
  try {
    getInputs();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('action inputs', () => {
  test('timeout-seconds past 86400 (setTimeout would overflow and fire at once) is an input error', () => {
    for (const v of ['3000000', '1e10', 'Infinity', '-5', '0', 'soon']) {
      expect(inputError({ 'timeout-seconds': v }).message).toMatch(
        /timeout-seconds .* at most 86400 \(24 h\)/,
      );
    }
    withInputs({ 'timeout-seconds': '86400' });
    expect(getInputs().timeoutSeconds).toBe(86400);
  });

  test('redis-url with a non-numeric, negative or absurd database index is an input error that hides the URL', () => {
    for (const url of ['redis://:pw-123@cache:6379/x', 'redis://cache/-1', 'redis://cache/123456789012']) {
      const e = inputError({ 'redis-url': url });
      expect(e.message).toMatch(/^Input redis-url: the database index .* 0 to 65535/);
      expect(e.message).not.toContain('pw-123');
    }
    withInputs({ 'redis-url': 'redis://cache:6379/3' });
    expect(getInputs().redisUrl).toBe('redis://cache:6379/3');
  });
});

describe('CLI flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'orixoon-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A config that needs no Docker: one command check.
  const config = join(dir, 'orixoon.yml');
  writeFileSync(
    config,
    'phases:\n  - name: p\n    checks:\n      - { id: ok, type: command, run: "true" }\n',
  );

  async function cli(...args: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const io: CliIO = { out: () => undefined, err: (t) => err.push(t), env: {}, cwd: dir };
    const code = await main([...args, '--config', config, '--report-dir', join(dir, 'reports')], io);
    return { code, err: err.join('\n') };
  }

  test('--timeout 3000000 is a usage error (exit 2), not a deadline that fires at once', async () => {
    const r = await cli('check', '--timeout', '3000000');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--timeout must be at most 86400 seconds/);
  });

  test('a config that used to crash (alias typo, timeout_seconds: 1e10) exits 2 with file:line:column', async () => {
    const bad = join(dir, 'bad.yml');
    for (const [text, where] of [
      ['x: &dflt { timeout_seconds: 30 }\nhealing_actions:\n  container_not_running: *dlft\n', ':3:26: '],
      ['healing_actions:\n  container_not_running: { timeout_seconds: 1e10 }\n', ':2:45: '],
    ] as const) {
      writeFileSync(bad, text);
      const err: string[] = [];
      const io: CliIO = { out: () => undefined, err: (t) => err.push(t), env: {}, cwd: dir };
      expect(await main(['check', '--config', bad, '--report-dir', join(dir, 'reports')], io)).toBe(2);
      expect(err.join('\n')).toContain(`${bad}${where}healing_actions.container_not_running`);
      expect(err.join('\n')).toContain('Nothing was checked or changed.');
    }
  });

  test('--interval past 24 h and --redis-url with a bad database index are usage errors', async () => {
    expect(await cli('monitor', '--interval', '1e7', '--iterations', '1')).toMatchObject({
      code: 2,
      err: expect.stringMatching(/--interval must be at most 86400/),
    });
    const r = await cli('check', '--redis-url', 'redis://:topsecret@cache:6379/x');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--redis-url: the database index/);
    expect(r.err).not.toContain('topsecret');
  });
});
