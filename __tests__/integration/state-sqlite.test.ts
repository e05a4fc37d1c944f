// The embedded store under real concurrency: separate processes writing one SQLite file at once.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAtOnce } from '../helpers/state-process.js';

const dir = mkdtempSync(join(tmpdir(), 'orixoon-state-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite state store, two processes at once', () => {
  it('loses no run and no finding when two processes write one new file at the same time', async () => {
    const path = join(dir, 'shared', 'state.db');
    const RUNS = 150;
    const out = await writeAtOnce({ path }, 2, RUNS);
    expect(out).toEqual([`done ${RUNS}`, `done ${RUNS}`]);
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const count = (sql: string): number => Number((db.prepare(sql).get() as { n: number }).n);
      expect(count('SELECT count(*) AS n FROM runs')).toBe(2 * RUNS);
      expect(count('SELECT count(*) AS n FROM checks')).toBe(2 * RUNS);
      expect(count('SELECT count(*) AS n FROM events')).toBe(2 * RUNS * 2);
      // Every writer's every run is there, once.
      expect(count('SELECT count(DISTINCT run_id) AS n FROM runs')).toBe(2 * RUNS);
      expect(count("SELECT count(*) AS n FROM events WHERE target LIKE 'w1-%'")).toBe(RUNS * 2);
      expect((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode).toBe('wal');
      expect(
        (db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check,
      ).toBe('ok');
    } finally {
      db.close();
    }
  });
});
