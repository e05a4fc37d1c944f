import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig, type ConfigProblem } from '../../src/config/load.js';

function problems(text: string, file: string): ConfigProblem[] {
  try {
    parseConfig(text, file, {});
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('JSON configs are JSON with comments', () => {
  test('// and /* */ comments load, and // inside strings stays', () => {
    const text = [
      '{',
      '  // where alerts go',
      '  "notifications": {',
      '    /* a block',
      '       comment */ "webhook_url": "https://hooks.example.invalid//path" // trailing',
      '  }',
      '}',
    ].join('\n');
    const loaded = parseConfig(text, 'healing_config.json', {});
    expect(loaded.config.notifications.webhook_url).toBe('https://hooks.example.invalid//path');
    expect(Object.getPrototypeOf(loaded.config.notifications)).toBeNull();
  });

  test('a YAML file that starts with { is read as YAML: // in a plain URL is not a comment', () => {
    const loaded = parseConfig(
      '{notifications: {webhook_url: https://hooks.example.invalid/x}}\n',
      'o.yml',
      {},
    );
    expect(loaded.config.notifications.webhook_url).toBe('https://hooks.example.invalid/x');
  });

  test('`tru` is a syntax error at its own line and column, one message', () => {
    const text = '{\n  "auto_healing": {\n    "enabled": tru\n  }\n}';
    const found = problems(text, 'c.json');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ file: 'c.json', line: 3, column: 16 });
    expect(found[0]!.message).toMatch(/^JSON syntax error: unexpected "tru"/);
  });

  test('a trailing comma is reported at the comma, in objects and lists', () => {
    const obj = problems('{\n  "auto_healing": {\n    "enabled": true,\n  }\n}', 'c.json');
    expect(obj).toEqual([
      expect.objectContaining({ line: 3, column: 20, message: expect.stringMatching(/trailing comma/) }),
    ]);
    const list = problems('{\n  "protected": { "tables": ["a", "b",] }\n}', 'c.json');
    expect(list).toEqual([
      expect.objectContaining({ line: 2, column: 37, message: expect.stringMatching(/trailing comma/) }),
    ]);
  });

  test('duplicate keys and deep nesting in JSON are refused with their position', () => {
    const dup = problems('{\n  "version": 2,\n  "version": 1\n}', 'c.json');
    expect(dup[0]).toMatchObject({
      line: 3,
      column: 3,
      key: 'version',
      message: expect.stringMatching(/duplicate key/),
    });
    const deep = problems(`{"phases": ${'['.repeat(100_000)}`, 'c.json');
    expect(deep[0]!.message).toMatch(/nested deeper than/);
  });

  test('a schema problem in JSON points at the key', () => {
    const found = problems('{\n  "auto_healing": {\n    "enabeld": true\n  }\n}', 'c.json');
    expect(found[0]).toMatchObject({ line: 3, column: 5, key: 'auto_healing.enabeld' });
  });
});
