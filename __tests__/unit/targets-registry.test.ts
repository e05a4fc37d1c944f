// The registry of target factories and the typed view over it, without any server: targets are made
// on first use (no connection is opened until a call), so who gets which object can be checked here.
import { describe, expect, it } from 'vitest';
import { Redactor } from '../../src/support/redact.js';
import { DockerTarget } from '../../src/targets/docker/index.js';
import { Targets, type SystemTargets } from '../../src/targets/index.js';
import { PostgresTarget } from '../../src/targets/postgres/index.js';
import { RedisTarget } from '../../src/targets/redis/index.js';
import { TargetRegistry } from '../../src/targets/registry.js';

// Compile-time: each system's view is its target type, not `never`.
type IsNever<T> = [T] extends [never] ? true : false;
const dockerIsTyped: IsNever<SystemTargets['docker']> = false;
const postgresIsTyped: IsNever<SystemTargets['postgres']> = false;
void dockerIsTyped;
void postgresIsTyped;

class FakeTarget {
  closed = 0;
  constructor(
    readonly key: string,
    private readonly closeNever = false,
  ) {}
  close(): Promise<void> {
    this.closed++;
    return this.closeNever ? new Promise<void>(() => {}) : Promise.resolve();
  }
}

describe('TargetRegistry', () => {
  it('makes one target per system and key on first use, and the same one afterwards', () => {
    const made: string[] = [];
    const registry = new TargetRegistry(
      { fake: (key: string, ctx: { prefix: string }) => (made.push(ctx.prefix + key), new FakeTarget(key)) },
      { prefix: 'p:' },
    );
    const a = registry.get('fake', 'a');
    expect(registry.get('fake', 'a')).toBe(a);
    const b = registry.get('fake', 'b');
    expect(b).not.toBe(a);
    expect(b.key).toBe('b');
    expect(made).toEqual(['p:a', 'p:b']);
    expect(registry.keys('fake')).toEqual(['a', 'b']);
    expect(registry.systems).toEqual(['fake']);
  });

  it('a new system is one more factory', () => {
    const registry = new TargetRegistry(
      { one: (k: string) => new FakeTarget(`one:${k}`), two: (k: string) => new FakeTarget(`two:${k}`) },
      undefined,
    );
    expect(registry.get('one', 'x').key).toBe('one:x');
    expect(registry.get('two', 'x').key).toBe('two:x');
  });

  it('refuses a system without a factory, naming the registered ones', () => {
    const registry = new TargetRegistry({ fake: (k: string) => new FakeTarget(k) }, undefined);
    expect(() => registry.get('mysql' as 'fake', 'x')).toThrow(
      "No target factory for system 'mysql': registered are fake",
    );
  });

  it('a factory that throws leaves nothing cached: the next call tries again', () => {
    let fail = true;
    const registry = new TargetRegistry(
      {
        fake: (k: string) => {
          if (fail) throw new Error('bad settings');
          return new FakeTarget(k);
        },
      },
      undefined,
    );
    expect(() => registry.get('fake', 'a')).toThrow('bad settings');
    expect(registry.keys('fake')).toEqual([]);
    fail = false;
    expect(registry.get('fake', 'a').key).toBe('a');
  });

  it('close-all closes each target once, forgets them, and does not wait on one that never closes', async () => {
    const registry = new TargetRegistry(
      { fake: (k: string) => new FakeTarget(k, k === 'stuck') },
      undefined,
      50,
    );
    const a = registry.get('fake', 'a');
    const stuck = registry.get('fake', 'stuck');
    const started = Date.now();
    await registry.closeAll();
    expect(Date.now() - started).toBeLessThan(1000);
    expect([a.closed, stuck.closed]).toEqual([1, 1]);
    await registry.closeAll();
    expect([a.closed, stuck.closed]).toEqual([1, 1]);
    const again = registry.get('fake', 'a');
    expect(again).not.toBe(a);
  });
});

