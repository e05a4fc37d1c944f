import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig, loadConfigFile } from '../../src/config/load.js';
import { buildJsonSchema } from '../../src/config/json-schema.js';

const env = {
  DATABASE_URL: 'postgres://app:s3cret-pw@db.internal:5432/app',
  REDIS_URL: 'redis://cache:6379/0',
};

function problems(text: string, file = 'orixoon.yml', e: NodeJS.ProcessEnv = env) {
  try {
    parseConfig(text, file, e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('config loading', () => {
  test('the PRODUCT example loads with every default filled in and ${VAR} expanded', () => {
    const loaded = loadConfigFile(`${__dirname}/../fixtures/full-config.yml`, env);
    expect(loaded.discovered).toBe(false);
    expect(loaded.config.targets.postgres.url).toBe(env.DATABASE_URL);
    expect(loaded.expanded.map((e) => e.name).sort()).toEqual(['DATABASE_URL', 'REDIS_URL']);
    expect(loaded.config.phases.map((p) => p.name)).toEqual([
      'infrastructure',
      'data',
      'workers',
      'integrations',
      'application',
    ]);
    const queue = loaded.config.phases[3]!.checks[0] as Record<string, unknown>;
    expect(queue).toMatchObject({
      id: 'zoho-sync',
      type: 'queue',
      status_column: 'status',
      max_stuck: 10,
      max_rows_per_action: 100,
    });
    const app = loaded.config.phases[0]!.checks[1] as Record<string, unknown>;
    expect(app).toMatchObject({ depends_on: ['db', 'redis'], container: 'app' });
    expect(loaded.config.protected.tables).toEqual(['users', 'roles', 'permissions']);
    expect(loaded.config.safety_limits.cooldown_seconds).toBe(60);
  });

  test("the seeds' healing_config.json is accepted unchanged (comments included) and runs on discovered checks", () => {
    const loaded = loadConfigFile(`${__dirname}/../fixtures/healing_config.json`, {});
    expect(loaded.discovered).toBe(true);
    expect(loaded.config.healing_actions.container_not_running).toMatchObject({
      action: 'restart_container',
      max_retries: 2,
    });
    expect(loaded.config.healing_actions.high_error_rate).toMatchObject({
      requires_confirmation: true,
      error_threshold: 50,
    });
    expect(loaded.config.safety_limits.max_container_restarts_per_session).toBe(5);
    expect(loaded.config.notifications.notification_channels).toEqual(['slack', 'email']);
  });

  test('a wrong type is reported with file, line, column and key', () => {
    const text = ['version: 2', 'safety_limits:', '  cooldown_seconds: soon', 'phases: []'].join('\n');
    const [p, ...more] = problems(text, '.github/orixoon.yml');
    expect(more).toEqual([]);
    expect(p).toMatchObject({
      file: '.github/orixoon.yml',
      line: 3,
      column: 21,
      key: 'safety_limits.cooldown_seconds',
    });
    expect(p!.message).toMatch(/expected number/);
    expect(new ConfigError([p!]).message).toContain(
      '.github/orixoon.yml:3:21: safety_limits.cooldown_seconds: expected number',
    );
  });

  test('an unknown key points at the key itself', () => {
    const text = ['auto_healing:', '  enabled: true', '  dryrun: true'].join('\n');
    expect(problems(text)).toEqual([
      expect.objectContaining({
        line: 3,
        column: 3,
        key: 'auto_healing.dryrun',
        message: expect.stringMatching(/unknown key "dryrun"/),
      }),
    ]);
  });

  test('an unknown check type lists the known ones', () => {
    const text = ['phases:', '  - name: p', '    checks:', '      - { id: x, type: kafka }'].join('\n');
    const [p] = problems(text);
    expect(p).toMatchObject({ line: 4, key: 'phases[0].checks[0].type' });
    expect(p!.message).toMatch(/container/);
  });

  test('JSON errors carry lines too', () => {
    const text = '{\n  "safety_limits": {\n    "max_failing_services": -1\n  }\n}';
    expect(problems(text, 'cfg.json')[0]).toMatchObject({
      file: 'cfg.json',
      line: 3,
      key: 'safety_limits.max_failing_services',
    });
    expect(problems('{\n  "a": [1,\n}', 'broken.json')[0]).toMatchObject({
      file: 'broken.json',
      line: expect.any(Number),
    });
  });

  test('an unset ${VAR} is an error that says how to fix it; ${VAR:-default} is not', () => {
    const [p] = problems('targets:\n  redis: { url: "${REDIS_URL}" }\n', 'o.yml', {});
    expect(p).toMatchObject({ line: 2, key: 'targets.redis.url' });
    expect(p!.message).toMatch(/REDIS_URL is not set/);
    const ok = parseConfig(
      'targets:\n  redis: { url: "${REDIS_URL:-redis://127.0.0.1:6379}" }\n',
      'o.yml',
      {},
    );
    expect(ok.config.targets.redis.url).toBe('redis://127.0.0.1:6379');
  });

  test('ids are unique, depends_on must name a check, cycles are refused', () => {
    const text = [
      'phases:',
      '  - name: p',
      '    checks:',
      '      - { id: a, type: container, container: a, depends_on: [b] }',
      '      - { id: b, type: container, container: b, depends_on: [a] }',
      '      - { id: b, type: container, container: c, depends_on: [zz] }',
    ].join('\n');
    const msgs = problems(text).map((p) => `${p.line}:${p.message}`);
    expect(msgs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^6:duplicate check id "b"/),
        expect.stringMatching(/^6:depends_on "zz" is not the id of any check/),
        expect.stringMatching(/dependency cycle: a → b → a/),
      ]),
    );
  });

  test('a queue on a protected table is refused at load, with its line', () => {
    const text = [
      'phases:',
      '  - name: p',
      '    checks:',
      '      - id: q',
      '        type: queue',
      '        table: public.users',
    ].join('\n');
    const [p] = problems(text);
    expect(p).toMatchObject({ line: 6, key: 'phases[0].checks[0].table' });
    expect(p!.message).toMatch(/protected/);
  });

  test('a container check needs a name or a label; an unknown action name is refused', () => {
    const text = [
      'healing_actions:',
      '  container_unhealthy: { action: reboot_the_world }',
      'phases:',
      '  - name: p',
      '    checks:',
      '      - { id: c, type: container }',
    ].join('\n');
    const ps = problems(text);
    expect(ps.some((p) => p.line === 6 && /needs `container`/.test(p.message))).toBe(true);
    expect(ps.some((p) => p.line === 2 && /unknown action "reboot_the_world"/.test(p.message))).toBe(true);
  });

  test('the shipped JSON Schema is generated from the same schema and is current', () => {
    const schema = buildJsonSchema();
    const shipped = JSON.parse(readFileSync(`${__dirname}/../../orixoon.schema.json`, 'utf8'));
    expect(shipped).toEqual(JSON.parse(JSON.stringify(schema)));
    const text = JSON.stringify(schema);
    for (const key of [
      'auto_healing',
      'safety_limits',
      'healing_actions',
      'notifications',
      'max_rows_per_action',
      'crash_loop_restarts',
    ]) {
      expect(text).toContain(key);
    }
  });
});
