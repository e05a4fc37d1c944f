// The backups of a pattern fix: a file reached through a symbolic link is refused before anything
// runs (a restore could not bring the link back), a path that is not a file is refused the same way,
// the copies never outlive the fix (success, restore, or a run cancelled half-way), and a cancelled
// run's files are put back by the cancel hook the fix registers with its run.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logsCheck } from '../../src/checks/logs.js';
import { RemedyFailure } from '../../src/healing/remedies/command.js';
import type { CancelHook } from '../../src/core/types.js';
import type { Finding } from '../../src/core/types.js';
import { checkOf, OpenRuns, remedy, remedyContext } from '../helpers/context.js';
import { tempDir, until } from './workers-support.js';

const runs = new OpenRuns();
// Backups go to os.tmpdir(): a private one per test shows exactly what a fix left behind.
let backupRoot: string;
let savedTmp: string | undefined;
beforeEach(() => {
  savedTmp = process.env.TMPDIR;
  backupRoot = mkdtempSync(path.join(tmpdir(), 'oxw-backup-root-'));
  process.env.TMPDIR = backupRoot;
});
afterEach(async () => {
  await runs.closeAll();
  if (savedTmp === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmp;
  rmSync(backupRoot, { recursive: true, force: true });
});

const CONF = 'listen: 8080\nworkers: 4\n';

/** A log file with one matching line and a pattern whose fix is `run`, backing up `backup`. */
async function scene(name: string, run: string, backup: string[], verify?: string) {
  const dir = tempDir(`backups-${name}`);
  mkdirSync(`${dir}/real`);
  writeFileSync(`${dir}/real/conf.real`, CONF);
  symlinkSync('real/conf.real', `${dir}/conf.txt`);
  writeFileSync(`${dir}/app.log`, `${new Date().toISOString()} ERROR conf is broken\n`);
  writeFileSync(
    `${dir}/patterns.json`,
    JSON.stringify({
      patterns: [
        {
          name: 'conf_fix',
          regex: 'conf is broken',
          fix: { type: 'command', cwd: '.', run, backup, ...(verify ? { verify } : {}) },
        },
      ],
    }),
  );
  const r = runs.open({ baseDir: dir });
  const check = checkOf(logsCheck, 'conf-logs', { file: 'app.log', patterns_file: 'patterns.json' });
  const [f] = (await check.run(r.ctx)).findings as [Finding];
  expect(f.action).toBe('pattern_fix');
  return { dir, run: r, check, f };
}

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the fix to fail');
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(RemedyFailure);
      return e as RemedyFailure;
    },
  );

