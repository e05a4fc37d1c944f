// Remedies that run the user's own commands on the runner: a command check's heal command, and a
// log pattern's fix command (with file backups that are restored when the fix does not work).
import { constants as fsConstants } from 'node:fs';
import { copyFile, lstat, mkdtemp, readlink, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Finding, RemedyResult } from '../../core/types.js';
import type { RemedyContext, RemedyDeclaration } from './remedy.js';
import { describeEnd, formatSeconds, runShell } from '../../targets/exec.js';

/** A remedy failure that still carries counts for the report (e.g. `{pattern, fixed: false}`). */
export class RemedyFailure extends Error {
  constructor(
    message: string,
    readonly data: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RemedyFailure';
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && v > 0 ? v : undefined);

/** The command's own limit, never longer than the action's timeout or the run's deadline. */
function boundedTimeout(ownSeconds: number | undefined, ctx: RemedyContext): number {
  const own = (ownSeconds ?? 60) * 1000;
  return Math.max(1, Math.min(own, ctx.timeoutMs, ctx.deadline - Date.now()));
}

const tail = (output: string, n = 500) => output.trim().slice(-n);

export const runHealCommand: RemedyDeclaration = {
  action: 'run_heal_command',
  category: 'other',
  risk: 'medium',
  system: 'exec',
  describe(f) {
    return `Running heal command for '${f.checkId}'...`;
  },
  async run(f, ctx: RemedyContext): Promise<RemedyResult> {
    const opts = ctx.check.options;
    const heal = str(f.params?.heal) ?? str(opts.heal);
    if (!heal) throw new Error(`Command check '${f.checkId}' has no heal command: add \`heal\` to the check`);
    const timeoutMs = boundedTimeout(num(f.params?.timeout_seconds) ?? num(opts.timeout_seconds), ctx);
    const cwd = str(f.params?.cwd) ?? process.cwd();
    const r = await runShell(heal, {
      timeoutMs,
      cwd,
      env: ctx.env,
      signal: ctx.signal,
      processes: ctx.processes,
    });
    const data = { exit_code: r.exitCode, timed_out: r.timedOut, duration_ms: r.durationMs };
    if (r.exitCode !== 0 || r.timedOut || r.aborted) {
      throw new RemedyFailure(
        `Heal command for '${f.checkId}' failed (${describeEnd(r, timeoutMs)})${r.output ? `: ${tail(r.output)}` : ''}`,
        data,
      );
    }
    return { details: `Heal command completed (exit 0 in ${formatSeconds(r.durationMs)})`, data };
  },
};

interface Backup {
  file: string;
  /** Copy in the backup directory; undefined when the file did not exist before the fix. */
  copy?: string;
}

export interface RestoreResult {
  restored: string[];
  failed: Array<{ file: string; error: string }>;
  /** Where the copies stay when a file could not be put back (nothing stays otherwise). */
  keptIn?: string;
}

/**
 * The files a pattern fix may change, copied before it runs. A fix that does not work, or a run that
 * is cancelled half-way (the run's cancel hook), puts them back; the copies are deleted once the
 * files are back or the fix is kept, so nothing of them stays in the temp directory.
 */
class BackupSet {
  private restoring?: Promise<RestoreResult>;
  private cancelled = false;

  private constructor(
    readonly dir: string,
    readonly backups: Backup[],
  ) {}

  /**
   * Copies every file; refuses (before anything is copied or run) a path that is a symbolic link or
   * not a regular file: a fix such as `sed -i` replaces a link with a file, and putting content back
   * would not bring the link back.
   */
  static async create(files: string[]): Promise<BackupSet> {
    for (const file of files) {
      const st = await lstat(file).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw new Error(`cannot read backup file ${file}: ${err.message}`, { cause: err });
      });
      if (st?.isSymbolicLink()) {
        const to = await readlink(file).catch(() => '?');
        throw new Error(
          `backup file ${file} is a symbolic link (to ${to}); fixes are not applied through links, because a restore could not put the link back: name the file it points to in \`backup\` and in the fix command`,
        );
      }
      if (st && !st.isFile())
        throw new Error(`backup file ${file} is not a regular file: \`backup\` lists files, not directories`);
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orixoon-backup-'));
    const set = new BackupSet(dir, []);
    try {
      for (const [i, file] of files.entries()) {
        const copy = path.join(dir, `${i}-${path.basename(file)}`);
        const copied = await copyFile(file, copy, fsConstants.COPYFILE_EXCL).then(
          () => true,
          (err: NodeJS.ErrnoException) => {
            if (err.code === 'ENOENT') return false;
            throw new Error(`cannot back up ${file}: ${err.message}`, { cause: err });
          },
        );
        set.backups.push(copied ? { file, copy } : { file });
      }
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    return set;
  }

  /** Puts every file back exactly as it was (once, however many callers ask) and drops the copies. */
  restore(): Promise<RestoreResult> {
    this.restoring ??= this.putBack();
    return this.restoring;
  }

  /** Restores because the run is being cancelled; the fix, if it still finishes, counts as failed. */
  cancel(): Promise<RestoreResult> {
    this.cancelled = true;
    return this.restore();
  }

  get wasCancelled(): boolean {
    return this.cancelled;
  }

