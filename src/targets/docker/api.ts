// The container calls of the Engine API: ping, list, inspect, start, stop, restart, kill, unpause and
// memory stats. Read-only calls asked together by the checks of a phase share one request.
import type Dockerode from 'dockerode';
import { coalesce } from '../batch.js';
import { cgroupMemory } from '../cgroup.js';
import { DockerApiError, type CallOptions, type DockerClient } from './connection.js';

export type ContainerInfo = Dockerode.ContainerInfo;
export type ContainerInspectInfo = Dockerode.ContainerInspectInfo;

/** Inspect fields the published types leave out. */
export interface InspectConfigExtras {
  StopSignal?: string;
  StopTimeout?: number;
  Shell?: string[];
}

export interface MemoryStats {
  /** Bytes charged to the container's cgroup (includes page cache). */
  usage: number;
  /** Reclaimable page cache (`total_inactive_file` on cgroup v1, `inactive_file` on v2). */
  inactiveFile: number;
  /** The cgroup's limit (the host's memory when the container has none). */
  limit: number;
}

/** The API path of a container, by id or name. */
export function containerPath(idOrName: string): string {
  return `/containers/${encodeURIComponent(idOrName)}`;
}

/** A container's primary name without the leading slash. */
export function containerName(c: { Names?: string[]; Name?: string; Id: string }): string {
  const n = c.Names?.find((x) => x.lastIndexOf('/') === 0) ?? c.Names?.[0] ?? c.Name;
  return n ? n.replace(/^\//, '') : c.Id.slice(0, 12);
}

export class ContainerApi {
  constructor(private readonly client: DockerClient) {}

  async ping(opts?: CallOptions): Promise<void> {
    await this.client.get('ping', '/_ping', {}, opts);
  }

  /**
   * Containers by exact name (or id prefix), by a `key=value` label, or all of them; stopped ones
   * included. The checks of a phase ask together, and one list of every container answers them all:
   * the matching happens here, the way Docker's filters would do it.
   */
  async findContainers(sel: { name?: string; label?: string }, opts?: CallOptions): Promise<ContainerInfo[]> {
    const all = await this.listAll(opts, sel.label);
    let found = all;
    if (sel.name) {
      const wanted = sel.name.replace(/^\//, '');
      found = all.filter((c) => c.Names.some((n) => n.replace(/^\//, '') === wanted));
      if (found.length === 0 && /^[0-9a-f]{12,64}$/.test(wanted))
        found = all.filter((c) => c.Id.startsWith(wanted));
    }
    if (sel.label) {
      const eq = sel.label.indexOf('=');
      const key = eq < 0 ? sel.label : sel.label.slice(0, eq);
      const value = eq < 0 ? undefined : sel.label.slice(eq + 1);
      found = found.filter((c) => {
        const labels = c.Labels ?? {};
        return key in labels && (value === undefined || labels[key] === value);
      });
    }
    // A copy: the list is shared by every check that asked.
    return [...found].sort((a, b) => containerName(a).localeCompare(containerName(b)));
  }

  /**
   * Every container (stopped ones too); one request for all the callers that ask together. A call of
   * its own (with its own timeout: a lease's reads) asks the daemon for the `label` only, so a host
   * with hundreds of containers does not send them all for a lease's two or three.
   */
  private listAll(opts?: CallOptions, label?: string): Promise<ContainerInfo[]> {
    if (opts?.timeoutMs !== undefined) return this.listOnce(opts, label);
    return this.listBatch(undefined, opts?.signal);
  }

  private async listOnce(opts?: CallOptions, label?: string): Promise<ContainerInfo[]> {
    const query = label ? { all: true, filters: { label: [label] } } : { all: true };
    return JSON.parse(
      await this.client.get('list of containers', '/containers/json', query, opts),
    ) as ContainerInfo[];
  }

  private readonly listBatch = coalesce<undefined, ContainerInfo[], AbortSignal | undefined>(
    async (queries, signal) => {
      const list = await this.listOnce({ signal });
      return queries.map(() => list);
    },
  );

  async inspect(idOrName: string, opts?: CallOptions): Promise<ContainerInspectInfo> {
    const path = `${containerPath(idOrName)}/json`;
    return JSON.parse(
      await this.client.get(`inspect of container '${idOrName}'`, path, {}, opts),
    ) as ContainerInspectInfo;
  }

  /** Starts a stopped container (a running one is left alone). */
  async start(id: string, opts?: CallOptions): Promise<void> {
    await this.tolerate304(() =>
      this.client.act(
        `start of container '${id}'`,
        { method: 'POST', path: `${containerPath(id)}/start` },
        (api, signal) => api.getContainer(id).start({ abortSignal: signal }),
        opts,
      ),
    );
  }

  /** Stops with SIGTERM, then SIGKILL after `timeoutSec`. */
  async stop(id: string, timeoutSec: number, opts?: CallOptions): Promise<void> {
    const t = Math.ceil(timeoutSec);
    await this.tolerate304(() =>
      this.client.act(
        `stop of container '${id}'`,
        { method: 'POST', path: `${containerPath(id)}/stop`, query: { t } },
        (api, signal) => api.getContainer(id).stop({ t, abortSignal: signal }),
        { ...opts, timeoutMs: opts?.timeoutMs ?? timeoutSec * 1000 + this.client.settings.timeoutMs },
      ),
    );
  }

  async restart(id: string, timeoutSec: number, opts?: CallOptions): Promise<void> {
    const t = Math.ceil(timeoutSec);
    await this.client.act(
      `restart of container '${id}'`,
      { method: 'POST', path: `${containerPath(id)}/restart`, query: { t } },
      (api, signal) => api.getContainer(id).restart({ t, abortSignal: signal }),
      { ...opts, timeoutMs: opts?.timeoutMs ?? timeoutSec * 1000 + this.client.settings.timeoutMs },
    );
  }

  async kill(id: string, signalName = 'SIGKILL', opts?: CallOptions): Promise<void> {
    await this.client.act(
      `kill of container '${id}'`,
      { method: 'POST', path: `${containerPath(id)}/kill`, query: { signal: signalName } },
      (api, signal) => api.getContainer(id).kill({ signal: signalName, abortSignal: signal }),
      opts,
    );
  }

  async unpause(id: string, opts?: CallOptions): Promise<void> {
    await this.client.act(
      `unpause of container '${id}'`,
      { method: 'POST', path: `${containerPath(id)}/unpause` },
      (api, signal) => api.getContainer(id).unpause({ abortSignal: signal }),
      opts,
    );
  }

  private async tolerate304(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      // 304: already in the requested state.
      if (!(e instanceof DockerApiError && e.statusCode === 304)) throw e;
    }
  }

  /**
   * One-shot memory numbers of a running container (zeros when it is not running): from its cgroup
   * files when the daemon is on this machine and they are visible here, else from the stats endpoint.
   */
  async stats(id: string, opts?: CallOptions): Promise<MemoryStats> {
    const local = this.client.isLocal() ? cgroupMemory(id) : undefined;
    if (local) return local;
    const body = await this.client.get(
      `stats of container '${id}'`,
      `${containerPath(id)}/stats`,
      { stream: false, 'one-shot': true },
      opts,
      this.client.statsLimit,
    );
    const raw = JSON.parse(body) as {
      memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
    };
    const m = raw.memory_stats ?? {};
    const s = m.stats ?? {};
    return {
      usage: m.usage ?? 0,
      // cgroup v1 reports total_inactive_file (with children), v2 inactive_file.
      inactiveFile: s.total_inactive_file ?? s.inactive_file ?? 0,
      limit: m.limit ?? 0,
    };
  }
}
