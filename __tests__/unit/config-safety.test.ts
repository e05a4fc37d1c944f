// Configs that used to switch safety off, crash the loader or feed a timer an overflowing number: each
// must now be answered with a ConfigError naming file, line, column and key, and nothing else.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig, type ConfigProblem } from '../../src/config/load.js';
import { buildJsonSchema } from '../../src/config/json-schema.js';
import { MAX_CONFIG_BYTES, MAX_COUNT } from '../../src/config/limits.js';

const env = { REDIS_URL: 'redis://cache:6379/0', DATABASE_URL: 'postgres://app:pw@db:5432/app' };

function problems(text: string, file = 'orixoon.yml', e: NodeJS.ProcessEnv = env): ConfigProblem[] {
  let result: unknown;
  try {
    result = parseConfig(text, file, e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const ps = (err as ConfigError).problems;
    expect(ps.length).toBeGreaterThan(0);
    for (const p of ps) {
      expect(p.file).toBe(file);
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.column).toBeGreaterThanOrEqual(1);
    }
    return ps;
  }
  throw new Error(`expected the config to be rejected, got ${JSON.stringify(result).slice(0, 200)}`);
}

const lines = (...l: string[]): string => l.join('\n');

describe('prototype keys are refused, and the parsed config has no prototype to inherit from', () => {
  test('protected.__proto__ cannot empty the protected tables (a queue on users would then be allowed)', () => {
    const text = lines(
      'protected:',
      '  __proto__:',
      '    tables: []',
      'phases:',
      '  - name: p',
      '    checks:',
      '      - { id: q, type: queue, table: users }',
    );
    const ps = problems(text);
    expect(ps).toContainEqual(
      expect.objectContaining({
        line: 2,
        column: 3,
        key: 'protected.__proto__',
        message: expect.stringMatching(/"__proto__" is not allowed/),
      }),
    );
  });

  test('safety_limits.__proto__.max_failing_services: 0 cannot turn the systemic guard off', () => {
    const ps = problems(lines('safety_limits:', '  __proto__:', '    max_failing_services: 0'));
    expect(ps).toContainEqual(
      expect.objectContaining({ line: 2, column: 3, key: 'safety_limits.__proto__' }),
    );
  });

  test('healing_actions.high_error_rate.__proto__.requires_confirmation: false is refused', () => {
    const ps = problems(
      lines('healing_actions:', '  high_error_rate:', '    __proto__:', '      requires_confirmation: false'),
    );
    expect(ps).toContainEqual(
      expect.objectContaining({ line: 3, column: 5, key: 'healing_actions.high_error_rate.__proto__' }),
    );
  });

  test('constructor and prototype are refused anywhere, in YAML and JSON, at the key', () => {
    expect(
      problems('phases:\n  - name: p\n    checks:\n      - { id: a, type: host, prototype: 1 }'),
    ).toContainEqual(expect.objectContaining({ line: 4, column: 30, key: 'phases[0].checks[0].prototype' }));
    expect(problems('healing_actions:\n  crash_loop: { constructor: 3 }')).toContainEqual(
      expect.objectContaining({ line: 2, column: 17, key: 'healing_actions.crash_loop.constructor' }),
    );
    const json = '{\n  "protected": {\n    "__proto__": { "tables": [] }\n  }\n}';
    expect(problems(json, 'cfg.json')).toContainEqual(
      expect.objectContaining({ line: 3, column: 5, key: 'protected.__proto__' }),
    );
    expect(problems('"__proto__": {}\n')).toContainEqual(
      expect.objectContaining({ line: 1, key: '__proto__' }),
    );
    // ${VAR} reads the environment's own variables only.
    expect(problems('notifications:\n  webhook_url: "${__proto__}"\n', 'o.yml', {})).toEqual([
      expect.objectContaining({ line: 2, message: expect.stringMatching(/__proto__ is not set/) }),
    ]);
  });

  test('every object of a loaded config has a null prototype, so no inherited key is ever honoured', () => {
    const loaded = parseConfig(
      lines(
        'healing_actions:',
        '  high_error_rate: { requires_confirmation: true }',
        'phases:',
        '  - name: p',
        '    checks:',
        '      - { id: w, type: worker, heartbeat: { redis_key: hb } }',
      ),
      'o.yml',
      env,
    );
    const objects: unknown[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        objects.push(v);
        Object.values(v).forEach(walk);
      }
    };
    walk(loaded.config);
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) expect(Object.getPrototypeOf(o)).toBeNull();
    const actions = loaded.config.healing_actions as Record<string, unknown>;
    expect(actions.constructor).toBeUndefined();
    expect(loaded.config.protected.tables).toEqual(['users', 'roles', 'permissions']);
  });
});