describe('Targets: the typed view', () => {
  const targets = (docker: ConstructorParameters<typeof Targets>[0]['docker'], redactor = new Redactor()) =>
    new Targets(
      { docker, postgresUrl: 'postgres://u:pw-one@db:5432/app', redisUrl: 'redis://cache:6379/0' },
      redactor,
    );

  it('the single-host form is one engine named default', () => {
    const t = targets({ host: 'tcp://127.0.0.1:2375', timeoutMs: 1000 });
    const d = t.docker();
    expect(d).toBeInstanceOf(DockerTarget);
    expect(d.hostName).toBe('default');
    expect(d.address).toBe('tcp://127.0.0.1:2375');
    expect(t.docker('default')).toBe(d);
    expect(() => t.docker('db')).toThrow(
      "Docker host 'db' is not configured: the configured host is 'default' — name it in targets.docker.hosts or drop docker_host",
    );
  });

  it('named hosts: each its own target from its own settings, knowing its name', () => {
    const t = targets({
      hosts: {
        app: { host: 'unix:///var/run/docker.sock', timeoutMs: 1000 },
        db: { host: 'tcp://127.0.0.2:2375', timeoutMs: 2000 },
      },
      default: 'app',
    });
    const app = t.docker('app');
    const db = t.docker('db');
    expect(app).not.toBe(db);
    expect([app.hostName, app.address]).toEqual(['app', 'unix:///var/run/docker.sock']);
    expect([db.hostName, db.address, db.settings.timeoutMs]).toEqual(['db', 'tcp://127.0.0.2:2375', 2000]);
    expect(t.docker()).toBe(app);
    expect(t.docker('db')).toBe(db);
  });

  it('the default host is the only one, else the one named default', () => {
    const only = targets({ hosts: { edge: { host: 'tcp://10.0.0.1:2375', timeoutMs: 1000 } } });
    expect(only.docker().hostName).toBe('edge');
    const named = targets({
      hosts: {
        app: { host: 'tcp://10.0.0.1:2375', timeoutMs: 1000 },
        default: { host: 'tcp://10.0.0.2:2375', timeoutMs: 1000 },
      },
    });
    expect(named.docker().hostName).toBe('default');
    expect(named.docker().address).toBe('tcp://10.0.0.2:2375');
  });

  it('an unknown or missing host is an error that names the configured hosts', () => {
    const t = targets({
      hosts: {
        app: { host: 'tcp://10.0.0.1:2375', timeoutMs: 1000 },
        db: { host: 'tcp://10.0.0.2:2375', timeoutMs: 1000 },
      },
    });
    expect(() => t.docker('edge')).toThrow(
      "Docker host 'edge' is not configured: the configured hosts are 'app', 'db' — use one of them or add it to targets.docker.hosts",
    );
    expect(() => t.docker()).toThrow(
      "Several Docker hosts are configured ('app', 'db') and none is the default: set docker_host on the check, targets.docker.default, or name one of them 'default'",
    );
    expect(() => t.docker('constructor')).toThrow("Docker host 'constructor' is not configured");
    const badDefault = targets({ hosts: { app: { timeoutMs: 1000 } }, default: 'db' });
    expect(() => badDefault.docker()).toThrow(
      "Docker host 'db' is not configured: the configured hosts are 'app'",
    );
    expect(() => targets({ hosts: {} }).docker()).toThrow(
      'No Docker host is configured: targets.docker.hosts is empty — add a host',
    );
  });

  it('PostgreSQL and Redis: one target per URL, the URL registered as a secret', () => {
    const redactor = new Redactor();
    const t = targets({ timeoutMs: 1000 }, redactor);
    const pg = t.postgres();
    expect(pg).toBeInstanceOf(PostgresTarget);
    expect(t.postgres('postgres://u:pw-one@db:5432/app')).toBe(pg);
    expect(t.postgres('postgres://u:pw-two@db:5432/other')).not.toBe(pg);
    expect(redactor.redact('postgres://u:pw-one@db:5432/app')).not.toContain('pw-one');
    const redis = t.redis();
    expect(redis).toBeInstanceOf(RedisTarget);
    expect(t.get('redis', 'redis://cache:6379/0')).toBe(redis);
    const none = new Targets({ docker: { timeoutMs: 1000 } }, new Redactor());
    expect(() => none.postgres()).toThrow(
      "No PostgreSQL URL: set targets.postgres.url, the check's url, or the postgres-url input",
    );
    expect(() => none.redis()).toThrow(
      "No Redis URL: set targets.redis.url, the check's url, or the redis-url input",
    );
  });

  it('close() closes every target made, once, and later calls make new ones', async () => {
    const t = targets({ hosts: { a: { timeoutMs: 1000 }, b: { timeoutMs: 1000 } }, default: 'a' });
    const a = t.docker('a');
    t.docker('b');
    const pg = t.postgres();
    await t.close();
    await t.close();
    expect(t.docker('a')).not.toBe(a);
    expect(t.postgres()).not.toBe(pg);
    await t.close();
  });
});
