// Memory across runs, through the built command line (dist/cli.js) as separate processes on a real
// container and real stores: a heal budget and a backoff that outlive a run, a flaky target escalated
// to approval, parallel runs that lose no history (SQLite file and PostgreSQL), and a store that
// cannot be reached, with and without state.required.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  docker,
  inspect,
  removeSuite,
  runContainer,
  SLEEP_FOREVER,
  startPostgres,
  type PostgresFixture,
} from '../helpers/docker.js';
import { tempDir } from '../helpers/engine.js';
import { freePort } from '../helpers/prometheus.js';
import { main as cli } from '../../src/cli.js';
import type { RunReport } from '../../src/report/model.js';
import { actionEnv, DIST, NodeProcess, onlyReport, requireDist } from './process-support.js';

const SUITE = 'state-runs';
const CLI = join(DIST, 'cli.js');
let pgf: PostgresFixture;

beforeAll(async () => {
  requireDist();
  await removeSuite(SUITE);
  pgf = await startPostgres({ name: 'oxs-runs-pg', port: 55491, suite: SUITE });
}, 120_000);
afterAll(async () => {
  await removeSuite(SUITE);
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: RunReport;
  summary: string;
}

/** `orixoon check --auto-heal --json` in `dir` as its own process; its report and summary.md. */
function check(dir: string, extra: string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const args = [
      CLI,
      'check',
      '--auto-heal',
      '--json',
      '--config',
      'orixoon.yml',
      '--report-dir',
      'reports',
    ];
    const child = spawn(process.execPath, [...args, ...extra], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      try {
        const report = JSON.parse(stdout) as RunReport;
        const reportLine = /Report: (.*report\.json)/.exec(stderr)?.[1];
        const summary = reportLine ? readFileSync(join(reportLine, '..', 'summary.md'), 'utf8') : '';
        resolve({ code, stdout, stderr, report, summary });
      } catch (e) {
        reject(new Error(`no report (exit ${code}): ${stderr}\n${String(e)}`));
      }
    });
  });
}

async function stoppedContainer(name: string): Promise<void> {
  await docker('stop', '-t', '0', name);
  expect((await inspect(name)).State.Running).toBe(false);
}

function containerConfig(dir: string, name: string, limits: string): void {
  writeFileSync(
    join(dir, 'orixoon.yml'),
    [
      'auto_healing: { stabilization_timeout_seconds: 10, retry_delay_seconds: 1 }',
      `safety_limits: { ${limits} }`,
      'phases:',
      '  - name: infrastructure',
      '    checks:',
      `      - { id: app, type: container, container: ${name} }`,
      '',
    ].join('\n'),
  );
}

