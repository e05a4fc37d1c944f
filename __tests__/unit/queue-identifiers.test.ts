// SQL identifiers from the config are validated and quoted; protected tables match by name.
import { describe, expect, it } from 'vitest';
import { isProtectedTable, quoteIdent, quoteQualified } from '../../src/targets/sql-identifiers.js';
import { queueOptionsFrom } from '../../src/checks/queue.js';

describe('SQL identifiers', () => {
  it('quotes plain and schema-qualified names, keeping case', () => {
    expect(quoteIdent('status')).toBe('"status"');
    expect(quoteQualified('work.SyncQueue')).toBe('"work"."SyncQueue"');
    expect(() => quoteIdent('a"b')).toThrow("Invalid SQL identifier 'a\"b'");
    expect(() => quoteIdent('1abc')).toThrow();
    expect(() => quoteQualified('a.b.c')).toThrow("Invalid SQL table name 'a.b.c'");
    expect(() => quoteQualified('jobs; drop table users')).toThrow();
  });

  it('protected tables match qualified or bare, case-insensitively', () => {
    const p = ['users', 'billing.invoices'];
    expect(isProtectedTable('users', p)).toBe(true);
    expect(isProtectedTable('public.Users', p)).toBe(true);
    expect(isProtectedTable('billing.invoices', p)).toBe(true);
    expect(isProtectedTable('invoices', p)).toBe(false);
    expect(isProtectedTable('other.invoices', p)).toBe(false);
    expect(isProtectedTable('users_queue', p)).toBe(false);
  });

  it('reads a queue check out of a config entry, defaults filled in', () => {
    const o = queueOptionsFrom({ id: 'q', type: 'queue', depends_on: [], table: 'jobs' });
    expect(o).toMatchObject({
      table: 'jobs',
      id_column: 'id',
      statuses: { pending: 'pending', dead: 'dead' },
      max_rows_per_action: 100,
    });
  });
});
