// No config file (or the seeds' healing_config.json, which has no phases): every container on the
// Docker host is checked, grouped by Compose project, with dependencies from Compose's labels.
// Dry run / auto-heal off only: a discovered run sees every container on the machine.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Redactor } from '../../src/support/redact.js';
import { runSession } from '../../src/session.js';
import { docker, inspect, removeSuite, runContainer, SLEEP_FOREVER } from '../helpers/docker.js';
import { tempDir } from '../helpers/engine.js';

const SUITE = 'engine-discovered';
const compose = (service: string, dependsOn?: string) => ({
  'com.docker.compose.project': 'oxe-disc',
  'com.docker.compose.service': service,
  ...(dependsOn ? { 'com.docker.compose.depends_on': dependsOn } : {}),
});

beforeAll(async () => {
  await removeSuite(SUITE);
  await runContainer({ name: 'oxe-disc-db', suite: SUITE, cmd: SLEEP_FOREVER, labels: compose('db') });
  await runContainer({
    name: 'oxe-disc-app',
    suite: SUITE,
    cmd: SLEEP_FOREVER,
    labels: compose('app', 'db:service_healthy:true'),
  });
  await docker('stop', '-t', '0', 'oxe-disc-db');
});
afterAll(() => removeSuite(SUITE));

async function session(dir: string, configPath?: string) {
  const lines: string[] = [];
  const r = await runSession({
    configPath,
    configIsDefault: configPath === undefined,
    cwd: dir,
    reportDir: join(dir, 'reports'),
    redactor: new Redactor(),
    dryRun: true,
    timeoutSeconds: 120,
    sinks: { line: (t) => lines.push(t) },
  });
  return { ...r, console: lines.join('\n') };
}

test('without a config file: containers grouped by Compose project, depends_on from labels, the plan in a dry run', async () => {
  const dir = tempDir();
  const { report, summary } = await session(dir);
  expect(report.mode.discovered).toBe(true);
  expect(report.notes.join('\n')).toMatch(/discovered defaults: no config file/);
  expect(summary).toMatch(/discovered defaults/);
  const phase = report.phases.find((p) => p.name === 'compose:oxe-disc')!;
  expect(phase.checks.map((c) => c.id).sort()).toEqual(['oxe-disc-app', 'oxe-disc-db']);
  expect(phase.checks.find((c) => c.id === 'oxe-disc-app')!.dependsOn).toEqual(['oxe-disc-db']);
  const db = report.findings.find((f) => f.checkId === 'oxe-disc-db')!;
  expect(db).toMatchObject({ code: 'container_not_running', outcome: 'dry_run', action: 'start_container' });
  expect((await inspect('oxe-disc-db')).State.Running).toBe(false);
});

test("the seeds' healing_config.json unchanged: discovered checks with its policy (its action names)", async () => {
  const dir = tempDir();
  copyFileSync(join(__dirname, '../fixtures/healing_config.json'), join(dir, 'healing_config.json'));
  const { report } = await session(dir, 'healing_config.json');
  expect(report.mode).toMatchObject({ discovered: true, configPath: join(dir, 'healing_config.json') });
  expect(report.notes.join('\n')).toMatch(/configures no phases/);
  const db = report.findings.find((f) => f.checkId === 'oxe-disc-db')!;
  expect(db).toMatchObject({ outcome: 'dry_run', action: 'restart_container' });
  expect((await inspect('oxe-disc-db')).State.Running).toBe(false);
});
