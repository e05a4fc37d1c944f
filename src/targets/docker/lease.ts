// A lease on a Docker engine: a container named for the lease, created and never started. Docker
// refuses a second container of the same name (409), which makes the creation the atomic "take". Labels
// carry the holder, the token and the expiry; labels cannot change, so a renewal is a marker container
// with the same token and a later expiry. An expired lease is taken over by removing the old container by
// its id (a different lease has a different id, so that remove is the compare) and creating the name
// again (the swap: of two takers, one gets the name and the other a 409). A killed holder's lease ends
// at its expiry.
import { createHash } from 'node:crypto';
import type Dockerode from 'dockerode';
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
} from '../lease.js';
import { containerName, containerPath, type ContainerApi, type ContainerInfo } from './api.js';
import { DockerApiError, type DockerClient } from './connection.js';

/** Every lease object carries this label (value: the lease's digest), so discovery can leave them out. */
export const LEASE_LABEL = 'orixoon.lease';
const KEY_LABEL = 'orixoon.lease.key';
const HOLDER_LABEL = 'orixoon.lease.holder';
const TOKEN_LABEL = 'orixoon.lease.token';
const EXPIRES_LABEL = 'orixoon.lease.expires';
/** The container is never started; an entrypoint is only there because create insists on a command. */
const NEVER_STARTED = ['/orixoon-lease-never-started'];
/** Tries to take the name (with short pauses while a concurrent create or remove settles). */
const ACQUIRE_ATTEMPTS = 12;
/** Looks for the image's container again this many times while it is missing (100, 200, 400 ms). */
const IMAGE_LOOKUP_RETRIES = 3;

/** A Docker answer that the container (or other object) asked for does not exist. */
function isMissing(err: unknown): boolean {
  return err instanceof DockerApiError && err.statusCode === 404;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 40);
}

/** The name of the container that is the lease. */
export function dockerLeaseName(key: string): string {
  return `orixoon-lease-${digest(key)}`;
}

interface LeaseState {
  /** The container that is the lease, if any. */
  lock?: ContainerInfo;
  token?: string;
  holder: LeaseHolder | null;
  /** The latest expiry of the lock and its renewals (epoch ms). */
  expiresAt: number | null;
  /** Renewal markers, of the current token or left over from earlier holders. */
  markers: ContainerInfo[];
}

/**
 * The image a lease container is made from: any image the engine has (the container is never started),
 * e.g. that of the container acted on, or a lookup of it made when a lease object is first created.
 */
export type LeaseImage = string | (() => Promise<string>);

export class DockerLeaseStore implements LeaseStore {
  private resolvedImage?: string;

  constructor(
    private readonly client: DockerClient,
    private readonly containers: ContainerApi,
    private readonly image: LeaseImage,
    private readonly timeoutMs = LEASE_CALL_TIMEOUT_MS,
  ) {}

  acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseAcquired | LeaseRefused> {
    return this.bounded(`lease '${key}'`, async (): Promise<LeaseAcquired | LeaseRefused> => {
      try {
        await this.imageOf(false);
      } catch (err) {
        if (!isMissing(err)) throw err;
        // The image is looked up on the container acted on, which the run holding this lease may be
        // recreating right now (gone from its name for a moment): that run's live lease still refuses.
        const state = await this.read(key);
        if (state.lock && state.expiresAt !== null && state.expiresAt > Date.now())
          return { acquired: false, holder: state.holder, expiresAt: state.expiresAt };
        await this.imageOf(true);
      }
      for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
        const token = newLeaseToken();
        const created = await this.create(dockerLeaseName(key), key, {
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
          // The name is taken before the container shows in the list (a concurrent create still in
          // progress), or it was just removed: look again shortly.
          await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 250)));
          continue;
        }
        if (state.expiresAt !== null && state.expiresAt > Date.now())
          return { acquired: false, holder: state.holder, expiresAt: state.expiresAt };
        // Expired (or written by something that is not a lease): remove exactly that container, by id.
        await this.remove(state.lock.Id);
      }
      throw new Error(
        `lease '${key}': its container name stayed taken without a lease container to read; try again`,
      );
    });
  }

  renew(key: string, token: string, ttlMs: number): Promise<boolean> {
    return this.bounded(`lease renewal '${key}'`, async () => {
      const state = await this.read(key);
      if (!state.lock || state.token !== token) return false;
      const marker = `${dockerLeaseName(key)}-renewed-${newLeaseToken().slice(0, 8)}`;
      await this.create(marker, key, { [TOKEN_LABEL]: token, [EXPIRES_LABEL]: String(Date.now() + ttlMs) });
      // Taken over between the read and the marker: the marker extends nothing.
      const after = await this.read(key);
      if (after.lock?.Id !== state.lock.Id) {
        await this.removeMarkers(after, '');
        return false;
      }
      const newest = after.markers.find((m) => containerName(m) === marker);
      await Promise.all(after.markers.filter((m) => m !== newest).map((m) => this.remove(m.Id)));
      return true;
    });
  }

  release(key: string, token: string): Promise<boolean> {
    return this.bounded(`lease release '${key}'`, async () => {
      const state = await this.read(key);
      if (!state.lock || state.token !== token) return false;
      const removed = await this.remove(state.lock.Id);
      await this.removeMarkers(state, '');
      return removed;
    });
  }

  /** The lease container and its markers as the engine has them now. */
  private async read(key: string): Promise<LeaseState> {
    const all = await this.containers.findContainers(
      { label: `${LEASE_LABEL}=${digest(key)}` },
      { timeoutMs: this.timeoutMs },
    );
    const name = dockerLeaseName(key);
    const lock = all.find((c) => containerName(c) === name);
    const markers = all.filter((c) => c !== lock);
    if (!lock) return { holder: null, expiresAt: null, markers };
    const token = lock.Labels?.[TOKEN_LABEL];
    const expiries = [lock, ...markers.filter((m) => m.Labels?.[TOKEN_LABEL] === token)]
      .map((c) => Number(c.Labels?.[EXPIRES_LABEL]))
      .filter((n) => Number.isFinite(n));
    return {
      lock,
      token,
      holder: parseLeaseHolder(lock.Labels?.[HOLDER_LABEL]),
      expiresAt: expiries.length ? Math.max(...expiries) : null,
      markers,
    };
  }

  /** Creates a never-started container; false when the name is taken (409). */
  private async create(name: string, key: string, labels: Record<string, string>): Promise<boolean> {
    const spec: Dockerode.ContainerCreateOptions = {
      Image: await this.imageOf(),
      Entrypoint: NEVER_STARTED,
      Cmd: [],
      Labels: { [LEASE_LABEL]: digest(key), ...labels },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: 'none', RestartPolicy: { Name: 'no' } },
    };
    try {
      await this.client.act(
        `create of lease container '${name}'`,
        { method: 'POST', path: '/containers/create', query: { name }, body: spec },
        (api, signal) => api.createContainer({ ...spec, name, abortSignal: signal }),
        { timeoutMs: this.timeoutMs },
      );
      return true;
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 409) return false;
      throw err;
    }
  }

  /** Removes a container by its id; false when it was gone already. */
  private async remove(id: string): Promise<boolean> {
    try {
      await this.client.act(
        `removal of lease container '${id.slice(0, 12)}'`,
        { method: 'DELETE', path: containerPath(id), query: { force: true, v: true } },
        (api, signal) =>
          api
            .getContainer(id)
            .remove({ force: true, v: true, abortSignal: signal } as Dockerode.ContainerRemoveOptions),
        { timeoutMs: this.timeoutMs },
      );
      return true;
    } catch (err) {
      if (err instanceof DockerApiError && err.statusCode === 404) return false;
      throw err;
    }
  }

  /** Removes the renewal markers not of `keep` (best effort: a leftover marker extends nothing). */
  private async removeMarkers(state: LeaseState, keep: string): Promise<void> {
    await Promise.allSettled(
      state.markers.filter((m) => !keep || m.Labels?.[TOKEN_LABEL] !== keep).map((m) => this.remove(m.Id)),
    );
  }

  /**
   * The lease containers' image, looked up once. With `retry`, a lookup that finds no container (404)
   * is tried again after 100, 200 and 400 ms: a container being recreated is gone from its name for a
   * moment. A failed lookup is not kept: the next call looks again.
   */
  private async imageOf(retry = true): Promise<string> {
    if (typeof this.image === 'string') return this.image;
    if (this.resolvedImage) return this.resolvedImage;
    for (let attempt = 0; ; attempt++) {
      try {
        this.resolvedImage = await this.image();
        return this.resolvedImage;
      } catch (err) {
        if (!retry || !isMissing(err) || attempt >= IMAGE_LOOKUP_RETRIES) throw err;
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  private bounded<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return withLeaseTimeout(`Docker ${this.client.address}: ${what}`, this.timeoutMs * 3, fn());
  }
}
