import { describe, expect, test } from 'vitest';
import { ownContainerIds } from '../../src/engine/plan.js';
import { secretEnvValues } from '../../src/engine/secrets.js';
import { actsOn, cooldownKey } from '../../src/healing/policy.js';
import { truncate } from '../../src/report/markdown.js';

describe('engine helpers', () => {
  test('secret-looking environment values are masked; the runner’s public URLs are not', () => {
    const values = secretEnvValues({
      API_TOKEN: 'tok_1234567890',
      DB_PASSWORD: 'hunter2-hunter2',
      DATABASE_URL: 'postgres://app:pw@db:5432/app',
      HEALTH_URL: 'http://app:8000/health',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_TOKEN: 'ghs_abcdefghijkl',
      SLACK_WEBHOOK: 'https://hooks.slack.example/T000/B000/XXXX',
      SHORT_KEY: 'abc',
      TINY_KEY: 'ab',
      PATH: '/usr/bin:/bin',
    });
    expect(values.sort()).toEqual(
      [
        'tok_1234567890',
        'hunter2-hunter2',
        'postgres://app:pw@db:5432/app',
        'ghs_abcdefghijkl',
        'https://hooks.slack.example/T000/B000/XXXX',
        // Short values are secrets too (masked as a token of their own); 1-2 characters are not masked.
        'abc',
      ].sort(),
    );
  });

  test('cooldown follows the container an action restarts, whichever check asked', () => {
    const fromDbCheck = { targetKey: 'postgres:db', params: { container: 'pg' } };
    const fromContainerCheck = { targetKey: 'container:pg', params: { container: 'pg' } };
    expect(actsOn(fromDbCheck)).toBe('container:pg');
    expect(cooldownKey(fromDbCheck, 'restart_container')).toBe(
      cooldownKey(fromContainerCheck, 'start_container'),
    );
    // Different remedies on one database do not hold each other back; the same one does.
    expect(cooldownKey({ targetKey: 'postgres:db' }, 'terminate_idle_connections')).not.toBe(
      cooldownKey({ targetKey: 'postgres:db' }, 'terminate_idle_transactions'),
    );
  });

  test('the container Orixoon runs in is recognised from its short id in HOSTNAME', () => {
    expect(ownContainerIds({ HOSTNAME: 'c84f52e3e1b6' })).toContain('c84f52e3e1b6');
    expect(ownContainerIds({ HOSTNAME: 'build-runner-7' })).not.toContain('build-runner-7');
  });

  test('truncation counts UTF-8 bytes, as GitHub does, and cuts on a line', () => {
    const text = Array.from({ length: 400 }, (_, i) => `${i} ✅ healed — ünïcödé`).join('\n');
    const out = truncate(text, 2000, '_cut_');
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2000);
    expect(out.endsWith('\n\n_cut_')).toBe(true);
    expect(text.startsWith(out.slice(0, out.length - '\n\n_cut_'.length))).toBe(true);
    expect(truncate('short', 2000, '_cut_')).toBe('short');
  });
});
