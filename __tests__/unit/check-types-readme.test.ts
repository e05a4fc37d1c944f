// The README's tables of check types and issue codes are generated from the check types' declarations
// (node scripts/docs-tables.mjs): this fails as soon as a declaration and the README disagree.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { issueCodesTable, readmeTables, withTables } from '../../src/checks/docs-tables.js';
import { CHECK_TYPES, ENGINE_CODES } from '../../src/checks/registry.js';
import { tcpPortCheck } from '../fixtures/tcp-port-check.js';

const README = new URL('../../README.md', import.meta.url);

describe('README tables', () => {
  test('the check-type and issue-code tables are the ones the declarations give', () => {
    const readme = readFileSync(README, 'utf8');
    expect(withTables(readme, readmeTables())).toBe(readme);
    // Every declared code is in the README, with its default action.
    for (const t of CHECK_TYPES)
      for (const [code, d] of Object.entries(t.codes)) {
        expect(readme).toContain(`| ${t.type} | \`${code}\` |`);
        if (d.action && !d.docs.action) expect(readme).toContain(`| \`${d.action}\` |`);
      }
  });

  test('a declaration the README does not have makes it stale, and the script says so', () => {
    const readme = readFileSync(README, 'utf8');
    const more = {
      ...readmeTables(),
      'issue-codes': issueCodesTable([...CHECK_TYPES, tcpPortCheck], ENGINE_CODES),
    };
    const updated = withTables(readme, more);
    expect(updated).not.toBe(readme);
    expect(updated).toContain('| tcp_port | `port_closed` | nothing accepts a TCP connection on host:port |');
    // The script's --check mode agrees with this test on the README as committed.
    expect(() =>
      execFileSync(process.execPath, ['scripts/docs-tables.mjs', '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  test('missing markers are an error that names them', () => {
    expect(() => withTables('# no tables here\n', readmeTables())).toThrow(/orixoon:check-types:start/);
  });
});
