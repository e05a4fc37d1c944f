// The shipped example pattern file and the pattern file format.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('a regex the linear-time engine cannot run is refused at load, with the file, key, line and column', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'oxw-patterns-')), 'patterns.json');
    writeFileSync(
      file,
      [
        '{',
        '  "patterns": [',
        '    { "name": "ok", "regex": "ERROR" },',
        '    {',
        '      "name": "price",',
        '      "regex": "\\\\d+ (?<=\\\\$)",',
        '      "fix": { "type": "manual", "advice": "x" }',
        '    },',
        '    { "name": "ok", "regex": "(\\\\w+) \\\\1" }',
        '  ]',
        '}',
      ].join('\n'),
    );
    // Line 6: `      "regex": "\\d+ (?<=\\$)",` — the value's quote is column 16, `(?<=` column 22.
    await expect(loadPatterns(file)).rejects.toThrow(
      `Pattern file ${file} is invalid: patterns.1.regex: regex does not compile: lookbehind \`(?<=\` at character 5 ` +
        'is not supported: patterns run on a linear-time engine (RE2 syntax) without lookaround; match the surrounding ' +
        'text instead (line 6, column 22); patterns.2.regex: regex does not compile: backreference `\\1` at character 7 ' +
        'is not supported: patterns run on a linear-time engine (RE2 syntax) without backreferences; match the text ' +
        'itself instead (line 9, column 38)',
    );
  });

  it('a name used twice is reported at its second use', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'oxw-patterns-')), 'patterns.json');
    writeFileSync(
      file,
      '{"patterns": [\n  {"name": "a", "regex": "x"},\n  {"name": "a", "regex": "y"}\n]}\n',
    );
    await expect(loadPatterns(file)).rejects.toThrow(
      `Pattern file ${file}: pattern name 'a' is used twice (line 3, column 12): names must be unique`,
    );
  });
});