  /** The fix is kept: the copies go. */
  async discard(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async putBack(): Promise<RestoreResult> {
    const restored: string[] = [];
    const failed: RestoreResult['failed'] = [];
    for (const b of this.backups) {
      try {
        await restoreOne(b);
        restored.push(b.file);
      } catch (err) {
        failed.push({ file: b.file, error: (err as Error).message });
      }
    }
    if (failed.length) return { restored, failed, keptIn: this.dir };
    await rm(this.dir, { recursive: true, force: true });
    return { restored, failed };
  }
}

/** One file back as it was: a link or other thing the fix put in its place is removed first. */
async function restoreOne(b: Backup): Promise<void> {
  const now = await lstat(b.file).catch(() => undefined);
  if (now?.isDirectory()) throw new Error(`${b.file} is now a directory; left as it is`);
  // copyFile onto a link would write through it; a regular file is rewritten in place (same inode).
  if (now && !now.isFile()) await unlink(b.file);
  if (b.copy) await copyFile(b.copy, b.file);
  else if (now) await rm(b.file, { force: true });
}

const plural = (n: number) => `${n} file${n === 1 ? '' : 's'}`;

function describeRestore(r: RestoreResult): string {
  const parts: string[] = [];
  if (r.restored.length) parts.push(`restored ${plural(r.restored.length)} from backup`);
  if (r.failed.length)
    parts.push(
      `could not restore ${r.failed.map((f) => `${f.file} (${f.error})`).join(', ')}: backups kept in ${r.keptIn}`,
    );
  return parts.join('; ');
}

export const patternFix: RemedyDeclaration = {
  action: 'pattern_fix',
  category: 'other',
  risk: 'medium',
  system: 'exec',
  describe(f) {
    const name = str(f.params?.pattern) ?? str(f.evidence.pattern) ?? 'pattern';
    const files = Array.isArray(f.params?.backup) ? f.params.backup.length : 0;
    return `Applying fix for pattern '${name}'${files ? ` (backing up ${plural(files)})` : ''}...`;
  },
  async run(f: Finding, ctx: RemedyContext): Promise<RemedyResult> {
    const pattern = str(f.params?.pattern) ?? str(f.evidence.pattern) ?? 'pattern';
    const command = str(f.params?.run);
    if (!command)
      throw new RemedyFailure(`Pattern '${pattern}' has no fix command`, { pattern, fixed: false });
    const files = Array.isArray(f.params?.backup)
      ? f.params.backup.filter((b): b is string => typeof b === 'string')
      : [];
    const cwd = str(f.params?.cwd) ?? process.cwd();
    const started = Date.now();
    const timeoutMs = boundedTimeout(num(f.params?.timeout_seconds), ctx);

    let set: BackupSet;
    try {
      set = await BackupSet.create(files);
    } catch (err) {
      throw new RemedyFailure(`Pattern fix '${pattern}' not run: ${(err as Error).message}`, {
        pattern,
        fixed: false,
        restored: [],
      });
    }
    // A run stopped by a signal or the deadline puts the files back even if this fix never returns.
    const offCancel = ctx.onCancel?.(async () => {
      await set.cancel();
    });
    let failure: string | undefined;
    let retest = 'fix command exited 0';
    let exitCode: number | null = null;
    try {
      const r = await runShell(command, {
        timeoutMs,
        cwd,
        env: ctx.env,
        signal: ctx.signal,
        processes: ctx.processes,
      });
      exitCode = r.exitCode;
      if (r.exitCode !== 0 || r.timedOut || r.aborted) {
        failure = `fix command ${describeEnd(r, timeoutMs)}${r.output ? `: ${tail(r.output, 300)}` : ''}`;
      } else if (ctx.check.verify) {
        // Re-test the pattern now, so a fix that did not work is undone before anything else runs.
        const left = Math.max(1000, ctx.timeoutMs - (Date.now() - started));
        const v = await ctx.check.verify(f, ctx, left);
        retest = v.detail;
        if (!v.ok) failure = v.detail;
      }
      if (!failure && set.wasCancelled) failure = 'the run was cancelled while the fix ran';
    } catch (err) {
      offCancel?.();
      // Something unexpected (the re-test itself could not run): put the files back as they were.
      const restore = await set.restore();
      throw new RemedyFailure(
        `Pattern fix '${pattern}' failed: ${(err as Error).message}` +
          (files.length ? `; ${describeRestore(restore)}` : ''),
        { pattern, fixed: false, restored: restore.restored },
      );
    }
    offCancel?.();
    if (failure) {
      const restore = await set.restore();
      throw new RemedyFailure(
        `Pattern fix '${pattern}' did not work (${failure})` +
          (restore.restored.length || restore.failed.length ? `; ${describeRestore(restore)}` : ''),
        { pattern, fixed: false, restored: restore.restored },
      );
    }
    await set.discard();
    return {
      details: `Pattern fix '${pattern}' applied: ${retest}`,
      data: {
        pattern,
        fixed: true,
        exit_code: exitCode,
        backed_up: set.backups.filter((b) => b.copy).map((b) => b.file),
      },
    };
  },
};

export const commandRemedies: RemedyDeclaration[] = [runHealCommand, patternFix];
