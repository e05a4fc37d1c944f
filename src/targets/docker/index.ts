// Docker target: the only place that talks to the Docker Engine API. It owns the connection (unix
// socket, tcp with TLS, ssh), bounds every call with a timeout, and knows nothing of policy: checks read
// facts from it, remedies act through it. Each concern lives in its own file; this class composes them.
import { ContainerApi, type ContainerInfo, type ContainerInspectInfo, type MemoryStats } from './api.js';
import { DockerClient, type CallOptions, type DockerSettings } from './connection.js';
import { ContainerEvents, type DockerEvent, type WaitResult } from './events.js';
import { ContainerExec, type HealthcheckResult } from './exec.js';
import { DEFAULT_DOCKER_HOST } from './hosts.js';
import { DockerLeaseStore, type LeaseImage } from './lease.js';
import { ContainerLogReader, type ContainerLogOptions, type ContainerLogs } from './logs.js';
import { ContainerRecreate } from './recreate.js';

export { containerName } from './api.js';
export type { ContainerInfo, ContainerInspectInfo, MemoryStats } from './api.js';
export {
  DockerApiError,
  DockerUnreachableError,
  dockerConnection,
  type CallOptions,
  type DockerConnection,
  type DockerSettings,
  type DockerTlsMaterial,
} from './connection.js';
export type { DockerEvent, WaitResult } from './events.js';
export { ExecTimeoutError, healthcheckArgv, type HealthcheckResult } from './exec.js';
export type { ContainerLogOptions, ContainerLogs } from './logs.js';
export {
  DEFAULT_DOCKER_HOST,
  dockerHostNames,
  isDockerHosts,
  resolveDockerHost,
  type DockerHostsSettings,
  type DockerTargetSettings,
} from './hosts.js';
export { DockerLeaseStore, dockerLeaseName, LEASE_LABEL } from './lease.js';
export { recreateSpec } from './recreate.js';

export class DockerTarget {
  private readonly client: DockerClient;
  private readonly containers: ContainerApi;
  private readonly containerEvents: ContainerEvents;
  private readonly execs: ContainerExec;
  private readonly logReader: ContainerLogReader;
  private readonly recreator: ContainerRecreate;

  /**
   * `hostName` is the engine's name in the configuration (`default` for the single-host form), so
   * findings and reports can say which engine they are about.
   */
  constructor(
    readonly settings: DockerSettings,
    readonly hostName: string = DEFAULT_DOCKER_HOST,
    /** True when several engines are configured: errors then name this one. */
    named = false,
  ) {
    this.client = new DockerClient(settings, named ? hostName : undefined);
    this.containers = new ContainerApi(this.client);
    this.containerEvents = new ContainerEvents(this.client, this.containers);
    this.execs = new ContainerExec(this.client, this.containers);
    this.logReader = new ContainerLogReader(this.client);
    this.recreator = new ContainerRecreate(this.client, this.containers);
  }

  /** Printable address of the daemon, e.g. `unix:///var/run/docker.sock`. */
  get address(): string {
    return this.client.address;
  }

  ping(opts?: CallOptions): Promise<void> {
    return this.containers.ping(opts);
  }

  /** Containers by exact name (or id prefix), by a `key=value` label, or all of them; stopped ones included. */
  findContainers(sel: { name?: string; label?: string }, opts?: CallOptions): Promise<ContainerInfo[]> {
    return this.containers.findContainers(sel, opts);
  }

  inspect(idOrName: string, opts?: CallOptions): Promise<ContainerInspectInfo> {
    return this.containers.inspect(idOrName, opts);
  }

  /** Starts a stopped container (a running one is left alone). */
  start(id: string, opts?: CallOptions): Promise<void> {
    return this.containers.start(id, opts);
  }

  /** Stops with SIGTERM, then SIGKILL after `timeoutSec`. */
  stop(id: string, timeoutSec: number, opts?: CallOptions): Promise<void> {
    return this.containers.stop(id, timeoutSec, opts);
  }

