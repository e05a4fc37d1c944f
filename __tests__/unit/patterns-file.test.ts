// The shipped example pattern file and the pattern file format.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPatterns, patternsFileSchema } from '../../src/checks/logs.js';

const EXAMPLE = path.resolve('examples/error_patterns.json');

describe('pattern files', () => {
  it('the example file loads and each pattern matches the log line it was written for', async () => {
    const patterns = await loadPatterns(EXAMPLE);
    const byName = new Map(patterns.map((p) => [p.name, p]));
    expect([...byName.keys()]).toEqual([
      'deprecated_config_field',
      'module_not_found',
      'uvicorn_worker_killed',
    ]);
    const matches = (name: string, line: string) => {
      const p = byName.get(name)!;
      return new RegExp(p.regex, p.flags).test(line);
    };
    expect(matches('deprecated_config_field', "WARNING Config field 'max_conn' is deprecated")).toBe(true);
    expect(matches('deprecated_config_field', "WARNING Config field 'max_connections' is fine")).toBe(false);
    expect(matches('module_not_found', "ModuleNotFoundError: No module named 'requests'")).toBe(true);
    expect(matches('module_not_found', 'Error: module not found: lodash')).toBe(true);
    expect(
      matches('uvicorn_worker_killed', '[WARNING] Worker (pid:41) was sent SIGKILL! Perhaps out of memory?'),
    ).toBe(true);

    const dep = byName.get('deprecated_config_field')!;
    expect(dep.fix).toMatchObject({ type: 'command', backup: ['config/app.yml'] });
    expect(byName.get('module_not_found')!.fix).toMatchObject({ type: 'manual' });
    expect(byName.get('uvicorn_worker_killed')!.fix).toEqual({ type: 'restart' });
  });

  it('defaults: severity error, min_matches 1, backup [], timeout 60 s', () => {
    const parsed = patternsFileSchema.parse({
      patterns: [{ name: 'p', regex: 'x', fix: { type: 'command', run: 'true' } }],
    });
    expect(parsed.patterns[0]).toMatchObject({
      severity: 'error',
      min_matches: 1,
      fix: { backup: [], timeout_seconds: 60 },
    });
  });

  it('rejects stateful flags, unknown fix types and a missing file with a clear message', async () => {
    expect(patternsFileSchema.safeParse({ patterns: [{ name: 'p', regex: 'x', flags: 'g' }] }).success).toBe(
      false,
    );
    expect(
      patternsFileSchema.safeParse({ patterns: [{ name: 'p', regex: 'x', fix: { type: 'reboot' } }] })
        .success,
    ).toBe(false);
    await expect(loadPatterns('/nonexistent/oxw-patterns.json')).rejects.toThrow(
      /^Pattern file \/nonexistent\/oxw-patterns\.json cannot be read: ENOENT/,
    );
  });
});