describe('a Redis URL database index is checked at load', () => {
  const withCheck = (check: string, target = 'redis://cache:6379/0'): string =>
    lines(
      'targets:',
      `  redis: { url: "${target}" }`,
      'phases:',
      '  - name: p',
      '    checks:',
      `      - ${check}`,
    );

  test('targets.redis.url with a non-numeric database (redis://…/x) is a config error at its line', () => {
    const ps = problems(withCheck('{ id: h, type: host }', 'redis://:s3cret@cache:6379/x'));
    expect(ps).toEqual([
      expect.objectContaining({
        line: 2,
        column: 17,
        key: 'targets.redis.url',
        message: expect.stringMatching(/database index .* whole number from 0 to 65535/),
      }),
    ]);
    // The URL may carry a password: it is never echoed.
    expect(ps[0]!.message).not.toContain('s3cret');
  });

  test("a redis check's url and a worker heartbeat's redis_url are checked too (negative, absurd, query form)", () => {
    expect(problems(withCheck('{ id: r, type: redis, url: "redis://cache:6379/-1" }'))).toEqual([
      expect.objectContaining({ line: 6, key: 'phases[0].checks[0].url' }),
    ]);
    expect(
      problems(
        withCheck(
          '{ id: w, type: worker, heartbeat: { redis_key: hb, redis_url: "redis://c/99999999999999999999" } }',
        ),
      ),
    ).toEqual([expect.objectContaining({ line: 6, key: 'phases[0].checks[0].heartbeat.redis_url' })]);
    expect(problems(withCheck('{ id: r, type: redis, url: "redis://cache:6379?db=two" }'))).toEqual([
      expect.objectContaining({ key: 'phases[0].checks[0].url' }),
    ]);
    expect(problems(withCheck('{ id: r, type: redis, url: "/run/redis.sock?db=1.5" }'))).toEqual([
      expect.objectContaining({ key: 'phases[0].checks[0].url' }),
    ]);
    expect(problems(withCheck('{ id: r, type: redis, url: "http://cache:6379/0" }'))[0]!.message).toMatch(
      /redis:\/\/ or rediss:\/\//,
    );
  });

  test('the index is checked after ${VAR} expansion; ordinary URLs load', () => {
    expect(
      problems(withCheck('{ id: h, type: host }', '${REDIS_URL}'), 'o.yml', { REDIS_URL: 'redis://c/x' }),
    ).toEqual([expect.objectContaining({ line: 2, key: 'targets.redis.url' })]);
    for (const url of [
      'redis://cache:6379/0',
      'redis://cache:6379/15',
      'redis://cache',
      'redis://cache:6379/',
      'rediss://u:p@cache:6380/2?family=6',
      'redis://cache?db=3',
      '/run/redis.sock?db=1',
      'cache:6379',
    ]) {
      const loaded = parseConfig(withCheck(`{ id: r, type: redis, url: "${url}" }`, url), 'o.yml', {});
      expect(loaded.config.targets.redis.url).toBe(url);
    }
  });
});

