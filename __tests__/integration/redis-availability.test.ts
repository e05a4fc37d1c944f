// redis_not_responding against real failures: a stopped Redis container (restarted), a server that
// accepts and never answers (a clear error within the timeout), a busy script (killed, never a
// restart; UNKILLABLE left to a person), a Redis loading its dataset (waited for, never restarted),
// and a wrong password (reported, no restart) — never showing the password.
import { Redis } from 'ioredis';
import { createServer, type Socket } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, inspect, removeSuite, startRedis } from '../helpers/docker.js';
import { redisCheck } from '../../src/checks/redis.js';
import { checkHarness, DATASTORE_RUN, OpenRuns } from '../helpers/context.js';
import { REMEDIES } from '../../src/healing/remedies/registry.js';

const SUITE = 'datastore-redis-availability';
const PASSWORD = 'Av4il:Secret/pw';
const clients: Redis[] = [];
const runs = new OpenRuns();

function setup(url: string, options: Record<string, unknown>, config: Record<string, unknown> = {}) {
  return runs.track(checkHarness(redisCheck, 'cache', options, { ...DATASTORE_RUN, config, redisUrl: url }));
}

function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 0, commandTimeout: 60_000 });
  c.on('error', () => undefined);
  clients.push(c);
  return c;
}

function leaks(text: string): string[] {
  return [PASSWORD, encodeURIComponent(PASSWORD)].filter((s) => text.includes(s));
}