describe('heal budget across runs', () => {
  it('a budget of 2 in 24 h holds across three process runs: the third is budget_exhausted and the container stays stopped', async () => {
    const name = 'oxs-budget';
    await runContainer({ name, suite: SUITE, cmd: SLEEP_FOREVER });
    const dir = tempDir();
    containerConfig(dir, name, 'max_heals_per_target: 2, budget_window_hours: 24, backoff_max_seconds: 0');
    const state = join(dir, 'state', 'state.db');

    for (const n of [1, 2]) {
      await stoppedContainer(name);
      const r = await check(dir, ['--state', state]);
      expect(r.code, `run ${n}: ${r.stderr}`).toBe(0);
      expect(r.report.verdict).toBe('healed');
      expect(r.report.findings).toMatchObject([{ code: 'container_not_running', outcome: 'healed' }]);
      expect((await inspect(name)).State.Running).toBe(true);
      expect(r.report.history).toMatchObject([
        { checkId: 'app', target: name, budget: { used: n, max: 2, left: 2 - n, windowHours: 24 } },
      ]);
    }

    await stoppedContainer(name);
    const third = await check(dir, ['--state', state]);
    expect(third.code).toBe(1);
    expect(third.report.verdict).toBe('blocked');
    const [f] = third.report.findings;
    expect(f).toMatchObject({ code: 'container_not_running', outcome: 'budget_exhausted', attempts: 0 });
    expect(f!.reason).toMatch(
      /^heal budget exhausted: healed 2 times in the last 24 h \(max_heals_per_target: 2\): /,
    );
    expect(f!.reason.match(/start_container healed/g)).toHaveLength(2);
    expect(f!.reason).toMatch(/fix the cause\. The next heal is allowed in /);
    expect(third.report.actions).toEqual([]);
    expect(third.summary).toContain('heal budget exhausted');
    // Nothing touched it: still stopped.
    expect((await inspect(name)).State.Running).toBe(false);

    // The file holds the three runs.
    const db = new DatabaseSync(state, { readOnly: true });
    try {
      expect(
        db
          .prepare('SELECT verdict FROM runs ORDER BY id')
          .all()
          .map((r) => r.verdict),
      ).toEqual(['healed', 'healed', 'blocked']);
    } finally {
      db.close();
    }
  }, 180_000);

  it('backoff across runs: a second heal within the backoff is limit_reached with "next heal allowed in"', async () => {
    const name = 'oxs-backoff';
    await runContainer({ name, suite: SUITE, cmd: SLEEP_FOREVER });
    const dir = tempDir();
    containerConfig(dir, name, 'cooldown_seconds: 600, backoff_max_seconds: 3600');
    const state = join(dir, 'state.db');

    await stoppedContainer(name);
    const first = await check(dir, ['--state', state]);
    expect(first.report.findings).toMatchObject([{ outcome: 'healed' }]);
    expect((await inspect(name)).State.Running).toBe(true);

    await stoppedContainer(name);
    const second = await check(dir, ['--state', state]);
    expect(second.code).toBe(1);
    expect(second.report.verdict).toBe('blocked');
    const [f] = second.report.findings;
    expect(f).toMatchObject({ outcome: 'limit_reached', attempts: 0 });
    expect(f!.reason).toMatch(/^next heal allowed in (9|10) min \(backoff 10 min after 1 heal in a row\)$/);
    expect(second.report.history).toMatchObject([{ target: name, next: 'backoff' }]);
    expect((await inspect(name)).State.Running).toBe(false);
  }, 180_000);
});