  restart(id: string, timeoutSec: number, opts?: CallOptions): Promise<void> {
    return this.containers.restart(id, timeoutSec, opts);
  }

  kill(id: string, signalName = 'SIGKILL', opts?: CallOptions): Promise<void> {
    return this.containers.kill(id, signalName, opts);
  }

  unpause(id: string, opts?: CallOptions): Promise<void> {
    return this.containers.unpause(id, opts);
  }

  /** One-shot memory numbers of a running container (zeros when it is not running). */
  stats(id: string, opts?: CallOptions): Promise<MemoryStats> {
    return this.containers.stats(id, opts);
  }

  /** A new container of the same configuration, started; the old one is put back on failure. Returns the new id. */
  recreate(idOrName: string, opts?: CallOptions): Promise<string> {
    return this.recreator.recreate(idOrName, opts);
  }

  /** Past container events between `sinceMs` and `untilMs` (default now), oldest first. */
  events(
    idOrName: string,
    sel: { actions?: string[]; sinceMs: number; untilMs?: number },
    opts?: CallOptions,
  ): Promise<DockerEvent[]> {
    return this.containerEvents.events(idOrName, sel, opts);
  }

  /** How many `action` events the container had since `sinceMs`. */
  countEvents(idOrName: string, action: string, sinceMs: number, opts?: CallOptions): Promise<number> {
    return this.containerEvents.countEvents(idOrName, action, sinceMs, opts);
  }

  /** Live events of the container until `signal` aborts; resolves once the daemon accepted the subscription. */
  subscribe(
    idOrName: string,
    onEvent: (event: DockerEvent) => void,
    signal: AbortSignal,
    actions?: string[],
  ): Promise<void> {
    return this.containerEvents.subscribe(idOrName, onEvent, signal, actions);
  }

  /** Resolves with the first matching event within `timeoutMs`, or undefined. */
  waitForEvent(
    idOrName: string,
    actions: string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<DockerEvent | undefined> {
    return this.containerEvents.waitForEvent(idOrName, actions, timeoutMs, opts);
  }

  /** Waits until `pred` holds for the container; never throws on timeout. */
  waitFor(
    idOrName: string,
    pred: (info: ContainerInspectInfo) => boolean | Promise<boolean>,
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<WaitResult> {
    return this.containerEvents.waitFor(idOrName, pred, timeoutMs, opts);
  }

  /** Runs a command in a running container; output is stdout and stderr in order. */
  exec(
    id: string,
    cmd: string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<{ exitCode: number; output: string }> {
    return this.execs.exec(id, cmd, timeoutMs, opts);
  }

  /** Runs the container's own HEALTHCHECK now, bounded by its own timeout and `timeoutMs`. */
  runHealthcheck(
    id: string,
    opts: CallOptions & { info?: ContainerInspectInfo } = {},
  ): Promise<HealthcheckResult> {
    return this.execs.runHealthcheck(id, opts);
  }

  /** Log lines (stdout and stderr, in order, timestamps stripped), within the caps of readLogs. */
  logs(idOrName: string, opts: ContainerLogOptions = {}): Promise<string[]> {
    return this.logReader.logs(idOrName, opts);
  }

  /** The newest log lines of a window, within line and byte caps; `capped` says older lines were left out. */
  readLogs(idOrName: string, opts: ContainerLogOptions = {}): Promise<ContainerLogs> {
    return this.logReader.readLogs(idOrName, opts);
  }

  /**
   * Leases held on this engine as never-started containers made from `image` (any image the engine
   * has, e.g. that of the container acted on, or a lookup of it); see targets/lease.ts.
   */
  leases(image: LeaseImage): DockerLeaseStore {
    return new DockerLeaseStore(this.client, this.containers, image);
  }

  async close(): Promise<void> {
    this.client.close();
  }
}