describe('pattern fix backups', () => {
  it('a backup entry that is a symbolic link is refused before the fix runs; link and target unchanged', async () => {
    const s = await scene('symlink', "sed -i 's/8080/9090/' conf.txt; touch fix-ran; exit 3", ['conf.txt']);
    const err = await failureOf(remedy('pattern_fix').run(s.f, remedyContext(s.run.ctx, s.check)));
    expect(err.message).toBe(
      `Pattern fix 'conf_fix' not run: backup file ${s.dir}/conf.txt is a symbolic link (to real/conf.real); ` +
        'fixes are not applied through links, because a restore could not put the link back: ' +
        'name the file it points to in `backup` and in the fix command',
    );
    expect(err.data).toEqual({ pattern: 'conf_fix', fixed: false, restored: [] });
    // Nothing ran and nothing changed: the link is still the same link, the target still the same bytes.
    expect(existsSync(`${s.dir}/fix-ran`)).toBe(false);
    expect(lstatSync(`${s.dir}/conf.txt`).isSymbolicLink()).toBe(true);
    expect(readlinkSync(`${s.dir}/conf.txt`)).toBe('real/conf.real');
    expect(readFileSync(`${s.dir}/real/conf.real`, 'utf8')).toBe(CONF);
    expect(readdirSync(backupRoot)).toEqual([]);
  });

  it('naming the real file instead: a failing fix that replaced it is undone, and no copy stays behind', async () => {
    const s = await scene(
      'real-file',
      // sed -i writes a new file and renames it over the old one (a new inode), then the fix fails.
      "sed -i 's/8080/9090/' real/conf.real; exit 3",
      ['real/conf.real'],
    );
    const err = await failureOf(remedy('pattern_fix').run(s.f, remedyContext(s.run.ctx, s.check)));
    expect(err.message).toBe(
      "Pattern fix 'conf_fix' did not work (fix command exit 3); restored 1 file from backup",
    );
    expect(lstatSync(`${s.dir}/conf.txt`).isSymbolicLink()).toBe(true);
    expect(readFileSync(`${s.dir}/conf.txt`, 'utf8')).toBe(CONF);
    expect(readdirSync(backupRoot)).toEqual([]);
  });

  it('a fix that puts a link where a backed-up file was: the restore replaces the link, never writes through it', async () => {
    const s = await scene(
      'link-planted',
      // The fix turns real/conf.real into a link to a file outside: a restore must not overwrite that one.
      'printf outside > outside.txt && rm real/conf.real && ln -s ../outside.txt real/conf.real; exit 1',
      ['real/conf.real'],
    );
    await failureOf(remedy('pattern_fix').run(s.f, remedyContext(s.run.ctx, s.check)));
    expect(lstatSync(`${s.dir}/real/conf.real`).isFile()).toBe(true);
    expect(readFileSync(`${s.dir}/real/conf.real`, 'utf8')).toBe(CONF);
    expect(readFileSync(`${s.dir}/outside.txt`, 'utf8')).toBe('outside');
    expect(readdirSync(backupRoot)).toEqual([]);
  });

  it('a backup entry that is a directory is refused with a clear message and leaves no temp directory', async () => {
    const s = await scene('directory', 'touch fix-ran', ['real']);
    const err = await failureOf(remedy('pattern_fix').run(s.f, remedyContext(s.run.ctx, s.check)));
    expect(err.message).toBe(
      `Pattern fix 'conf_fix' not run: backup file ${s.dir}/real is not a regular file: \`backup\` lists files, not directories`,
    );
    expect(existsSync(`${s.dir}/fix-ran`)).toBe(false);
    expect(readdirSync(backupRoot)).toEqual([]);
  });

  it('a fix that works keeps its change and deletes its copies', async () => {
    const s = await scene(
      'success',
      "sed -i 's/8080/9090/' real/conf.real",
      ['real/conf.real'],
      'grep -q 9090 real/conf.real',
    );
    const ok = await remedy('pattern_fix').run(s.f, remedyContext(s.run.ctx, s.check));
    expect(ok.data).toMatchObject({ fixed: true, backed_up: [`${s.dir}/real/conf.real`] });
    expect(readFileSync(`${s.dir}/real/conf.real`, 'utf8')).toBe('listen: 9090\nworkers: 4\n');
    expect(readdirSync(backupRoot)).toEqual([]);
  });

  it("a run cancelled while the fix runs: the fix's cancel hook puts the file back and deletes the copies", async () => {
    const s = await scene(
      'cancelled',
      "printf 'half-written' > real/conf.real; touch fix-started; exec sleep 30",
      ['real/conf.real'],
    );
    // The engine's side of cancellation: the hooks remedies register, run when the run is stopped.
    const hooks = new Set<CancelHook>();
    s.run.ctx.onCancel = (hook) => {
      hooks.add(hook);
      return () => void hooks.delete(hook);
    };
    const running = failureOf(remedy('pattern_fix').run(s.f, remedyContext(s.run.ctx, s.check)));
    await until(async () => existsSync(`${s.dir}/fix-started`), 10_000, 'the fix to start');
    expect(readFileSync(`${s.dir}/real/conf.real`, 'utf8')).toBe('half-written');
    expect(readdirSync(backupRoot)).toHaveLength(1);

    // What a SIGTERM handler does: abort the run (the fix command is killed), then restore.
    const stopping = s.run.close();
    expect(hooks.size).toBe(1);
    await Promise.all([...hooks].map((hook) => hook()));
    await stopping;
    expect(readFileSync(`${s.dir}/real/conf.real`, 'utf8')).toBe(CONF);
    expect(readdirSync(backupRoot)).toEqual([]);

    const err = await running;
    expect(err.message).toMatch(
      /^Pattern fix 'conf_fix' did not work \(fix command .*\); restored 1 file from backup$/,
    );
    expect(err.data).toMatchObject({ fixed: false, restored: [`${s.dir}/real/conf.real`] });
    // The fix unregistered its hook: nothing is left for a later cancellation to restore.
    expect(hooks.size).toBe(0);
    expect(readFileSync(`${s.dir}/real/conf.real`, 'utf8')).toBe(CONF);
  });
});