describe('the action', () => {
  it('keeps its history in the state-path file: the second run is budget_exhausted, the job summary shows the strip', async () => {
    const name = 'oxs-action';
    await runContainer({ name, suite: SUITE, cmd: SLEEP_FOREVER });
    const dir = tempDir();
    containerConfig(
      dir,
      name,
      'max_heals_per_target: 1, flaky_runs: 3, flaky_heals: 1, backoff_max_seconds: 0',
    );
    const state = join(dir, 'cache', 'orixoon.db');
    const step = async (n: number): Promise<{ report: RunReport; summary: string; code: number | null }> => {
      const reports = join(dir, `reports-${n}`);
      const { env, files } = actionEnv(dir, {
        config: 'orixoon.yml',
        'state-path': state,
        'report-dir': reports,
        comment: 'never',
      });
      const p = new NodeProcess('index.js', [], { cwd: dir, env });
      const exit = await p.exited;
      return {
        report: onlyReport(reports).report,
        summary: readFileSync(files.summary, 'utf8'),
        code: exit.code,
      };
    };

    await stoppedContainer(name);
    const first = await step(1);
    expect(first.code).toBe(0);
    expect(first.report.findings).toMatchObject([{ outcome: 'healed' }]);
    expect((await inspect(name)).State.Running).toBe(true);
    expect(first.summary).toContain('### 🔁 Flaky targets (1)');
    expect(first.summary).toMatch(/\| 🔧<br><sub>healed in 1 of 1 runs<\/sub> \| 0 of 1 left \(24 h\) \|/);

    await stoppedContainer(name);
    const second = await step(2);
    expect(second.code).toBe(1);
    expect(second.report.findings).toMatchObject([{ outcome: 'budget_exhausted', attempts: 0 }]);
    expect(second.summary).toContain('🪫&nbsp;heal budget exhausted');
    expect(second.summary).toContain('🔧❌');
    expect((await inspect(name)).State.Running).toBe(false);
    const db = new DatabaseSync(state, { readOnly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM runs').get()!.n).toBe(2);
    } finally {
      db.close();
    }
  }, 120_000);
});

describe('the monitor', () => {
  it('opens the default state file once for its cycles and serves the heal budget left per target', async () => {
    const dir = tempDir();
    const flag = join(dir, 'svc.ok');
    writeFileSync(
      join(dir, 'orixoon.yml'),
      [
        'auto_healing: { retry_delay_seconds: 0.1, stabilization_timeout_seconds: 2 }',
        'safety_limits: { max_heals_per_target: 3, cooldown_seconds: 0 }',
        'phases:',
        '  - name: p',
        '    checks:',
        `      - { id: svc, type: command, run: "test -f ${flag}", heal: "touch ${flag}" }`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    const stop = new AbortController();
    const out: string[] = [];
    const running = cli(
      [
        'monitor',
        '--config',
        'orixoon.yml',
        '--report-dir',
        'reports',
        '--interval',
        '3600',
        '--metrics-port',
        String(port),
      ],
      {
        out: (t) => out.push(t),
        err: (t) => out.push(t),
        env: process.env,
        cwd: dir,
        stopSignal: stop.signal,
      },
    );
    try {
      let text = '';
      for (let i = 0; i < 100 && !/orixoon_heal_budget_remaining\{/.test(text); i++) {
        await new Promise((r) => setTimeout(r, 200));
        text = await fetch(`http://127.0.0.1:${port}/metrics`).then(
          (r) => r.text(),
          () => '',
        );
      }
      expect(text).toMatch(/^orixoon_heal_budget_remaining\{check="svc",target="svc",host=""\} 2$/m);
      expect(existsSync(flag)).toBe(true);
    } finally {
      stop.abort();
      expect(await running).toBe(0);
    }
    const db = new DatabaseSync(join(dir, '.orixoon', 'state.db'), { readOnly: true });
    try {
      expect(
        db
          .prepare('SELECT verdict FROM runs')
          .all()
          .map((r) => r.verdict),
      ).toEqual(['healed']);
    } finally {
      db.close();
    }
  }, 60_000);
});

describe('flaky targets', () => {
  it('healed in 2 of its last 3 runs: its low-risk heal waits for approval, the summary shows its strip', async () => {
    const name = 'oxs-flaky';
    await runContainer({ name, suite: SUITE, cmd: SLEEP_FOREVER });
    const dir = tempDir();
    containerConfig(dir, name, 'flaky_runs: 3, flaky_heals: 2, backoff_max_seconds: 0');
    const state = join(dir, 'state.db');

    for (let i = 0; i < 2; i++) {
      await stoppedContainer(name);
      const r = await check(dir, ['--state', state]);
      expect(r.report.findings).toMatchObject([{ outcome: 'healed', risk: 'low' }]);
    }
    await stoppedContainer(name);
    const third = await check(dir, ['--state', state]);
    expect(third.code).toBe(1);
    const [f] = third.report.findings;
    expect(f).toMatchObject({ outcome: 'awaiting_approval', risk: 'high', attempts: 0 });
    expect(f!.reason).toBe('flaky: healed in 2 of its last 2 runs (🔧🔧); its actions need confirmation');
    expect(third.report.history).toMatchObject([
      { target: name, flaky: true, strip: '🔧🔧❌', healedRuns: 2, ofRuns: 3 },
    ]);
    expect(third.summary).toContain('### 🔁 Flaky targets (1)');
    expect(third.summary).toContain('🔧🔧❌');
    expect((await inspect(name)).State.Running).toBe(false);

    // Approved, it runs.
    const approved = await check(dir, ['--state', state, '--approve', 'app']);
    expect(approved.report.findings).toMatchObject([{ outcome: 'healed', risk: 'high' }]);
    expect((await inspect(name)).State.Running).toBe(true);
  }, 180_000);
});

const commandConfig = (extra = ''): string =>
  [
    extra,
    'phases:',
    '  - name: p',
    '    checks:',
    '      - { id: fine, type: command, run: "true" }',
    '      - { id: broken, type: command, run: "false" }',
    '',
  ].join('\n');

describe('parallel runs', () => {
  const PARALLEL = 4;

  it('runs writing one SQLite file at once all land', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'orixoon.yml'), commandConfig());
    const state = join(dir, 'shared.db');
    const runs = await Promise.all(Array.from({ length: PARALLEL }, () => check(dir, ['--state', state])));
    for (const r of runs) {
      expect(r.report.verdict).toBe('blocked');
      expect(r.report.notes.join('\n')).not.toMatch(/could not be recorded/);
    }
    const db = new DatabaseSync(state, { readOnly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n FROM runs').get()!.n).toBe(PARALLEL);
      expect(db.prepare('SELECT count(*) AS n FROM checks').get()!.n).toBe(2 * PARALLEL);
      expect(db.prepare('SELECT count(*) AS n FROM events').get()!.n).toBe(PARALLEL);
    } finally {
      db.close();
    }
  }, 120_000);

  it('runs writing one PostgreSQL store at once all land', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'orixoon.yml'), commandConfig());
    const runs = await Promise.all(
      Array.from({ length: PARALLEL }, () => check(dir, ['--state-url', pgf.url])),
    );
    for (const r of runs) {
      expect(r.report.notes.join('\n')).not.toMatch(/could not be|cannot be used/);
      expect(r.stdout).not.toContain(pgf.password);
    }
    const admin = new pg.Client({ connectionString: pgf.url });
    await admin.connect();
    try {
      const n = async (t: string): Promise<number> =>
        Number((await admin.query(`SELECT count(*) AS n FROM orixoon.${t}`)).rows[0].n);
      expect(await n('runs')).toBe(PARALLEL);
      expect(await n('checks')).toBe(2 * PARALLEL);
      expect(await n('events')).toBe(PARALLEL);
    } finally {
      await admin.end();
    }
  }, 120_000);
});

