// `node dist/index.js` run the way the GitHub runner runs it: INPUT_* variables, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files, no PR. The built bundle itself is under test.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER } from '../helpers/docker.js';
import { tempDir } from '../helpers/engine.js';

const SUITE = 'action-dist';
const NAME = 'oxe-action-app';

beforeAll(() => removeSuite(SUITE));
afterAll(() => removeSuite(SUITE));

function runAction(dir: string, inputs: Record<string, string>, extraEnv: Record<string, string> = {}) {
  const output = join(dir, 'github_output');
  const summary = join(dir, 'step_summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    GITHUB_OUTPUT: output,
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_WORKSPACE: dir,
    GITHUB_REPOSITORY: 'org/app',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_SHA: 'a'.repeat(40),
    RUNNER_TEMP: dir,
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const r = spawnSync(process.execPath, [join(__dirname, '../../dist/index.js')], {
    cwd: dir,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  });
  const outputs: Record<string, string> = {};
  // GITHUB_OUTPUT uses name<<DELIMITER\nvalue\nDELIMITER blocks.
  const text = readFileSync(output, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1]!] = m[3]!;
  return { status: r.status, stdout: r.stdout, outputs, summary: readFileSync(summary, 'utf8') };
}

test('dist/index.js heals a stopped container and writes the outputs and the job summary', async () => {
  await runContainer({ name: NAME, suite: SUITE, cmd: SLEEP_FOREVER });
  await docker('stop', '-t', '0', NAME);
  const dir = tempDir();
  mkdirSync(join(dir, '.github'));
  writeFileSync(
    join(dir, '.github/orixoon.yml'),
    `phases:\n  - name: infrastructure\n    checks:\n      - { id: app, type: container, container: ${NAME} }\n`,
  );
  const r = runAction(dir, {
    'auto-heal': 'true',
    'github-token': 'ghs_dummytoken123456',
    'report-dir': 'out',
  });
  expect(r.status, r.stdout).toBe(0);
  expect(r.outputs).toMatchObject({
    status: 'healed',
    healed: '1',
    failed: '0',
    'awaiting-approval': '0',
    'success-rate': '100.0%',
  });
  const report = JSON.parse(readFileSync(r.outputs.report!, 'utf8'));
  expect(report.verdict).toBe('healed');
  expect(r.outputs.report).toContain(join(dir, 'out'));
  expect((await inspect(NAME)).State.Running).toBe(true);
  expect(r.summary).toMatch(/^> \[!TIP\]\n> ### 🩹 Orixoon pre-deployment: healed$/m);
  expect(r.summary).toMatch(/start_container/);
  expect(r.stdout).toMatch(/🔧 HEALING: Starting oxe-action-app container/);
  expect(r.stdout).toContain('::add-mask::ghs_dummytoken123456');
  expect(r.summary).not.toContain('ghs_dummytoken123456');
});

test('dist/index.js blocks with exit 1 when a finding stays broken, and on an invalid input', async () => {
  await runContainer({ name: NAME, suite: SUITE, cmd: SLEEP_FOREVER });
  await docker('stop', '-t', '0', NAME);
  const dir = tempDir();
  writeFileSync(
    join(dir, 'o.yml'),
    `phases:\n  - name: p\n    checks:\n      - { id: app, type: container, container: ${NAME} }\n`,
  );
  const dry = runAction(dir, { config: 'o.yml', 'dry-run': 'true' });
  expect(dry.status).toBe(1);
  expect(dry.outputs.status).toBe('blocked');
  expect(dry.stdout).toMatch(/::error::Deployment: BLOCKED/);
  expect(dry.summary).toMatch(/Dry-run plan/);
  expect((await inspect(NAME)).State.Running).toBe(false);
  // fail-on: never reports but does not fail the step.
  const never = runAction(dir, { config: 'o.yml', 'dry-run': 'true', 'fail-on': 'never' });
  expect(never.status).toBe(0);
  expect(never.outputs.status).toBe('blocked');
  const bad = runAction(dir, { config: 'o.yml', comment: 'sometimes' });
  expect(bad.status).toBe(1);
  expect(bad.stdout).toMatch(
    /Input comment must be one of always, on-failure, on-change, never, got "sometimes"/,
  );
  expect((await inspect(NAME)).State.Running).toBe(false);
});
