// The README's first command ends in `node dist/cli.js demo`: the built CLI starts the demo stack,
// breaks it, and heals every phase. This runs exactly that.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { dockerOk } from '../helpers/docker.js';

test('orixoon demo: every phase of the default config fails and heals, and the stack is removed', async () => {
  const r = spawnSync(process.execPath, ['dist/cli.js', 'demo'], {
    encoding: 'utf8',
    timeout: 280_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const out = r.stdout + r.stderr;
  expect(r.status, out).toBe(0);
  const phases = out.split(/━━ Phase \d\/5: /).slice(1);
  expect(phases.map((p) => p.split(' ')[0])).toEqual([
    'infrastructure',
    'data',
    'workers',
    'integrations',
    'application',
  ]);
  for (const p of phases) {
    expect(p, p).toMatch(/❌ /);
    expect(p, p).toMatch(/✅ HEALED: /);
    expect(p, p).toMatch(/✓ Re-test: /);
  }
  expect(out).toMatch(/Deployment: ALLOWED \(healed 6 findings\)/);
  const reportPath = /Report: (\S+report\.json)/.exec(out)![1]!;
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  expect(report.verdict).toBe('healed');
  expect(report.auto_healing.summary).toMatchObject({ total_actions: 6, successful: 6, failed: 0 });
  expect(out).not.toContain('demo-Secret-pw');
  expect(readFileSync(reportPath, 'utf8')).not.toContain('demo-Secret-pw');
  for (const n of ['redis', 'db', 'app', 'worker'])
    expect(await dockerOk('inspect', `orixoon-demo-${n}`)).toBe(false);
}, 300_000);