async function untilReply(c: Redis, code: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const reply = await c.ping().catch((e: Error) => e.message);
    if (reply.startsWith(code)) return;
    if (Date.now() > end) throw new Error(`never saw ${code}; last reply ${reply}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

afterEach(async () => {
  await runs.closeAll();
  for (const c of clients.splice(0)) c.disconnect();
});

afterAll(async () => {
  await removeSuite(SUITE);
});

describe('redis_not_responding', () => {
  it('a stopped Redis container → restart_container → PING answers; no password anywhere', async () => {
    const r = await startRedis({ name: 'oxd-redis-down', port: 56320, suite: SUITE, password: PASSWORD });
    const s = setup(r.url, { container: r.name });
    expect((await s.check.run(s.ctx)).findings).toEqual([]);
    await docker('stop', '-t', '1', r.name);

    const started = Date.now();
    const run = await s.check.run(s.ctx);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(run.findings).toHaveLength(1);
    const f = run.findings[0];
    expect(f).toMatchObject({
      code: 'redis_not_responding',
      target: '127.0.0.1:56320/0',
      targetKey: 'redis:cache',
      params: { container: r.name },
      message: 'Redis 127.0.0.1:56320/0 not responding',
    });
    expect(f.manual).toBeUndefined();
    expect(f.action).toBeUndefined(); // the default: restart_container

    const result = await REMEDIES.get('restart_container')!.run(f, s.remedyCtx(f));
    const v = await s.check.verify!(f, s.ctx, 15_000);
    expect(v).toEqual({ ok: true, detail: 'Redis now responding' });
    expect((await inspect(r.name)).State.Running).toBe(true);
    expect(await client(r.url).ping()).toBe('PONG');
    expect(leaks(JSON.stringify({ run, result, v }))).toEqual([]);
  });

  it('a server that accepts and never answers → a clear error within the configured timeouts', async () => {
    const sockets: Socket[] = [];
    const server = createServer((sock) => sockets.push(sock));
    await new Promise<void>((res) => server.listen(56398, '127.0.0.1', res));
    try {
      const url = `redis://:${encodeURIComponent(PASSWORD)}@127.0.0.1:56398/0`;
      const s = setup(url, {});
      const { connectTimeoutMs, commandTimeoutMs } = s.ctx.targets.redis().timeouts;
      const started = Date.now();
      const run = await s.check.run(s.ctx);
      const elapsed = Date.now() - started;
      expect(sockets.length).toBeGreaterThan(0); // it did connect: the silence is what failed
      // Correctness bound: connect + one command at most, plus slack.
      expect(elapsed).toBeLessThan(connectTimeoutMs + commandTimeoutMs + 1_000);
      const f = run.findings[0];
      expect(f.code).toBe('redis_not_responding');
      expect(String(f.evidence.error)).toMatch(/^Redis 127\.0\.0\.1:56398\/0: (connect|PING) failed: /);
      expect(f.manual).toMatch(/no Redis container configured/);
      expect(leaks(JSON.stringify(run))).toEqual([]);
    } finally {
      for (const sock of sockets) sock.destroy();
      await new Promise((res) => server.close(res));
    }
  });

  it('a wrong password is reported for a person, never a restart', async () => {
    const r = await startRedis({ name: 'oxd-redis-auth', port: 56321, suite: SUITE, password: PASSWORD });
    const wrong = `redis://:${encodeURIComponent('Wr0ng-pw-123')}@127.0.0.1:${r.port}/0`;
    const s = setup(wrong, { container: r.name });
    const run = await s.check.run(s.ctx);
    const f = run.findings[0];
    expect(f.code).toBe('redis_not_responding');
    if (!f.manual) throw new Error(JSON.stringify(f));
    expect(f.manual).toMatch(/refused Orixoon \(WRONGPASS\)/);
    expect(f.params).toBeUndefined();
    expect(JSON.stringify(run)).not.toContain('Wr0ng-pw-123');
  });

  it('BUSY → kill_busy_script kills the script (no restart); UNKILLABLE is left to a person', async () => {
    const r = await startRedis({
      name: 'oxd-redis-busy',
      port: 56322,
      suite: SUITE,
      extraArgs: ['--busy-reply-threshold', '100'],
    });
    const before = await inspect(r.name);
    const c = client(r.url);
    await c.set('data', 'kept');
    const runaway = client(r.url);
    const script = runaway.eval('while true do end', 0).catch((e: Error) => e.message);
    const probe = client(r.url);
    await untilReply(probe, 'BUSY');

    const s = setup(r.url, { container: r.name });
    const run = await s.check.run(s.ctx);
    const f = run.findings[0];
    expect(f).toMatchObject({ code: 'redis_not_responding', action: 'kill_busy_script' });
    expect(f.message).toMatch(/busy running a script \(BUSY\)/);
    const result = await REMEDIES.get('kill_busy_script')!.run(f, s.remedyCtx(f));
    expect(result.details).toBe('Killed the busy script; Redis responding again');
    expect(await script).toMatch(/killed by user|SCRIPT KILL/i);
    expect((await s.check.verify!(f, s.ctx, 5_000)).ok).toBe(true);
    expect(await c.get('data')).toBe('kept');

    // A script that has written cannot be killed: reported, nothing else tried.
    const writer = client(r.url);
    void writer.eval("redis.call('SET', 'w', '1') while true do end", 0).catch(() => undefined);
    await untilReply(probe, 'BUSY');
    const f2 = (await s.check.run(s.ctx)).findings[0];
    expect(f2.action).toBe('kill_busy_script');
    const err = await REMEDIES.get('kill_busy_script')!
      .run(f2, s.remedyCtx(f2))
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/UNKILLABLE.*a person must decide/);
    const after = await inspect(r.name);
    expect(after.State.StartedAt).toBe(before.State.StartedAt); // never restarted
    expect(after.State.Running).toBe(true);
  });

  it('LOADING → waited for within the stabilization time, reported (never restarted) when it takes longer', async () => {
    const r = await startRedis({
      name: 'oxd-redis-loading',
      port: 56323,
      suite: SUITE,
      extraArgs: ['--enable-debug-command', 'yes', '--dir', '/tmp', '--rdbcompression', 'no'],
    });
    const before = await inspect(r.name);
    const c = client(r.url);
    await c.call('DEBUG', 'POPULATE', '1500000', 'key', '10');
    await c.call('SAVE');
    const reload = () => {
      const loader = client(r.url);
      return loader.call('DEBUG', 'RELOAD', 'NOSAVE').catch((e: Error) => e.message);
    };

    // Loading shorter than the stabilization time: the check waits, then passes.
    let loading = reload();
    await untilReply(c, 'LOADING');
    const patient = setup(
      r.url,
      { container: r.name },
      { auto_healing: { stabilization_timeout_seconds: 60 } },
    );
    const run = await patient.check.run(patient.ctx);
    expect(run.findings).toEqual([]);
    expect(run.summary).toMatch(/finished loading after \d+\.\ds/);
    await loading;

    // Loading longer than the stabilization time: reported for a person, not healable, no restart.
    loading = reload();
    await untilReply(c, 'LOADING');
    const hasty = setup(
      r.url,
      { container: r.name },
      { auto_healing: { stabilization_timeout_seconds: 0.1 } },
    );
    const run2 = await hasty.check.run(hasty.ctx);
    const f = run2.findings[0];
    expect(f).toMatchObject({ code: 'redis_not_responding' });
    expect(f.message).toMatch(/still loading its dataset \(LOADING\)/);
    expect(f.manual).toMatch(/restart would start the load over/);
    expect(f.params).toBeUndefined();
    await loading;
    expect((await inspect(r.name)).State.StartedAt).toBe(before.State.StartedAt);
    expect(await c.dbsize()).toBe(1_500_000);
  });
});
