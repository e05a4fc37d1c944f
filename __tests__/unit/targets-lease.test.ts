// The lease helpers every store shares, without any server: holders written and read back, and the
// bound on every call.
import { describe, expect, it } from 'vitest';
import {
  leaseHolderJson,
  newLeaseToken,
  parseLeaseHolder,
  withLeaseTimeout,
  type LeaseHolder,
} from '../../src/targets/lease.js';
import { dockerLeaseName } from '../../src/targets/docker/index.js';
import { redisLeaseKey } from '../../src/targets/redis/index.js';

describe('lease holders', () => {
  it('a run and a monitor process round-trip through their JSON, and only their fields are kept', () => {
    const run: LeaseHolder = { repository: 'org/app', workflow: 'deploy "prod"', runId: '9', attempt: 2 };
    const monitor: LeaseHolder = { host: 'box-1', pid: 77 };
    expect(parseLeaseHolder(leaseHolderJson(run))).toEqual(run);
    expect(parseLeaseHolder(leaseHolderJson(monitor))).toEqual(monitor);
    const extra = { host: 'box-1', pid: 77, secret: 'x' } as LeaseHolder;
    expect(leaseHolderJson(extra)).toBe('{"host":"box-1","pid":77}');
  });

  it('anything Orixoon did not write reads as no holder', () => {
    for (const text of [undefined, null, '', 'not json', '[]', '{"host":"a"}', '{"runId":1}', 'null'])
      expect(parseLeaseHolder(text)).toBeNull();
  });

  it('tokens are unique, and lease names are stable and safe for each system', () => {
    expect(newLeaseToken()).not.toBe(newLeaseToken());
    const name = dockerLeaseName('container:app/../x');
    expect(name).toMatch(/^orixoon-lease-[0-9a-f]{40}$/);
    expect(dockerLeaseName('container:app/../x')).toBe(name);
    expect(dockerLeaseName('container:other')).not.toBe(name);
    expect(redisLeaseKey('redis:cache')).toBe('orixoon:lease:redis:cache');
  });
});

describe('withLeaseTimeout', () => {
  it('passes an answer through and rejects, naming the call, when none comes in time', async () => {
    await expect(withLeaseTimeout('Redis x: lease k', 1000, Promise.resolve(42))).resolves.toBe(42);
    const started = Date.now();
    await expect(withLeaseTimeout('Redis x: lease k', 50, new Promise(() => {}))).rejects.toThrow(
      'Redis x: lease k did not finish within 50 ms',
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
