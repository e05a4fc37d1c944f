import { describe, expect, test } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

describe('${VAR} expansion has an escape', () => {
  test('$${VAR} stays a literal ${VAR} for the shell, next to an expanded one', () => {
    const text = [
      'phases:',
      '  - name: smoke',
      '    checks:',
      '      - id: cmd',
      '        type: command',
      '        run: \'test -n "$${HOME}" && curl -fsS "${API_URL}/health" && echo $$ $${X:-y}\'',
    ].join('\n');
    const loaded = parseConfig(text, 'o.yml', { API_URL: 'http://127.0.0.1:8080' });
    const check = loaded.config.phases[0]!.checks[0] as { run: string };
    expect(check.run).toBe(
      'test -n "${HOME}" && curl -fsS "http://127.0.0.1:8080/health" && echo $$ ${X:-y}',
    );
    // The escaped names are not expanded, so they are neither required nor reported as expanded.
    expect(loaded.expanded).toEqual([{ name: 'API_URL', value: 'http://127.0.0.1:8080' }]);
  });

  test('an escaped variable that is unset is not an error', () => {
    const loaded = parseConfig('notifications:\n  webhook_url: "$${UNSET_HOOK}"\n', 'o.yml', {});
    expect(loaded.config.notifications.webhook_url).toBe('${UNSET_HOOK}');
  });
});
