// Real processes for the run-time tests: the built CLI and action (dist/) started as the runner or a
// user starts them, signalled, and their files read afterwards; process groups read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunReport } from '../../src/report/model.js';

export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export function requireDist(): void {
  for (const f of ['index.js', 'cli.js', 'post.js']) {
    if (!existsSync(join(DIST, f))) throw new Error(`dist/${f} is missing: run \`npm run build\` first`);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Epoch ms the process exited. */
  at: number;
}

/** A node process started on a dist/ entry, its output collected. */
export class NodeProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;

  constructor(entry: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(process.execPath, [join(DIST, entry), ...args], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (c: Buffer) => (this.stdout += c.toString('utf8')));
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString('utf8')));
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
    );
  }

  /** Kills it if it is still running (test cleanup). */
  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** The environment without the GitHub Actions variables of whatever runs the tests. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      !k.startsWith('GITHUB_') &&
      !k.startsWith('INPUT_') &&
      !k.startsWith('RUNNER_') &&
      !k.startsWith('STATE_')
    )
      env[k] = v;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

export interface ActionFiles {
  output: string;
  summary: string;
  state: string;
}

/** The runner's files and variables for one action step in `dir`, and the step's inputs. */
export function actionEnv(
  dir: string,
  inputs: Record<string, string>,
  extra: NodeJS.ProcessEnv = {},
): { env: NodeJS.ProcessEnv; files: ActionFiles } {
  const files = {
    output: join(dir, 'github_output'),
    summary: join(dir, 'step_summary'),
    state: join(dir, 'github_state'),
  };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const env = cleanEnv({
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_STATE: files.state,
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SHA: 'a'.repeat(40),
    RUNNER_TEMP: dir,
    ...extra,
  });
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  return { env, files };
}

/** name<<DELIMITER\nvalue\nDELIMITER blocks (GITHUB_OUTPUT, GITHUB_STATE); a later value wins. */
export function readCommandFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]!] = m[3]!;
  return out;
}

/** The post step's environment: the main step's state as STATE_<name>, the same inputs. */
export function postEnv(mainEnv: NodeJS.ProcessEnv, stateFile: string): NodeJS.ProcessEnv {
  const env = { ...mainEnv };
  for (const [k, v] of Object.entries(readCommandFile(stateFile))) env[`STATE_${k}`] = v;
  return env;
}

/** Pids of the live (non-zombie) processes in a process group. */
export function liveGroupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp …; comm may hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

export async function waitFor(what: string, ok: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The one report.json under a report directory (its timestamped folders). */
export function onlyReport(reportDir: string): { path: string; report: RunReport } {
  const found = readdirSync(reportDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('report.json'),
  );
  if (found.length !== 1) throw new Error(`expected one report.json in ${reportDir}, found ${found.length}`);
  const path = join(reportDir, found[0]!);
  return { path, report: JSON.parse(readFileSync(path, 'utf8')) as RunReport };
}