describe('bad input answers with a config error instead of throwing', () => {
  test('a YAML alias typo (*dflt) names the line and column of the alias', () => {
    const text = lines(
      'x-defaults: &dflt { timeout_seconds: 30 }',
      'healing_actions:',
      '  container_not_running: *dlft',
    );
    expect(problems(text)).toEqual([
      expect.objectContaining({
        line: 3,
        column: 26,
        key: 'healing_actions.container_not_running',
        message: expect.stringMatching(/unknown alias \*dlft.*&dlft/),
      }),
    ]);
  });

  test('timeout_seconds: 1e10 and 1e12 are over the maximum, which the message states', () => {
    for (const v of ['1e10', '1e12']) {
      const ps = problems(lines('healing_actions:', `  container_not_running: { timeout_seconds: ${v} }`));
      expect(ps).toEqual([
        expect.objectContaining({
          line: 2,
          column: 45,
          key: 'healing_actions.container_not_running.timeout_seconds',
          message: expect.stringMatching(/at most 86400 \(24 h\)/),
        }),
      ]);
    }
  });

  test('±Infinity and NaN are refused wherever a number goes (YAML .inf/.nan, JSON 1e999)', () => {
    for (const v of ['.inf', '-.inf', '.nan', '.Inf']) {
      expect(problems(`auto_healing:\n  retry_delay_seconds: ${v}\n`)).toEqual([
        expect.objectContaining({
          line: 2,
          column: 24,
          key: 'auto_healing.retry_delay_seconds',
          message: expect.stringMatching(/finite number/),
        }),
      ]);
    }
    expect(
      problems('{"healing_actions": {"high_error_rate": {"error_threshold": 1e999}}}', 'c.json'),
    ).toEqual([expect.objectContaining({ line: 1, key: 'healing_actions.high_error_rate.error_threshold' })]);
  });

  test('every number in the schema has a maximum (so no user number can overflow a timer)', () => {
    const unbounded: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}[${i}]`));
      if (!node || typeof node !== 'object') return;
      const s = node as Record<string, unknown>;
      const fixed = 'const' in s || 'enum' in s;
      // zod gives every integer Number.MAX_SAFE_INTEGER: that is no bound.
      const max = typeof s.maximum === 'number' ? s.maximum : Infinity;
      if ((s.type === 'number' || s.type === 'integer') && !fixed && max > MAX_COUNT) unbounded.push(at);
      for (const [k, v] of Object.entries(s)) walk(v, `${at}.${k}`);
    };
    walk(buildJsonSchema(), '$');
    expect(unbounded).toEqual([]);
  });

  test("durations and counts past their maximum are refused, in a check's options and as healing_actions thresholds", () => {
    const cases: Array<[string, string, number]> = [
      [
        'auto_healing:\n  stabilization_timeout_seconds: 86401',
        'auto_healing.stabilization_timeout_seconds',
        2,
      ],
      ['auto_healing:\n  max_healing_attempts: 1000000', 'auto_healing.max_healing_attempts', 2],
      ['safety_limits:\n  cooldown_seconds: 1e9', 'safety_limits.cooldown_seconds', 2],
      ['notifications:\n  timeout_seconds: 1e12', 'notifications.timeout_seconds', 2],
      ['targets:\n  docker: { timeout_seconds: 3000000 }', 'targets.docker.timeout_seconds', 2],
      [
        'healing_actions:\n  container_stuck: { start_period_seconds: 1e12 }',
        'healing_actions.container_stuck.start_period_seconds',
        2,
      ],
      [
        'healing_actions:\n  crash_loop: { crash_loop_window_minutes: "1e12" }',
        'healing_actions.crash_loop.crash_loop_window_minutes',
        2,
      ],
      [
        'healing_actions:\n  db_table_locks: { lock_wait_seconds: -1 }',
        'healing_actions.db_table_locks.lock_wait_seconds',
        2,
      ],
      [
        'phases:\n  - name: p\n    checks:\n      - { id: c, type: command, run: "true", timeout_seconds: 1e10 }',
        'phases[0].checks[0].timeout_seconds',
        4,
      ],
      [
        'phases:\n  - name: p\n    checks:\n      - { id: h, type: http, url: "http://x/", timeout_seconds: 2147484 }',
        'phases[0].checks[0].timeout_seconds',
        4,
      ],
      [
        'phases:\n  - name: p\n    checks:\n      - { id: q, type: queue, table: jobs, max_rows_per_action: 1e9 }',
        'phases[0].checks[0].max_rows_per_action',
        4,
      ],
    ];
    for (const [text, key, line] of cases) {
      expect(problems(text), text).toEqual([expect.objectContaining({ key, line })]);
    }
  });

  test('a config over 1 MiB is refused before parsing, from a string or from a file (read no further)', () => {
    const big = `version: 2\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    expect(problems(big)).toEqual([
      expect.objectContaining({ line: 1, column: 1, message: expect.stringMatching(/larger than 1 MiB/) }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'orixoon-cfg-'));
    cleanups.push(dir);
    const file = join(dir, 'orixoon.yml');
    writeFileSync(file, `version: 2\n# ${'x'.repeat(10 * MAX_CONFIG_BYTES)}\n`);
    const started = performance.now();
    let err: unknown;
    try {
      loadConfigFile(file, {});
    } catch (e) {
      err = e;
    }
    expect(performance.now() - started).toBeLessThan(500);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      expect.objectContaining({
        file,
        line: 1,
        column: 1,
        message: expect.stringMatching(/10\.0 MiB.*1 MiB/),
      }),
    ]);
  });

  test('a config path that is not a regular file (a directory, /dev/zero) is refused without reading it', () => {
    for (const path of ['/dev/zero', tmpdir()]) {
      let err: unknown;
      try {
        loadConfigFile(path, {});
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/not a regular file/);
    }
  });

  test('load time is linear: a 1 MiB map of 59,000 keys and 1 MiB of checks are answered within seconds', () => {
    // One map with many keys made the duplicate-key check quadratic (minutes for 1 MiB).
    const upTo1MiB = (head: string, line: (i: number) => string): string => {
      const out = [head];
      for (let i = 0, size = head.length; size + line(i).length + 1 <= MAX_CONFIG_BYTES; i++) {
        out.push(line(i));
        size += line(i).length + 1;
      }
      return out.join('\n');
    };
    const map = upTo1MiB('healing_actions:\n  crash_loop:', (i) => `    k${i}: ${i}`);
    expect(map.split('\n').length).toBeGreaterThan(55_000);
    let started = performance.now();
    parseConfig(map, 'o.yml', {});
    const mapMs = performance.now() - started;
    const checks = upTo1MiB(
      'phases:\n  - name: p\n    checks:',
      (i) => `      - { id: c${i}, type: container, container: c${i}, depends_on: [c${i + 1}] }`,
    );
    started = performance.now();
    const ps = problems(checks);
    const checksMs = performance.now() - started;
    expect(ps).toContainEqual(
      expect.objectContaining({
        key: 'phases[0].checks[1000]',
        message: expect.stringMatching(/at most 1000 checks/),
      }),
    );
    // About 2 s each on an idle 2-core machine; the map took 14 minutes when key checks were quadratic.
    expect(mapMs).toBeLessThan(20_000);
    expect(checksMs).toBeLessThan(20_000);
  }, 60_000);

  test('nesting deeper than 64 levels, alias bombs, merge keys and non-scalar keys are config errors', () => {
    expect(problems(`phases: ${'['.repeat(100)}${']'.repeat(100)}`)[0]!.message).toMatch(
      /nested deeper than 64/,
    );
    const bomb = lines(
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      'f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
    );
    expect(problems(bomb)).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/alias/) }),
    );
    expect(problems('x: &x [*x]\n')[0]!.message).toMatch(/alias|nested/);
    expect(problems('base: &b { enabled: true }\nauto_healing:\n  <<: *b\n')).toContainEqual(
      expect.objectContaining({ line: 3, column: 3, message: expect.stringMatching(/merge keys/) }),
    );
    expect(problems('? [a, b]\n: 1\n')).toContainEqual(
      expect.objectContaining({ line: 1, message: expect.stringMatching(/key must be a plain/) }),
    );
    expect(problems('auto_healing:\n  enabled: true\n  enabled: false\n')).toContainEqual(
      expect.objectContaining({ line: 3, column: 3, key: 'auto_healing.enabled' }),
    );
  });

  test('aliases within reason, a BOM and a JSON file with // comments still load', () => {
    const loaded = parseConfig(
      lines(
        '\uFEFFversion: 2',
        'phases:',
        '  - name: p',
        '    checks:',
        '      - &w { id: w1, type: worker, heartbeat: &hb { redis_key: hb, max_age_seconds: 60 } }',
        '      - { id: w2, type: worker, heartbeat: *hb }',
      ),
      'o.yml',
      {},
    );
    const w2 = loaded.config.phases[0]!.checks[1] as Record<string, unknown>;
    expect(w2.heartbeat).toMatchObject({ redis_key: 'hb', max_age_seconds: 60 });
    const json = parseConfig('\uFEFF{\n  // comment\n  "version": 2\n}', 'c.json', {});
    expect(json.config.version).toBe(2);
  });
});

const cleanups: string[] = [];
afterAll(() => {
  for (const d of cleanups) rmSync(d, { recursive: true, force: true });
});
