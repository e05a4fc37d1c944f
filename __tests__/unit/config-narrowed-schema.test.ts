// The loader validates a config with a schema built only for the check types it uses. That schema must
// answer exactly as the whole one does: same config, same defaults, same problems.
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { parse as parseYaml } from 'yaml';
import { configSchemaFor, currentConfigSchema } from '../../src/config/schema.js';

function outcome(text: string): unknown {
  try {
    return parseConfig(text, 'orixoon.yml', {}).config;
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

describe('the schema of the check types a config uses', () => {
  test('is built for those types only, cached, and the whole schema for an unknown type', () => {
    const narrowed = configSchemaFor(['container']);
    expect(narrowed).not.toBe(currentConfigSchema());
    expect(configSchemaFor(['container'])).toBe(narrowed);
    expect(configSchemaFor(['container', 'no_such_type'])).toBe(currentConfigSchema());
  });

  test.each([
    [
      'container checks',
      'phases:\n  - name: p\n    checks:\n      - { id: a, type: container, container: web }\n',
    ],
    ['no phases', 'auto_healing: { dry_run: true }\n'],
    [
      'an unknown option',
      'phases:\n  - name: p\n    checks:\n      - { id: a, type: container, container: web, colour: red }\n',
    ],
    [
      'an unknown type',
      'phases:\n  - name: p\n    checks:\n      - { id: a, type: contaner, container: web }\n',
    ],
    ['a type that is not a string', 'phases:\n  - name: p\n    checks:\n      - { id: a, type: 3 }\n'],
    [
      'a threshold of a type the config does not use',
      'healing_actions:\n  redis_memory_full: { memory_full_percent: 500 }\nphases:\n  - name: p\n    checks:\n      - { id: a, type: container, container: web }\n',
    ],
    [
      'a bad container option',
      'phases:\n  - name: p\n    checks:\n      - { id: a, type: container, container: 7 }\n',
    ],
  ])('answers as the whole schema: %s', (_name, text) => {
    const data = parseYaml(text) as Record<string, unknown>;
    const types = new Set<string>();
    for (const phase of (data.phases ?? []) as Array<{ checks: Array<{ type: unknown }> }>)
      for (const c of phase.checks) types.add(typeof c.type === 'string' ? c.type : '\0');
    const narrowed = configSchemaFor(types).safeParse(data, { reportInput: true, jitless: true });
    const whole = currentConfigSchema().safeParse(data, { reportInput: true });
    expect(narrowed.success).toBe(whole.success);
    if (whole.success) expect(narrowed.data).toEqual(whole.data);
    else expect(narrowed.error!.issues).toEqual(whole.error!.issues);
    // The loader answers the same way (a config, or problems).
    expect(Array.isArray(outcome(text))).toBe(!whole.success);
  });
});
