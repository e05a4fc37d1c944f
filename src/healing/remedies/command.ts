// Remedies that run the user's own commands on the runner: a command check's heal command, and a
// log pattern's fix command (with file backups that are restored when the fix does not work).
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Finding, Remedy, RemedyContext, RemedyResult } from '../../engine/types.js';
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

export const runHealCommand: Remedy = {
  action: 'run_heal_command',
  category: 'other',
  describe(f) {
    return `Running heal command for '${f.checkId}'...`;
  },
  async run(f, ctx): Promise<RemedyResult> {
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

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

async function backUp(files: string[]): Promise<{ dir: string; backups: Backup[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'orixoon-backup-'));
  const backups: Backup[] = [];
  for (const [i, file] of files.entries()) {
    if (await exists(file)) {
      const copy = path.join(dir, `${i}-${path.basename(file)}`);
      await copyFile(file, copy);
      backups.push({ file, copy });
    } else {
      backups.push({ file });
    }
  }
  return { dir, backups };
}

/** Puts every backed-up file back exactly as it was (and removes files the fix created). */
async function restore(backups: Backup[]): Promise<string[]> {
  const restored: string[] = [];
  for (const b of backups) {
    if (b.copy) await copyFile(b.copy, b.file);
    else await rm(b.file, { force: true });
    restored.push(b.file);
  }
  return restored;
}

export const patternFix: Remedy = {
  action: 'pattern_fix',
  category: 'other',
  describe(f) {
    const name = str(f.params?.pattern) ?? str(f.evidence.pattern) ?? 'pattern';
    const files = Array.isArray(f.params?.backup) ? f.params.backup.length : 0;
    return `Applying fix for pattern '${name}'${files ? ` (backing up ${files} file${files === 1 ? '' : 's'})` : ''}...`;
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

    const { dir, backups } = await backUp(files);
    let keepBackups = false;
    try {
      const r = await runShell(command, {
        timeoutMs,
        cwd,
        env: ctx.env,
        signal: ctx.signal,
        processes: ctx.processes,
      });
      let failure: string | undefined;
      let retest = 'fix command exited 0';
      if (r.exitCode !== 0 || r.timedOut || r.aborted) {
        failure = `fix command ${describeEnd(r, timeoutMs)}${r.output ? `: ${tail(r.output, 300)}` : ''}`;
      } else if (ctx.check.verify) {
        // Re-test the pattern now, so a fix that did not work is undone before anything else runs.
        const left = Math.max(1000, ctx.timeoutMs - (Date.now() - started));
        const v = await ctx.check.verify(f, ctx, left);
        retest = v.detail;
        if (!v.ok) failure = v.detail;
      }
      if (failure) {
        const restored = await restore(backups);
        throw new RemedyFailure(
          `Pattern fix '${pattern}' did not work (${failure})` +
            (restored.length
              ? `; restored ${restored.length} file${restored.length === 1 ? '' : 's'} from backup`
              : ''),
          { pattern, fixed: false, restored },
        );
      }
      return {
        details: `Pattern fix '${pattern}' applied: ${retest}`,
        data: {
          pattern,
          fixed: true,
          exit_code: r.exitCode,
          backed_up: backups.filter((b) => b.copy).map((b) => b.file),
        },
      };
    } catch (err) {
      if (err instanceof RemedyFailure) throw err;
      // Something unexpected (the re-test itself could not run): put the files back as they were.
      const restoredOk = await restore(backups).then(
        () => true,
        () => false,
      );
      keepBackups = !restoredOk;
      const files = restoredOk
        ? 'files restored from backup'
        : `could not restore the files: backups kept in ${dir}`;
      throw new RemedyFailure(`Pattern fix '${pattern}' failed: ${(err as Error).message}; ${files}`, {
        pattern,
        fixed: false,
      });
    } finally {
      if (!keepBackups) await rm(dir, { recursive: true, force: true });
    }
  },
};

export const commandRemedies: Remedy[] = [runHealCommand, patternFix];
