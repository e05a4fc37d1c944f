// What the built-in check types declare, and the healing rules of their codes as plain functions of a
// finding's facts: no server needed to see which remedy a finding gets, or why a person must act.
import { describe, expect, test } from 'vitest';
import { withHealingPlan } from '../../src/checks/check-type.js';
import { CHECK_TYPES, ISSUE_DECLARATIONS, checkType, registerCheckType } from '../../src/checks/registry.js';
import { ISSUE_CATALOG, failureAdvice } from '../../src/checks/catalog.js';
import { REMEDIES, registerRemedy } from '../../src/healing/remedies/registry.js';
import type { Finding } from '../../src/core/types.js';

const finding = (code: string, extra: Partial<Finding> = {}): Finding => ({
  code,
  checkId: 'c1',
  target: 't',
  targetKey: 'k',
  message: 'm',
  evidence: {},
  ...extra,
});
const planned = (f: Finding): Finding => withHealingPlan(f, ISSUE_DECLARATIONS[f.code]);

describe('check type declarations', () => {
  test('every code is declared once, with a title, a known default action, a risk and README wording', () => {
    const seen = new Set<string>();
    for (const t of CHECK_TYPES) {
      expect(t.targets.length, t.type).toBeGreaterThan(0);
      expect(t.description, t.type).not.toBe('');
      for (const [code, d] of Object.entries(t.codes)) {
        expect(seen.has(code), code).toBe(false);
        seen.add(code);
        expect(d.title).not.toBe('');
        expect(d.docs.when).not.toBe('');
        if (d.action) expect(REMEDIES.has(d.action), `${code} → ${d.action}`).toBe(true);
        expect(ISSUE_CATALOG[code]).toMatchObject({ action: d.action, risk: d.risk, title: d.title });
      }
    }
    expect(ISSUE_CATALOG.check_error).toMatchObject({ action: null, risk: 'high' });
    expect(failureAdvice('crash_loop')).toBe(
      'Check application logs for crash cause; fix the image or its config before deploying',
    );
    expect(failureAdvice('queue_stuck')).toBe('Investigate manually before deploying');
  });

  test('every remedy declares its risk and the system it acts on', () => {
    for (const r of REMEDIES.values()) {
      expect(['low', 'medium', 'high'], r.action).toContain(r.risk);
      expect(['docker', 'postgres', 'redis', 'exec'], r.action).toContain(r.system);
    }
  });

  test('a type or code already declared, or an action already registered, is refused', () => {
    expect(() => registerCheckType(checkType('redis')!)).toThrow(/already registered/);
    expect(() => registerCheckType({ ...checkType('redis')!, type: 'redis2' })).toThrow(
      /issue code "redis_not_responding" of check type "redis2" is already declared/,
    );
    expect(checkType('redis2')).toBeUndefined();
    expect(() => registerRemedy(REMEDIES.get('restart_container')!)).toThrow(/already registered/);
  });
});

describe('declared healing rules', () => {
  test('redis: BUSY kills the script, LOADING and bad credentials wait for a person, else restart the mapped container', () => {
    expect(
      planned(finding('redis_not_responding', { facts: { reply: 'BUSY', container: 'r' } })),
    ).toMatchObject({
      action: 'kill_busy_script',
      params: { busy: true },
    });
    expect(planned(finding('redis_not_responding', { facts: { reply: 'LOADING' } })).manual).toMatch(
      /loading/,
    );
    expect(planned(finding('redis_not_responding', { facts: { reply: 'WRONGPASS' } })).manual).toMatch(
      /WRONGPASS/,
    );
    const restart = planned(finding('redis_not_responding', { facts: { reply: null, container: 'r' } }));
    expect(restart.params).toEqual({ container: 'r' });
    expect(restart.manual).toBeUndefined();
    expect(planned(finding('redis_memory_full', { facts: { role: 'slave' } })).manual).toMatch(/replica/);
    expect(planned(finding('redis_memory_full', { facts: { role: 'master' } })).manual).toBeUndefined();
  });

  test("logs: a pattern's recipe becomes its fix, at the pattern's risk", () => {
    const restart = planned(
      finding('log_pattern', {
        facts: { pattern: 'oom', fix: { type: 'restart', container: 'api' }, risk: 'low' },
      }),
    );
    expect(restart).toMatchObject({
      action: 'restart_container',
      params: { container: 'api', pattern: 'oom' },
      risk: 'low',
    });
    expect(
      planned(finding('log_pattern', { facts: { pattern: 'x', fix: { type: 'restart' } } })).manual,
    ).toMatch(/names no container/);
    const command = planned(
      finding('log_pattern', {
        facts: {
          pattern: 'conf',
          fix: { type: 'command', run: 'fix.sh', backup: ['/a'], cwd: '/w', timeout_seconds: 9 },
        },
      }),
    );
    expect(command).toMatchObject({
      action: 'pattern_fix',
      params: { pattern: 'conf', run: 'fix.sh', backup: ['/a'], cwd: '/w' },
    });
    expect(planned(finding('high_error_rate')).manual).toMatch(/no container is set on logs check 'c1'/);
  });

  test('queue: nothing safe to move or reset, or a protected table, is for a person', () => {
    expect(
      planned(finding('queue_backlog', { evidence: { exhausted: 0, pending: 7, max_attempts: 5 } })).manual,
    ).toMatch(/None of the 7 pending items is past 5 attempts/);
    expect(planned(finding('queue_backlog', { evidence: { exhausted: 2 } })).manual).toBeUndefined();
    expect(planned(finding('queue_stuck', { facts: { protected_table: true } })).manual).toMatch(/protected/);
  });

  test('postgres: every code counts as a database operation; 57P03 waits', () => {
    expect(
      planned(finding('db_unreachable', { evidence: { code: '57P03' }, facts: { container: 'db' } })),
    ).toMatchObject({
      category: 'database',
      manual: expect.stringMatching(/57P03/),
    });
    expect(
      planned(finding('db_unreachable', { evidence: { code: null }, facts: { container: 'db' } })),
    ).toMatchObject({
      category: 'database',
      params: { container: 'db' },
    });
    expect(planned(finding('db_pool_exhausted')).category).toBe('database');
  });
});
