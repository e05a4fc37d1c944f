// Where a healing action's lease lives and how it is held: on the acted-on target's own system (a
// container's Docker engine, the PostgreSQL server, the Redis server), so every runner that can reach
// the target sees it. Taking, renewing and giving it up are here; whether to wait for a held lease is
// decided in policy.ts, and the waiting is done in heal.ts.
import { hostname } from 'node:os';
import { findingContainer, findingDockerHost } from '../core/finding.js';
import { postgresTargetFor } from '../checks/postgres.js';
import { redisTargetFor } from '../checks/redis.js';
import type { Check, Finding } from '../core/types.js';
import type { RunContext } from '../checks/check-type.js';
import { LEASE_CALL_TIMEOUT_MS, type LeaseHolder, type LeaseStore } from '../targets/lease.js';
import { SwarmClient, swarmHost } from '../targets/swarm.js';
import { SwarmLeaseStore } from '../targets/swarm-lease.js';
import { errorMessage } from '../support/abortable.js';
import { actsOn } from './policy.js';

export type LeaseSystem = 'docker' | 'postgres' | 'redis' | 'swarm';

/**
 * The system each action's lease is held on. `null`: no lease. A command (`run_heal_command`, a log
 * pattern's fix) acts on whatever its script touches, which Orixoon cannot see, so it has no system
 * to hold a lease on. An action missing here (a remedy registered elsewhere) goes by its target key.
 */
export const LEASE_SYSTEM: Readonly<Record<string, LeaseSystem | null>> = {
  start_container: 'docker',
  restart_container: 'docker',
  force_restart_container: 'docker',
  recreate_container: 'docker',
  restart_application: 'docker',
  restart_service: 'docker',
  restart_worker: 'docker',
  terminate_idle_connections: 'postgres',
  terminate_idle_transactions: 'postgres',
  cancel_blocking_queries: 'postgres',
  requeue_failed_items: 'postgres',
  move_to_dead_letter: 'postgres',
  reset_processing_status: 'postgres',
  flush_expiring_keys: 'redis',
  clear_expired_keys: 'redis',
  kill_busy_script: 'redis',
  run_heal_command: null,
  pattern_fix: null,
  // On the Swarm itself (a config object on the manager), so runners that reach different managers
  // of one Swarm still see each other's lease.
  force_update_service: 'swarm',
  rollback_service: 'swarm',
};

/** The system a target key names (`container:api`, `postgres:db`, `table:jobs`, `redis:cache`, `swarm-service:web@…`); null for others. */
export function systemOfKey(key: string): LeaseSystem | null {
  if (key.startsWith('container:')) return 'docker';
  if (key.startsWith('postgres:') || key.startsWith('table:')) return 'postgres';
  if (key.startsWith('redis:')) return 'redis';
  if (key.startsWith('swarm-service:')) return 'swarm';
  return null;
}

/** The holder this process writes: the workflow run under GitHub Actions, else this host and pid (the CLI, the monitor). */
export function leaseHolderFrom(
  env: NodeJS.ProcessEnv,
  host: string = hostname(),
  pid: number = process.pid,
): LeaseHolder {
  if (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? '1');
    return {
      repository: env.GITHUB_REPOSITORY,
      workflow: env.GITHUB_WORKFLOW ?? '',
      runId: env.GITHUB_RUN_ID,
      attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    };
  }
  return { host, pid };
}

/** The store an action's lease is taken in; null when the action has none (a command). */
export async function leaseStoreFor(
  action: string,
  f: Finding,
  check: Check,
  ctx: RunContext,
): Promise<LeaseStore | null> {
  const system = action in LEASE_SYSTEM ? LEASE_SYSTEM[action] : systemOfKey(actsOn(f));
  if (system === 'docker') {
    // The engine the remedy acts through (the finding's own when several are configured); the lease
    // object is made from the container's own image, which that engine surely has. It is looked up when
    // a lease object is first made: while another run recreates the container, its name is briefly
    // gone, and that run's lease must still be read (and waited for) rather than fail the lookup.
    const docker = ctx.targets.docker(findingDockerHost(f));
    return docker.leases(
      async () => (await docker.inspect(findingContainer(f), { signal: ctx.signal })).Image,
    );
  }
  if (system === 'postgres') return postgresTargetFor(check.options, ctx).leases();
  if (system === 'redis') return redisTargetFor(check.options, ctx).leases();
  if (system === 'swarm') {
    // The manager the finding was read from (the remedy acts through the same one).
    const host = typeof f.params?.host === 'string' ? f.params.host : undefined;
    const own = check.options.timeout_seconds;
    const timeoutMs = Math.min(
      typeof own === 'number' ? own * 1000 : LEASE_CALL_TIMEOUT_MS,
      LEASE_CALL_TIMEOUT_MS,
    );
    return new SwarmLeaseStore(new SwarmClient(swarmHost(host, ctx.env), timeoutMs), timeoutMs);
  }
  return null;
}

/** A lease this run holds: renewed every ttl/3 until released. */
export class HeldLease {
  private readonly timer: NodeJS.Timeout;
  private renewing: Promise<void> = Promise.resolve();
  /** Set when a renewal found the lease taken over (it had expired): the run no longer holds it. */
  lost = false;

  constructor(
    readonly store: LeaseStore,
    readonly key: string,
    readonly token: string,
    ttlMs: number,
    onProblem: (message: string) => void,
  ) {
    this.timer = setInterval(
      () => {
        this.renewing = this.store.renew(key, token, ttlMs).then(
          (ok) => {
            if (!ok && !this.lost) {
              this.lost = true;
              onProblem(`the lease on ${key} expired and was taken over`);
            }
          },
          (e: unknown) => onProblem(`renewing the lease on ${key} failed: ${errorMessage(e)}`),
        );
      },
      Math.max(100, Math.floor(ttlMs / 3)),
    );
    // A renewal never keeps the process alive on its own.
    this.timer.unref();
  }

  /** Stops renewing and gives the lease up (errors only reported: the lease then ends at its expiry). */
  async release(onProblem: (message: string) => void): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    try {
      await this.store.release(this.key, this.token);
    } catch (e) {
      onProblem(`releasing the lease on ${this.key} failed (it ends at its expiry): ${errorMessage(e)}`);
    }
  }
}

/**
 * First come, first served across processes, approximated by a ticket: the "next in line" lease
 * (`<key>#next`, on the same system). A run that finds the target held takes the ticket before it
 * polls the target's lease; a run that cannot get the ticket waits for it. So the run that began to
 * wait first takes the target next, and later ones follow in the order they get the ticket (by
 * jittered polls, not strictly by arrival). A run that arrives just as the target is freed may still
 * take it before the ticket holder's next poll.
 */
export function ticketKey(key: string): string {
  return `${key}#next`;
}
