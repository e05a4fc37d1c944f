// The command check and its heal command, run for real through bash: exit codes, the output's tail
// as evidence, and timeouts that end the whole process group.
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { commandCheck } from '../../src/checks/command.js';
import { runShell } from '../../src/targets/exec.js';
import { checkOf, onlyFinding, OpenRuns, remedy, remedyContext } from '../helpers/context.js';
import { tempDir } from './workers-support.js';

const runs = new OpenRuns();
afterEach(() => runs.closeAll());
/** Whether a pid is a live (non-zombie) process. */
function alive(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

describe('command check', () => {
  it('passes on exit 0 and reports a non-zero exit with the output as evidence', async () => {
    const { ctx } = runs.open();
    const ok = await checkOf(commandCheck, 'ok', { run: 'echo fine; exit 0' }).run(ctx);
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatch(/^exit 0 in /);

    const bad = onlyFinding(
      (
        await checkOf(commandCheck, 'smoke', { run: 'echo "to stdout"; echo "to stderr" >&2; exit 3' }).run(
          ctx,
        )
      ).findings,
    );
    expect(bad.code).toBe('command_failed');
    expect(bad.message).toBe("Command check 'smoke' failed (exit 3)");
    expect(bad.targetKey).toBe('command:smoke');
    expect(bad.evidence.exit_code).toBe(3);
    expect(bad.evidence.output).toContain('to stdout');
    expect(bad.evidence.output).toContain('to stderr');
    expect(bad.manual).toMatch(/No heal command/);
    expect(bad.risk).toBe('medium');
  });

  it('keeps only the last ~2 KB of a long output', async () => {
    const { ctx } = runs.open();
    const f = onlyFinding(
      (await checkOf(commandCheck, 'chatty', { run: 'seq 1 20000; exit 1' }).run(ctx)).findings,
    );
    const out = String(f.evidence.output);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(2048);
    expect(out.trimEnd().endsWith('\n20000')).toBe(true);
    expect(f.evidence.output_truncated).toBe(true);
  });

  it('heals with the heal command, and the re-test passes', async () => {
    const { ctx } = runs.open();
    const dir = tempDir('command-heal');
    const check = checkOf(commandCheck, 'marker', {
      run: `test -f ${dir}/ready`,
      heal: `touch ${dir}/ready`,
      risk: 'low',
    });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.risk).toBe('low');
    expect(f.params).toMatchObject({ heal: `touch ${dir}/ready` });
    const heal = remedy('run_heal_command');
    expect(heal.category).toBe('other');
    expect(heal.describe(f)).toBe("Running heal command for 'marker'...");
    const result = await heal.run(f, remedyContext(ctx, check));
    expect(result.details).toMatch(/^Heal command completed \(exit 0 in /);
    expect(existsSync(`${dir}/ready`)).toBe(true);
    expect((await check.run(ctx)).findings).toEqual([]);
  });

  it('a failing heal command throws with its exit code and output', async () => {
    const { ctx } = runs.open();
    const check = checkOf(commandCheck, 'broken', { run: 'exit 1', heal: 'echo cannot fix >&2; exit 4' });
    const f = onlyFinding((await check.run(ctx)).findings);
    await expect(remedy('run_heal_command').run(f, remedyContext(ctx, check))).rejects.toThrow(
      "Heal command for 'broken' failed (exit 4): cannot fix",
    );
  });

  it('enforces timeout_seconds: a sleep 30 with timeout 1 s ends within seconds and its processes are gone', async () => {
    const { ctx } = runs.open();
    const dir = tempDir('command-timeout');
    const check = checkOf(commandCheck, 'hang', {
      // The shell and a grandchild it starts both record their pids.
      run: `echo $$ > ${dir}/shell.pid; sleep 30 & echo $! > ${dir}/child.pid; wait`,
      timeout_seconds: 1,
    });
    const started = Date.now();
    const f = onlyFinding((await check.run(ctx)).findings);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    expect(took).toBeLessThan(4000);
    expect(f.message).toBe("Command check 'hang' failed (timed out after 1s)");
    expect(f.evidence.timed_out).toBe(true);
    const shell = Number(readFileSync(`${dir}/shell.pid`, 'utf8'));
    const child = Number(readFileSync(`${dir}/child.pid`, 'utf8'));
    expect(alive(shell)).toBe(false);
    expect(alive(child)).toBe(false);
  });

  it('a process that ignores SIGTERM is killed after the grace period', async () => {
    const dir = tempDir('command-sigterm');
    const started = Date.now();
    const r = await runShell(`trap '' TERM; echo $$ > ${dir}/pid; while :; do sleep 0.1; done`, {
      timeoutMs: 500,
      killGraceMs: 500,
    });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(alive(Number(readFileSync(`${dir}/pid`, 'utf8')))).toBe(false);
  });

  it('the heal command has the same enforced timeout', async () => {
    const { ctx } = runs.open();
    const check = checkOf(commandCheck, 'slow-heal', { run: 'exit 1', heal: 'sleep 30', timeout_seconds: 1 });
    const f = onlyFinding((await check.run(ctx)).findings);
    const started = Date.now();
    await expect(remedy('run_heal_command').run(f, remedyContext(ctx, check))).rejects.toThrow(
      "Heal command for 'slow-heal' failed (timed out after 1s)",
    );
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('runs in cwd (relative to the config directory) with the run environment', async () => {
    const dir = tempDir('command-cwd');
    const r = runs.open({ baseDir: dir });
    r.ctx.env = { ...process.env, OXW_TEST_VALUE: 'from-env' };
    const check = checkOf(commandCheck, 'where', { run: 'pwd; echo $OXW_TEST_VALUE; exit 1', cwd: '.' });
    const f = onlyFinding((await check.run(r.ctx)).findings);
    expect(String(f.evidence.output)).toBe(`${dir}\nfrom-env\n`);
  });
});
