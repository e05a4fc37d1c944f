// How the redis target reads a URL's database index, without a server: the URL it connects to never
// carries the index (so the client never SELECTs on its own), and a bad index is a clear error.
import { describe, expect, it } from 'vitest';
import { describeRedisUrl, parseRedisEndpoint, RedisTargetError } from '../../src/targets/redis/index.js';

function problemOf(url: string): RedisTargetError {
  try {
    parseRedisEndpoint(url);
  } catch (err) {
    if (err instanceof RedisTargetError) return err;
    throw err;
  }
  throw new Error(`expected ${url} to be refused`);
}

describe('parseRedisEndpoint', () => {
  it('takes the index out of the path or ?db=, keeping everything else', () => {
    expect(parseRedisEndpoint('redis://127.0.0.1:6379/3')).toEqual({
      connectUrl: 'redis://127.0.0.1:6379',
      db: 3,
    });
    expect(parseRedisEndpoint('redis://127.0.0.1:6379')).toEqual({
      connectUrl: 'redis://127.0.0.1:6379',
      db: 0,
    });
    expect(parseRedisEndpoint('redis://127.0.0.1:6379/')).toEqual({
      connectUrl: 'redis://127.0.0.1:6379',
      db: 0,
    });
    expect(parseRedisEndpoint('rediss://u:p%40ss@cache:6380/12?family=6')).toEqual({
      connectUrl: 'rediss://u:p%40ss@cache:6380?family=6',
      db: 12,
    });
    expect(parseRedisEndpoint('redis://h:1?db=7')).toEqual({ connectUrl: 'redis://h:1', db: 7 });
    expect(parseRedisEndpoint('redis://h:1/7?db=7')).toEqual({ connectUrl: 'redis://h:1', db: 7 });
    expect(parseRedisEndpoint('cache:6379/2')).toEqual({ connectUrl: 'redis://cache:6379', db: 2 });
    expect(parseRedisEndpoint('/run/redis.sock?db=4&x=1')).toEqual({
      connectUrl: '/run/redis.sock?x=1',
      db: 4,
    });
    expect(parseRedisEndpoint('/run/redis.sock')).toEqual({ connectUrl: '/run/redis.sock', db: 0 });
  });

  it('refuses an index that is not a whole number ≥ 0, saying what to fix, without the password', () => {
    for (const [url, shown] of [
      ['redis://:s3cret@h:1/x', 'x'],
      ['redis://:s3cret@h:1/-1', '-1'],
      ['redis://:s3cret@h:1/1.5', '1.5'],
      ['redis://:s3cret@h:1/1x', '1x'],
      ['redis://:s3cret@h:1/0/1', '0/1'],
      ['redis://:s3cret@h:1/ 1', '%201'],
      ['redis://:s3cret@h:1/99999999999999999999', '99999999999999999999'],
    ] as const) {
      const err = problemOf(url);
      expect(err.message).toContain(`the database index '${shown}' (URL path) is not a whole number ≥ 0`);
      expect(err.urlProblem).toMatch(/^the database index/);
      expect(err.message).not.toContain('s3cret');
    }
    expect(problemOf('redis://h:1?db=abc').urlProblem).toContain("the database index 'abc' (?db=)");
    expect(problemOf('/run/redis.sock?db=-2').urlProblem).toContain("the database index '-2' (?db=)");
    expect(problemOf('redis://h:1/2?db=3').urlProblem).toBe(
      'the URL names two databases (path /2, ?db=3): keep one',
    );
    expect(problemOf('http://h:1/2').urlProblem).toBe("the URL scheme 'http:' is not redis: or rediss:");
    const bad = problemOf('redis://:s3cret@h:1:2/0');
    expect(bad.urlProblem).toMatch(/does not parse/);
    expect(bad.message).not.toContain('s3cret');
  });

  it('names host:port/db for reports, for every URL form', () => {
    expect(describeRedisUrl('redis://:pw@10.0.0.5:6380/99')).toBe('10.0.0.5:6380/99');
    expect(describeRedisUrl('redis://h?db=4')).toBe('h:6379/4');
    expect(describeRedisUrl('cache:6379/2')).toBe('cache:6379/2');
    expect(describeRedisUrl('/run/redis.sock?db=3')).toBe('/run/redis.sock/3');
  });
});
