import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig, type ConfigProblem } from '../../src/config/load.js';
import { closest, editDistance } from '../../src/config/suggest.js';

function problems(text: string, file = 'o.yml'): ConfigProblem[] {
  try {
    parseConfig(text, file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

const check = (entry: string): string => `phases:\n  - name: a\n    checks:\n      - ${entry}\n`;

describe('config errors say what to do', () => {
  test('an unknown key names the closest allowed key of that mapping', () => {
    const [p] = problems('auto_healing:\n  enabeld: true\n');
    expect(p).toMatchObject({ line: 2, column: 3, key: 'auto_healing.enabeld' });
    expect(p!.message).toMatch(/did you mean "enabled"\?/);
    const [q] = problems(check('{ id: w, type: http, url: "http://x", timout_seconds: 3 }'));
    expect(q!.key).toBe('phases[0].checks[0].timout_seconds');
    expect(q!.message).toMatch(/did you mean "timeout_seconds"\?/);
    // The http check's own keys, not another type's.
    expect(q!.message).toMatch(/allowed here: url, /);
    const [r] = problems('{"targets": {"dokcer": {}}}', 'c.json');
    expect(r!.message).toMatch(/did you mean "docker"\?/);
  });

  test('an unknown action and an unknown check type name the closest one', () => {
    const [p] = problems(
      'healing_actions:\n  container_down:\n    action: restart_contaner\n'.replace(
        'container_down',
        'container_not_running',
      ),
    );
    expect(p).toMatchObject({ key: 'healing_actions.container_not_running.action', line: 3 });
    expect(p!.message).toMatch(/unknown action "restart_contaner": did you mean "restart_container"\?/);
    const [q] = problems(check('{ id: a, type: htp, url: "http://x" }'));
    expect(q!.message).toMatch(/unknown check type "htp": did you mean "http"\?/);
  });

  test('a duplicate id says where the first copy is', () => {
    const found = problems(
      check('{ id: a, type: http, url: "http://x" }') + '      - { id: a, type: http, url: "http://y" }\n',
    );
    expect(found).toEqual([
      expect.objectContaining({
        key: 'phases[0].checks[1].id',
        line: 5,
        message: expect.stringMatching(/first one is at line 4, column 15 \(phases\[0\]\.checks\[0\]\)/),
      }),
    ]);
  });

  test('an unknown depends_on lists the valid ids and the closest', () => {
    const text =
      check('{ id: database, type: http, url: "http://x" }') +
      '      - { id: api, type: http, url: "http://y", depends_on: [databse] }\n';
    const [p] = problems(text);
    expect(p!.key).toBe('phases[0].checks[1].depends_on[0]');
    expect(p!.message).toMatch(/did you mean "database"\? valid ids: database, api/);
  });

  test('a missing key says "missing required key"', () => {
    expect(problems('phases:\n  - checks: []\n')[0]).toMatchObject({
      key: 'phases[0].name',
      message: expect.stringMatching(/^missing required key "name"/),
    });
    expect(problems(check('{ id: a, url: "http://x" }'))[0]!.message).toMatch(
      /^missing required key "type": one of /,
    );
    expect(problems(check('{ type: http, url: "http://x" }'))[0]!.message).toMatch(
      /^missing required key "id"/,
    );
  });

  test('a YAML syntax error is one message at its position', () => {
    const found = problems('version: 2\nphases: [1\nauto_healing: : x\n');
    expect(found).toHaveLength(1);
    expect(found[0]!.message).toMatch(/^YAML syntax error: /);
    expect(found[0]!.message).not.toMatch(/at line/);
    expect(found[0]!.line).toBe(3);
  });

  test('closest() finds misspellings and nothing for unrelated words', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(closest('enabeld', ['enabled', 'dry_run'])).toBe('enabled');
    expect(closest('zzzzzz', ['enabled', 'dry_run'])).toBeUndefined();
    // Bounded: far-apart names stop early, so a thousand long ids stay cheap to compare.
    expect(editDistance('a'.repeat(60), 'b'.repeat(60), 3)).toBe(4);
    expect(editDistance('abc', 'abcdefgh', 2)).toBe(3);
    expect(editDistance('enabeld', 'enabled', 2)).toBe(2);
  });
});
