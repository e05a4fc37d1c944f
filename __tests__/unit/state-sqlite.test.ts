// The embedded store on a real SQLite file: what a run records, the history read back, a file that
// is not a database moved aside and kept, and no secret in any row.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { openStateStore, recordReport } from '../../src/state/index.js';
import { Redactor } from '../../src/support/redact.js';
import { sampleReport } from '../helpers/sample-report.js';

const dir = mkdtempSync(join(tmpdir(), 'orixoon-state-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SQLite state store', () => {
  it('creates .orixoon/state.db under the working directory by default', async () => {
    const cwd = join(dir, 'default');
    const opened = await openStateStore({ cwd });
    expect(opened.warnings).toEqual([]);
    expect(opened.store?.kind).toBe('sqlite');
    await opened.store!.close();
    expect(existsSync(join(cwd, '.orixoon', 'state.db'))).toBe(true);
  });

  it('records a report and reads back per-target history and summary', async () => {
    const { store } = await openStateStore({ cwd: dir, config: { path: 'history.db' } });
    const report = sampleReport();
    const r = await recordReport(store!, report);
    expect(r.recorded).toBe(true);
    const summary = await store!.summary({});
    expect(summary.length).toBe(new Set(report.findings.map((f) => `${f.checkId}|${f.target}`)).size);
    const redis = summary.find((s) => s.checkId === 'redis')!;
    expect(redis).toMatchObject({
      target: 'shop-redis-1',
      findings: 1,
      actions: 1,
      healed: 1,
      successRate: 1,
    });
    expect(redis.meanTimeToHealMs).toBe(1240);
    expect(redis.lastActions.map((a) => a.action)).toEqual(['start_container']);
    const app = summary.find((s) => s.checkId === 'app')!;
    expect(app.healed).toBe(0);
    expect(app.lastActions[0]!.error).toBeTruthy();

    const h = await store!.targetHistory(
      { checkId: 'redis', target: 'shop-redis-1' },
      { since: 0, lastRuns: 5 },
    );
    expect(h.events.map((e) => e.outcome)).toEqual(['healed']);
    expect(h.runs).toEqual([
      {
        run: r.recorded ? r.run : -1,
        startedAt: Date.parse(report.startedAt),
        status: 'healed',
        outcomes: ['healed'],
      },
    ]);
    expect(await store!.summary({ checkId: 'db' })).toHaveLength(1);
    expect(await store!.summary({ since: Date.parse(report.finishedAt) + 60_000 })).toEqual([]);
    await store!.close();
  });

  it('writes no secret into any row', async () => {
    const secret = 'S3cr3t-Passw0rd-xyz';
    const redactor = new Redactor();
    redactor.add(secret);
    const path = join(dir, 'secret.db');
    const { store } = await openStateStore({ cwd: dir, config: { path }, redactor });
    const report = sampleReport();
    report.findings[0]!.target = `postgres://app:${secret}@db:5432/shop`;
    report.findings[0]!.failure = {
      attempted: 'x',
      attempts: 1,
      lastError: `auth failed for ${secret}`,
      recommendation: '',
    };
    report.findings[0]!.outcome = 'failed';
    await recordReport(store!, report);
    await store!.close();
    const db = new DatabaseSync(path, { readOnly: true });
    const dump = JSON.stringify([
      db.prepare('SELECT * FROM runs').all(),
      db.prepare('SELECT * FROM events').all(),
      db.prepare('SELECT * FROM checks').all(),
    ]);
    db.close();
    expect(dump).not.toContain(secret);
    expect(dump).toContain('auth failed for ***');
  });

  it('moves a file that is not a database aside, keeps it, reports it and starts a new one', async () => {
    const cwd = join(dir, 'corrupt');
    const path = join(cwd, '.orixoon', 'state.db');
    const first = await openStateStore({ cwd });
    await recordReport(first.store!, sampleReport());
    await first.store!.close();
    const garbage = Buffer.from('this was a state file until a disk went bad '.repeat(200));
    writeFileSync(path, garbage);
    const now = new Date('2026-01-02T03:04:05.678Z');
    const opened = await openStateStore({ cwd, now });
    expect(opened.store).not.toBeNull();
    expect(opened.blocking).toBe(false);
    const aside = `${path}.corrupt-2026-01-02T03-04-05-678Z`;
    expect(opened.warnings).toEqual([expect.stringContaining(`moved aside to ${aside} (kept)`)]);
    // The damaged file is kept byte for byte; the new one works and starts empty.
    expect(readFileSync(aside)).toEqual(garbage);
    expect(await opened.store!.summary({})).toEqual([]);
    expect((await recordReport(opened.store!, sampleReport())).recorded).toBe(true);
    await opened.store!.close();
    expect(readdirSync(join(cwd, '.orixoon')).filter((f) => f.includes('corrupt'))).toEqual([
      'state.db.corrupt-2026-01-02T03-04-05-678Z',
    ]);
  });

  it('damage that shows only on the first write: moved aside then, the run written to a new file', async () => {
    const cwd = join(dir, 'damaged-pages');
    const path = join(cwd, '.orixoon', 'state.db');
    const first = await openStateStore({ cwd });
    for (let i = 0; i < 20; i++) await recordReport(first.store!, sampleReport());
    await first.store!.close();
    // Page 1 (header and schema) intact, every table and index page after it overwritten.
    const bytes = readFileSync(path);
    const damaged = Buffer.concat([bytes.subarray(0, 4096), Buffer.alloc(bytes.length - 4096, 0xa5)]);
    writeFileSync(path, damaged);
    const opened = await openStateStore({ cwd });
    expect(opened.warnings).toEqual([]);
    const r = await recordReport(opened.store!, sampleReport());
    expect(r.recorded).toBe(true);
    expect(r.warnings).toEqual([
      expect.stringMatching(
        /could not be read as a database: moved aside to .*state\.db\.corrupt-.* \(kept\)/,
      ),
    ]);
    const kept = readdirSync(join(cwd, '.orixoon')).filter((f) => /^state\.db\.corrupt-[^.]+$/.test(f));
    expect(kept).toHaveLength(1);
    expect(readFileSync(join(cwd, '.orixoon', kept[0]!))).toEqual(damaged);
    // The new file holds this run only.
    expect((await opened.store!.summary({})).reduce((n, t) => n + t.findings, 0)).toBe(
      sampleReport().findings.length,
    );
    await opened.store!.close();
  });

  it('an unwritable path is a warning, or blocks with state.required', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const path = join(file, 'state.db');
    const soft = await openStateStore({ cwd: dir, config: { path } });
    expect(soft).toMatchObject({ store: null, blocking: false });
    expect(soft.warnings[0]).toMatch(/cannot be used.*session limits still hold/);
    const hard = await openStateStore({ cwd: dir, config: { path, required: true } });
    expect(hard).toMatchObject({ store: null, blocking: true });
    expect(hard.warnings[0]).toMatch(/state\.required is true: the run is blocked/);
  });
});
