// The redis target against a real Redis server in a container, and against a TCP listener that
// accepts and never answers: fast, bounded failures and password-free errors.
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, removeSuite, startRedis, type RedisFixture } from '../helpers/docker.js';
import { RedisTarget, globToRegExp } from '../../src/targets/redis/index.js';

const SUITE = 'datastore-redis-target';
let r: RedisFixture;

beforeAll(async () => {
  r = await startRedis({
    name: 'oxd-redis-target',
    port: 56301,
    suite: SUITE,
    password: 'redis-Secret-Pa55',
  });
}, 60_000);
afterAll(async () => {
  await removeSuite(SUITE);
});

describe('RedisTarget', () => {
  it('answers PING and GET', async () => {
    const t = new RedisTarget(r.url);
    try {
      expect(await t.ping()).toBe('PONG');
      await docker(
        'exec',
        r.name,
        '/usr/bin/redis-cli',
        '-a',
        r.password ?? '',
        '--no-auth-warning',
        '-p',
        String(r.port),
        'SET',
        'hb',
        '42',
      );
      expect(await t.get('hb')).toBe('42');
      expect(await t.get('missing')).toBeNull();
      const mem = await t.memory();
      expect(mem.usedMemory).toBeGreaterThan(0);
      expect(mem.maxmemory).toBe(0);
      expect(mem.percent).toBeNull();
    } finally {
      await t.close();
    }
  });

  it('fails within its timeout against a server that accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((res) => server.listen(56399, '127.0.0.1', res));
    const t = new RedisTarget('redis://:redis-Secret-Pa55@127.0.0.1:56399/0', {
      connectTimeoutMs: 800,
      commandTimeoutMs: 800,
    });
    try {
      const started = Date.now();
      const err = await t.ping().catch((e: unknown) => e as Error);
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(Error);
      expect(elapsed).toBeLessThan(800 * 2 + 500);
      expect((err as Error).message).toMatch(/127\.0\.0\.1:56399\/0/);
      expect((err as Error).message).not.toContain('redis-Secret-Pa55');
    } finally {
      await t.close();
      for (const s of sockets) s.destroy();
      await new Promise((res) => server.close(res));
    }
  });

  it('fails fast when nothing listens, and recovers once the server is back', async () => {
    const t = new RedisTarget(r.url, { connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    try {
      expect(await t.ping()).toBe('PONG');
      await docker('stop', '-t', '1', r.name);
      const started = Date.now();
      await expect(t.ping()).rejects.toThrow(/Redis 127\.0\.0\.1:56301\/0/);
      expect(Date.now() - started).toBeLessThan(2500);
      await docker('start', r.name);
      const back = await t.waitResponding(10_000);
      expect(back.ok).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('matches glob patterns as Redis does', () => {
    expect(globToRegExp('session:*').test('session:abc')).toBe(true);
    expect(globToRegExp('session:*').test('sessions:abc')).toBe(false);
    expect(globToRegExp('h?llo').test('hallo')).toBe(true);
    expect(globToRegExp('h[ae]llo').test('hillo')).toBe(false);
    expect(globToRegExp('h[^e]llo').test('hallo')).toBe(true);
    expect(globToRegExp('h[a-c]llo').test('hbllo')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
