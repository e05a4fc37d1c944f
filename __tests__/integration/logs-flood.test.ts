// A container that printed a million lines in the window: the logs check reads only the newest lines
// up to the log caps (Docker sends that tail, the body is streamed frame by frame), stays far below
// 256 MB, and says in the finding that the window was cut. Runs the built dist/cli.js (`npm run build`
// first) in a child process, so its peak memory is its own; ORIXOON_TEST_CLI points at another build.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeSuite, runContainer } from '../helpers/docker.js';
import { DockerTarget } from '../../src/targets/docker/index.js';
import { MAX_LOG_LINES } from '../../src/targets/logfile.js';
import { tempDir, until } from './workers-support.js';

const SUITE = 'logs-flood';
const FLOOD = 'oxw-logs-flood';
const LINES = 1_000_000;
const CLI = path.resolve(process.env.ORIXOON_TEST_CLI ?? 'dist/cli.js');

beforeAll(async () => {
  await removeSuite(SUITE);
  // `seq` from the host's binaries: one million short lines, then quiet.
  await runContainer({
    name: FLOOD,
    suite: SUITE,
    cmd: ['/bin/sh', '-c', `seq ${LINES}; exec sleep infinity`],
  });
  await until(
    async () => (await docker('logs', '--tail', '1', FLOOD)) === String(LINES),
    120_000,
    'the container to log a million lines',
  );
}, 180_000);

afterAll(() => removeSuite(SUITE));

describe('container logs with a million lines in the window', () => {
  it('the logs check keeps to the caps: peak memory under 256 MB, and the finding says the window was cut', () => {
    const dir = tempDir('logs-flood');
    // Numbers ending in 0000: 100 of the million, 10 among the newest 100,000 (900001…1000000).
    writeFileSync(
      `${dir}/orixoon.yml`,
      `phases:\n  - name: app\n    checks:\n      - { id: flood, type: logs, container: ${FLOOD}, error_pattern: '0000$', error_threshold: 5 }\n`,
    );
    writeFileSync(
      `${dir}/peak.mjs`,
      "import { writeFileSync } from 'node:fs';\n" +
        "process.on('exit', () => writeFileSync(process.env.PEAK_FILE, String(process.resourceUsage().maxRSS)));\n",
    );
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        `${dir}/peak.mjs`,
        CLI,
        'check',
        '--config',
        'orixoon.yml',
        '--report-dir',
        'out',
        '--json',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 120_000,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, PEAK_FILE: `${dir}/peak` },
      },
    );
    const peakMb = Number(readFileSync(`${dir}/peak`, 'utf8')) / 1024;
    console.log(`logs check over ${LINES} container lines: peak RSS ${peakMb.toFixed(0)} MB`);
    expect(r.signal).toBeNull();
    expect(peakMb).toBeLessThan(256);

    const report = JSON.parse(r.stdout) as {
      findings: Array<{ code: string; message: string; evidence: Record<string, unknown> }>;
    };
    expect(r.status).toBe(1);
    expect(report.findings).toHaveLength(1);
    const [f] = report.findings;
    expect(f!.code).toBe('high_error_rate');
    expect(f!.message).toBe(
      `High error rate in container ${FLOOD}: 10 errors in the newest 100,000 lines of the last 5 min ` +
        '(older lines not read: logs are capped at 100,000 lines / 16 MiB) (threshold 5)',
    );
    expect(f!.evidence).toMatchObject({
      errors: 10,
      capped: true,
      lines_read: MAX_LOG_LINES,
      sample: '1000000',
    });
  });

  it('readLogs: the newest lines within the caps, in order, and whether older ones were left out', async () => {
    const t = new DockerTarget({ timeoutMs: 30_000 });
    try {
      const capped = await t.readLogs(FLOOD, { sinceSeconds: 600, maxLines: 1000 });
      expect(capped.capped).toBe(true);
      expect(capped.lines).toHaveLength(1000);
      expect(capped.lines[0]).toBe(String(LINES - 999));
      expect(capped.lines.at(-1)).toBe(String(LINES));
      // A byte cap: the newest lines whose text fits in 70 bytes ("999990"…"1000000": 10 × 6 + 7).
      expect(await t.readLogs(FLOOD, { maxBytes: 70 })).toEqual({
        capped: true,
        lines: Array.from({ length: 11 }, (_, i) => String(999_990 + i)),
      });
      // An explicit tail within the caps is what the caller asked for, not a cut.
      expect(await t.readLogs(FLOOD, { tail: 3 })).toEqual({
        capped: false,
        lines: ['999998', '999999', '1000000'],
      });
      expect(await t.logs(FLOOD, { tail: 2 })).toEqual(['999999', '1000000']);
      // The read is bounded like every call: by its timeout and by the run's signal.
      await expect(t.readLogs(FLOOD, { timeoutMs: 1 })).rejects.toThrow(
        `no answer to logs of container '${FLOOD}' within 1 ms`,
      );
      await expect(t.readLogs(FLOOD, { signal: AbortSignal.abort() })).rejects.toThrow(
        `Docker logs of container '${FLOOD}' cancelled: the run's deadline passed`,
      );
      expect(await t.readLogs(FLOOD, { tail: 1 })).toEqual({ capped: false, lines: ['1000000'] });
    } finally {
      await t.close();
    }
  });
});