describe('a store that cannot be reached', () => {
  const DOWN = 'postgres://orixoon:state-Pa55@127.0.0.1:1/ops';

  it('is a warning in the report; the run goes on', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'orixoon.yml'), commandConfig().replace(/.*broken.*\n/, ''));
    const r = await check(dir, ['--state-url', DOWN]);
    expect(r.code).toBe(0);
    expect(r.report.verdict).toBe('passed');
    const note = r.report.notes.find((n) => n.includes('PostgreSQL state store'));
    expect(note).toMatch(/cannot be used: .*session limits still hold\.$/);
    expect(r.stdout + r.stderr + r.summary).not.toContain('state-Pa55');
    expect(r.summary).toContain('PostgreSQL state store');
    expect(r.report.history).toBeUndefined();
  }, 60_000);

  it('blocks with state.required: nothing is checked', async () => {
    const dir = tempDir();
    const flag = join(dir, 'ran');
    writeFileSync(
      join(dir, 'orixoon.yml'),
      [
        `state: { url: "${DOWN}", required: true }`,
        'phases:',
        '  - name: p',
        '    checks:',
        `      - { id: mark, type: command, run: "touch ${flag}" }`,
        '',
      ].join('\n'),
    );
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.report.verdict).toBe('blocked');
    expect(r.report.errors[0]).toMatch(
      /PostgreSQL state store .* cannot be used: .*state\.required is true: the run is blocked\.$/,
    );
    expect(r.report.headline).toMatch(/^Deployment: BLOCKED \(The PostgreSQL state store/);
    expect(r.stdout + r.stderr + r.summary).not.toContain('state-Pa55');
    expect(readdirSync(dir)).not.toContain('ran');
  }, 60_000);
});
