// A check type from outside the product (one file, one registry line) run by the real engine on a
// real container: its port is closed because the container is stopped, the declared remedy restarts
// the mapped container, the port answers again, and every report names the finding.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { registerCheckType } from '../../src/checks/registry.js';
import { tcpPortCheck } from '../fixtures/tcp-port-check.js';
import { docker, inspect, removeSuite, runContainer, waitFor } from '../helpers/docker.js';
import { outcomeOf, runWithConfig } from '../helpers/engine.js';

registerCheckType(tcpPortCheck);

const SUITE = 'tcp-port';
const NAME = 'oxt-tcp-cache';
const PORT = 57310;

/** Whether something accepts a TCP connection on 127.0.0.1:PORT now. */
function portAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(PORT, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

beforeAll(async () => {
  await removeSuite(SUITE);
  await runContainer({
    name: NAME,
    suite: SUITE,
    cmd: [
      '/usr/bin/redis-server',
      '--port',
      String(PORT),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ],
  });
  await waitFor(NAME, (i) => i.State.Running);
  for (let i = 0; i < 50 && !(await portAnswers()); i++) await new Promise((r) => setTimeout(r, 100));
});
afterAll(async () => {
  await removeSuite(SUITE);
});

describe('tcp_port check type, registered with one line', () => {
  test('a stopped container: port_closed, restart_container heals it, the port answers, every report names it', async () => {
    expect(await portAnswers()).toBe(true);
    await docker('stop', '-t', '0', NAME);
    expect(await portAnswers()).toBe(false);

    const r = await runWithConfig(
      `phases:\n  - name: network\n    checks:\n      - { id: cache-port, type: tcp_port, port: ${PORT}, container: ${NAME} }\n`,
    );

    expect(outcomeOf(r.report, 'cache-port', 'port_closed')).toBe('healed');
    expect(r.report.verdict).toBe('healed');
    const finding = r.report.findings.find((f) => f.code === 'port_closed')!;
    expect(finding).toMatchObject({ action: 'restart_container', risk: 'low', target: NAME });
    expect(r.report.actions).toHaveLength(1);
    expect(r.report.actions[0]).toMatchObject({ action: 'restart_container', checkId: 'cache-port' });

    // The real system afterwards: the container runs again and its port accepts connections.
    expect((await inspect(NAME)).State.Running).toBe(true);
    expect(await portAnswers()).toBe(true);

    for (const [where, text] of [
      ['report.json', r.reportJson],
      ['summary', r.summary],
      ['console', r.console],
    ] as const) {
      expect(text, where).toContain('cache-port');
      expect(text, where).toContain(`Port 127.0.0.1:${PORT} closed`);
    }
    for (const [where, text] of [
      ['report.json', r.reportJson],
      ['summary', r.summary],
      ['log', r.log],
    ] as const)
      expect(text, where).toContain('port_closed');
    expect(r.log).toContain('Re-test passed: cache-port');
    expect(JSON.parse(r.reportJson).findings[0]).toMatchObject({ code: 'port_closed', outcome: 'healed' });
    expect(r.summary).toContain('restart_container');
  });
});
