// User patterns compile for the linear-time engine: what RE2 cannot run is refused with what and
// where; what it can run matches like the JavaScript pattern would, in time linear in the input.
import { describe, expect, it } from 'vitest';
import { compileRegex, regexProblem } from '../../src/config/regex.js';
import { matchingLines } from '../../src/checks/logs.js';
import { globToRegExp } from '../../src/targets/redis/index.js';

const EVIL = `${'a'.repeat(70)}!`;

describe('compileRegex', () => {
  it('(a+)+$ over 20 lines of 70 a + "!" answers in milliseconds, and still finds a real match', () => {
    const re = compileRegex('(a+)+$');
    const started = performance.now();
    expect(matchingLines([...Array.from({ length: 20 }, () => EVIL), 'xx aaaa'], re)).toEqual(['xx aaaa']);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('flags i, m and s; the patterns of the shipped example', () => {
    expect(compileRegex('config field', 'i').test("Config Field 'max_conn'")).toBe(true);
    expect(compileRegex('config field').test("Config Field 'max_conn'")).toBe(false);
    expect(compileRegex('^b$', 'm').test('a\nb\nc')).toBe(true);
    expect(compileRegex('^b$').test('a\nb\nc')).toBe(false);
    expect(compileRegex('a.b', 's').test('a\nb')).toBe(true);
    expect(compileRegex('a.b').test('a\nb')).toBe(false);
    expect(
      compileRegex('Worker \\(pid:\\d+\\) was sent SIGKILL').test('Worker (pid:41) was sent SIGKILL!'),
    ).toBe(true);
    expect(compileRegex('(?<mod>\\w+)Error: (?:No module)').test('ModuleNotFoundError: No module')).toBe(
      true,
    );
  });

  it('backreferences and lookaround are refused, saying which construct and where', () => {
    const message = (s: string) => regexProblem(s)?.message;
    expect(message('(\\w+) \\1')).toBe(
      'backreference `\\1` at character 7 is not supported: patterns run on a linear-time engine (RE2 syntax) without backreferences; match the text itself instead',
    );
    expect(message('(?<w>\\w+) \\k<w>')).toMatch(
      /^named backreference `\\k<…>` at character 11 is not supported/,
    );
    expect(message('foo(?=bar)')).toMatch(
      /^lookahead `\(\?=` at character 4 is not supported: .* without lookaround/,
    );
    expect(message('foo(?!bar)')).toMatch(/^negative lookahead `\(\?!` at character 4 /);
    expect(message('(?<=\\$)\\d+')).toMatch(/^lookbehind `\(\?<=` at character 1 /);
    expect(message('(?<!x)y')).toMatch(/^negative lookbehind `\(\?<!` at character 1 /);
    expect(regexProblem('(?<=x)y')?.index).toBe(0);
    // Escaped or inside a class they are plain characters.
    expect(regexProblem('\\\\1 \\(?=x\\) [(?=]')).toBeUndefined();
  });

  it('other syntax errors name the fragment and its position; unknown flags are refused', () => {
    expect(regexProblem('([unclosed')?.message).toBe('missing closing ] `[unclosed` at character 2');
    expect(regexProblem('a**')?.message).toBe('invalid nested repetition operator `**` at character 2');
    expect(regexProblem('caf\\u00e9')?.message).toBe(
      'invalid escape sequence `\\u` at character 4 (write \\x{00e9} for the character U+00E9)',
    );
    expect(regexProblem('x', 'g')?.message).toBe('flags "g": only i, m, s and u are allowed');
  });
});

describe('Redis key globs', () => {
  it('match as Redis matches', () => {
    const m = (glob: string, key: string) => globToRegExp(glob).test(key);
    expect(m('session:*', 'session:abc')).toBe(true);
    expect(m('session:*', 'sessions:abc')).toBe(false);
    expect(m('h?llo', 'hallo')).toBe(true);
    expect(m('h[^e]llo', 'hallo')).toBe(true);
    expect(m('h[c-a]llo', 'hbllo')).toBe(true); // a reversed range is swapped
    expect(m('a.b', 'axb')).toBe(false);
    expect(m('(x|y)+{2}$^', '(x|y)+{2}$^')).toBe(true);
    expect(m('a\\*', 'a*')).toBe(true);
    expect(m('a\\*', 'ab')).toBe(false);
    expect(m('*[\\]]', 'a]')).toBe(true);
    expect(m('line*', 'line1\nline2')).toBe(true);
    expect(m('x[]y', 'x]y')).toBe(false); // `[]` is an empty class
    expect(m('x[^]', 'x\n')).toBe(true);
    expect(m('caf[é-ü]*', 'café')).toBe(true);
  });

  it('*a*a*a*b over a 300-character key answers in milliseconds', () => {
    const glob = globToRegExp('*a*a*a*b');
    const started = performance.now();
    expect(glob.test('a'.repeat(300))).toBe(false);
    expect(glob.test(`${'a'.repeat(300)}b`)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
