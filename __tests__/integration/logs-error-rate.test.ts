// The logs check on a real container's logs: 60 errors in the window → high_error_rate →
// restart_application → the re-test counts only what the new run logged.
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, inspect, removeSuite, runContainer, waitFor } from '../helpers/docker.js';
import { logsCheck } from '../../src/checks/logs.js';
import { checkOf, onlyFinding, OpenRuns, remedy, remedyContext } from '../helpers/context.js';
import { SUITE, tempDir, until } from './workers-support.js';

const APP = 'oxw-logs-app';
const runs = new OpenRuns();
beforeAll(async () => {
  // First start: 60 error lines (half on stderr), then quiet. Every later start logs one clean line.
  const state = tempDir('logs-app');
  writeFileSync(
    `${state}/app.sh`,
    `if [ ! -e /state/started ]; then
  touch /state/started
  for i in $(seq 1 60); do
    if [ $((i % 2)) = 0 ]; then echo "ERROR request $i failed: upstream timeout" >&2; else echo "ERROR request $i failed: upstream timeout"; fi
  done
fi
echo "INFO app started clean"
exec sleep infinity
`,
  );
  await runContainer({
    name: APP,
    suite: SUITE,
    cmd: ['/bin/bash', '/state/app.sh'],
    volumes: [`${state}:/state`],
    extraArgs: ['--stop-timeout', '1'],
  });
  await until(async () => (await docker('logs', APP)).includes('started clean'), 10_000, 'the app to log');
});

afterEach(() => runs.closeAll());

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('logs check: high error rate', () => {
  it('thresholds: the check option wins over healing_actions.high_error_rate.error_threshold; "above" means more than', async () => {
    const { ctx } = runs.open();
    const fromConfig = { healing_actions: { high_error_rate: { error_threshold: 70 } } };
    expect((await checkOf(logsCheck, 'a', { container: APP }, fromConfig).run(ctx)).findings).toEqual([]);
    expect(
      onlyFinding(
        (await checkOf(logsCheck, 'b', { container: APP, error_threshold: 50 }, fromConfig).run(ctx))
          .findings,
      ).code,
    ).toBe('high_error_rate');
    const exact = await checkOf(logsCheck, 'c', { container: APP, error_threshold: 60 }).run(ctx);
    expect(exact.findings).toEqual([]);
    expect(exact.summary).toBe('60 errors in the last 5 min (threshold 60)');
    const custom = checkOf(logsCheck, 'd', {
      container: APP,
      error_pattern: 'upstream timeout$',
      error_threshold: 59,
    });
    expect(onlyFinding((await custom.run(ctx)).findings).evidence.errors).toBe(60);
  });

  it('60 errors → high_error_rate → restart_application → re-test counts only lines since the restart', async () => {
    const { ctx } = runs.open();
    const check = checkOf(logsCheck, 'app-errors', { container: APP, window_minutes: 5 });
    const f = onlyFinding((await check.run(ctx)).findings);
    expect(f.code).toBe('high_error_rate');
    expect(f.message).toBe(`High error rate in container ${APP}: 60 errors in the last 5 min (threshold 50)`);
    expect(f.params).toEqual({ container: APP });
    expect(f.targetKey).toBe(`container:${APP}`);
    expect(f.evidence).toMatchObject({ errors: 60, threshold: 50 });
    expect(f.evidence.sample).toMatch(/^ERROR request \d+ failed: upstream timeout$/);

    const before = await inspect(APP);
    const restart = remedy('restart_application');
    expect(restart.describe(f)).toBe(`Restarting ${APP} container...`);
    await restart.run(f, remedyContext(ctx, check));
    const after = await waitFor(APP, (i) => i.State.Running);
    expect(after.State.StartedAt).not.toBe(before.State.StartedAt);

    const v = await check.verify!(f, ctx, 10_000);
    // The re-test watches the stabilization time and compares a rate: none since the restart.
    expect(v).toEqual({
      ok: true,
      detail: expect.stringMatching(
        /^Error rate normal: 0 errors in \d+s since restart \(≈0 per 5 min; threshold 50\)$/,
      ),
    });
    // The old errors are still in the container's log, but belong to the previous run.
    const all = await ctx.targets.docker().logs(APP);
    expect(all.filter((l) => l.startsWith('ERROR request')).length).toBe(60);
    const rerun = await check.run(ctx);
    expect(rerun.findings).toEqual([]);
    expect(rerun.summary).toBe('0 errors in the last 5 min (threshold 50)');
  });

  it('a logs check on a missing container cannot run (check error, not a pass)', async () => {
    const { ctx } = runs.open();
    await expect(checkOf(logsCheck, 'x', { container: 'oxw-no-such-app' }).run(ctx)).rejects.toThrow(
      "Container 'oxw-no-such-app' not found: check the logs check's `container`",
    );
  });
});
