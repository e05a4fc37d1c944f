// Connections to the systems Orixoon talks to, created lazily and owned for one run. Each target
// module is the only place that talks to its system; it knows nothing of policy.
import type { Redactor } from '../support/redact.js';
import { DockerTarget, type DockerSettings } from './docker/index.js';
import { PostgresTarget } from './postgres/index.js';
import { RedisTarget } from './redis/index.js';

export interface TargetSettings {
  docker: DockerSettings;
  postgresUrl?: string;
  redisUrl?: string;
}

export class Targets {
  private dockerTarget?: DockerTarget;
  private readonly pg = new Map<string, PostgresTarget>();
  private readonly redisTargets = new Map<string, RedisTarget>();

  readonly settings: TargetSettings;
  readonly redactor: Redactor;
  constructor(settings: TargetSettings, redactor: Redactor) {
    this.settings = settings;
    this.redactor = redactor;
  }

  docker(): DockerTarget {
    this.dockerTarget ??= new DockerTarget(this.settings.docker);
    return this.dockerTarget;
  }

  /** One PostgreSQL session per URL per run, shared by every check and remedy. */
  postgres(url = this.settings.postgresUrl): PostgresTarget {
    if (!url)
      throw new Error(
        "No PostgreSQL URL: set targets.postgres.url, the check's url, or the postgres-url input",
      );
    let t = this.pg.get(url);
    if (!t) {
      this.redactor.add(url);
      t = new PostgresTarget(url);
      this.pg.set(url, t);
    }
    return t;
  }

  /** One Redis client per URL per run. */
  redis(url = this.settings.redisUrl): RedisTarget {
    if (!url) throw new Error("No Redis URL: set targets.redis.url, the check's url, or the redis-url input");
    let t = this.redisTargets.get(url);
    if (!t) {
      this.redactor.add(url);
      t = new RedisTarget(url);
      this.redisTargets.set(url, t);
    }
    return t;
  }

  /** Closes every connection; safe to call twice. Each close is bounded, so a peer that never answers cannot hold the run. */
  async close(): Promise<void> {
    const all: Array<{ close(): Promise<void> }> = [...this.pg.values(), ...this.redisTargets.values()];
    if (this.dockerTarget) all.push(this.dockerTarget);
    this.pg.clear();
    this.redisTargets.clear();
    this.dockerTarget = undefined;
    await Promise.allSettled(
      all.map((t) => Promise.race([t.close(), new Promise<void>((r) => setTimeout(r, 2000).unref())])),
    );
  }
}
