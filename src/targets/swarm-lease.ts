// A lease held on a Docker Swarm itself: a config object named for the lease, created on a manager.
// Swarm refuses a second config of the same name (409), which makes the creation the atomic "take", and
// every manager of the Swarm sees it. Labels carry the holder, the token and the expiry (the data, the
// holder as JSON, is only there because a config must have some); a config cannot be changed, so a
// renewal is a marker config with the same token and a later expiry. An expired lease is taken over by
// removing the old config by its ID (a different lease has a different ID, so that remove is the
// compare) and creating the name again (the swap: of two takers, one gets the name, the other a 409). A
// killed holder's lease ends at its expiry.
import { createHash } from 'node:crypto';
import {
  LEASE_CALL_TIMEOUT_MS,
  leaseHolderJson,
  newLeaseToken,
  parseLeaseHolder,
  withLeaseTimeout,
  type LeaseAcquired,
  type LeaseHolder,
  type LeaseRefused,
  type LeaseStore,
} from './lease.js';
import { SwarmApiError, type SwarmClient, type SwarmConfig } from './swarm.js';

/** Every lease config carries this label (value: the lease's digest). */
export const SWARM_LEASE_LABEL = 'orixoon.lease';
const KEY_LABEL = 'orixoon.lease.key';
const HOLDER_LABEL = 'orixoon.lease.holder';
const TOKEN_LABEL = 'orixoon.lease.token';
const EXPIRES_LABEL = 'orixoon.lease.expires';
/** Tries to take the name (with short pauses while a concurrent create or remove settles). */
const ACQUIRE_ATTEMPTS = 12;

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

/** The name of the config that is the lease (Swarm allows 64 characters; renewals add 11). */
export function swarmLeaseName(key: string): string {
  return `orixoon-lease-${digest(key)}`;
}

interface LeaseState {
  lock?: SwarmConfig;
  token?: string;
  holder: LeaseHolder | null;
  /** The latest expiry of the lock and its renewals (epoch ms). */
  expiresAt: number | null;
  /** Renewal markers, of the current token or left over from earlier holders. */
  markers: SwarmConfig[];
}

export class SwarmLeaseStore implements LeaseStore {
  /** The client bounds each request; the lease calls take no run signal. */
  private readonly signal = new AbortController().signal;

  constructor(
    private readonly client: SwarmClient,
    private readonly timeoutMs = LEASE_CALL_TIMEOUT_MS,
  ) {}

  acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAcquired | LeaseRefused> {
    return this.bounded(`lease '${key}'`, async (): Promise<LeaseAcquired | LeaseRefused> => {
      for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
        const token = newLeaseToken();
        const created = await this.create(swarmLeaseName(key), key, leaseHolderJson(holder), {
          [KEY_LABEL]: key,
          [HOLDER_LABEL]: leaseHolderJson(holder),
          [TOKEN_LABEL]: token,
          [EXPIRES_LABEL]: String(Date.now() + ttlMs),
        });
        if (created) {
          await this.removeMarkers(await this.read(key), token);
          return { acquired: true, token };
        }
        const state = await this.read(key);
        if (!state.lock) {
          // The name was just removed, or a concurrent create is not listed yet: look again shortly.
          await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 250)));
          continue;
        }
        if (state.expiresAt !== null && state.expiresAt > Date.now())
          return { acquired: false, holder: state.holder, expiresAt: state.expiresAt };
        // Expired (or not written as a lease): remove exactly that config, by its ID.
        await this.remove(state.lock.ID);
      }
      throw new Error(
        `lease '${key}': its config name stayed taken without a lease config to read; try again`,
      );
    });
  }

  renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.bounded(`lease renewal '${key}'`, async () => {
      const state = await this.read(key);
      if (!state.lock || state.token !== token) return false;
      const marker = `${swarmLeaseName(key)}-r-${newLeaseToken().slice(0, 8)}`;
      await this.create(marker, key, '', {
        [TOKEN_LABEL]: token,
        [EXPIRES_LABEL]: String(Date.now() + ttlMs),
      });
      // Taken over between the read and the marker: the marker extends nothing.
      const after = await this.read(key);
      if (after.lock?.ID !== state.lock.ID) {
        await this.removeMarkers(after, '');
        return false;
      }
      const newest = after.markers.find((m) => m.Spec.Name === marker);
      await Promise.allSettled(after.markers.filter((m) => m !== newest).map((m) => this.remove(m.ID)));
      return true;
    });
  }

  release(key: string, token: string): Promise<boolean> {
    return this.bounded(`lease release '${key}'`, async () => {
      const state = await this.read(key);
      if (!state.lock || state.token !== token) return false;
      const removed = await this.remove(state.lock.ID);
      await this.removeMarkers(state, '');
      return removed;
    });
  }

  /** The lease config and its markers as the Swarm has them now. */
  private async read(key: string): Promise<LeaseState> {
    const all = await this.client.configsByLabel(`${SWARM_LEASE_LABEL}=${digest(key)}`, this.signal);
    const name = swarmLeaseName(key);
    const lock = all.find((c) => c.Spec.Name === name);
    const markers = all.filter((c) => c !== lock);
    if (!lock) return { holder: null, expiresAt: null, markers };
    const token = lock.Spec.Labels?.[TOKEN_LABEL];
    const expiries = [lock, ...markers.filter((m) => m.Spec.Labels?.[TOKEN_LABEL] === token)]
      .map((c) => Number(c.Spec.Labels?.[EXPIRES_LABEL]))
      .filter((n) => Number.isFinite(n));
    return {
      lock,
      token,
      holder: parseLeaseHolder(lock.Spec.Labels?.[HOLDER_LABEL]),
      expiresAt: expiries.length ? Math.max(...expiries) : null,
      markers,
    };
  }

  /** Creates a config; false when the name is taken (409). */
  private async create(
    name: string,
    key: string,
    data: string,
    labels: Record<string, string>,
  ): Promise<boolean> {
    try {
      await this.client.createConfig(
        {
          Name: name,
          Labels: { [SWARM_LEASE_LABEL]: digest(key), ...labels },
          Data: Buffer.from(data || '{}').toString('base64'),
        },
        this.signal,
      );
      return true;
    } catch (err) {
      if (err instanceof SwarmApiError && err.statusCode === 409) return false;
      throw err;
    }
  }

  /** Removes a config by its ID; false when it was gone already. */
  private async remove(id: string): Promise<boolean> {
    try {
      await this.client.removeConfig(id, this.signal);
      return true;
    } catch (err) {
      if (err instanceof SwarmApiError && err.statusCode === 404) return false;
      throw err;
    }
  }

  /** Removes the renewal markers not of `keep` (best effort: a leftover marker extends nothing). */
  private async removeMarkers(state: LeaseState, keep: string): Promise<void> {
    await Promise.allSettled(
      state.markers
        .filter((m) => !keep || m.Spec.Labels?.[TOKEN_LABEL] !== keep)
        .map((m) => this.remove(m.ID)),
    );
  }

  private bounded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withLeaseTimeout(`Swarm ${this.client.host.display}: ${what}`, this.timeoutMs * 3, fn());
  }
}
