// Docker Swarm services on a manager engine: the only place that talks to Swarm's API (services, tasks,
// nodes, service updates and rollbacks). Plain HTTP on the engine's unix socket or tcp, one bounded
// request at a time; knows nothing of policy. What counts as missing, crash-looping or converged is
// computed here from the engine's own objects, as pure functions, so it is testable without a Swarm.
import type { IncomingMessage } from 'node:http';

// Taken as CommonJS, as the other Docker client does: an ESM import of node:http evaluates its lazy
// exports and costs more than the request.
const http = process.getBuiltinModule('node:http');

const DEFAULT_SOCKET = '/var/run/docker.sock';
/** Answers bigger than this are refused (a service list with its tasks is a few hundred KiB at most). */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// The engine's objects, as much of them as is read here (the Engine API's names).

export interface UpdateConfig {
  Parallelism?: number;
  /** Nanoseconds. */
  Delay?: number;
  FailureAction?: string;
  /** Nanoseconds. */
  Monitor?: number;
  MaxFailureRatio?: number;
  Order?: string;
}

export interface ServiceSpec {
  Name: string;
  Labels?: Record<string, string>;
  Mode?: {
    Replicated?: { Replicas?: number };
    Global?: Record<string, never>;
    ReplicatedJob?: unknown;
    GlobalJob?: unknown;
  };
  TaskTemplate?: {
    ForceUpdate?: number;
    Placement?: { Constraints?: string[] };
    ContainerSpec?: { Image?: string; [key: string]: unknown };
    [key: string]: unknown;
  };
  UpdateConfig?: UpdateConfig;
  RollbackConfig?: UpdateConfig;
  [key: string]: unknown;
}

export interface UpdateStatus {
  /** updating, paused, completed, rollback_started, rollback_paused, rollback_completed. */
  State?: string;
  StartedAt?: string;
  CompletedAt?: string;
  Message?: string;
}

export interface SwarmService {
  ID: string;
  Version: { Index: number };
  CreatedAt?: string;
  UpdatedAt?: string;
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  UpdateStatus?: UpdateStatus;
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  Slot?: number;
  /** running, shutdown, … */
  DesiredState: string;
  CreatedAt?: string;
  Status: {
    Timestamp?: string;
    /** new, pending, assigned, accepted, preparing, ready, starting, running, complete, failed, … */
    State: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
}

export interface SwarmNode {
  ID: string;
  Spec: { Availability?: string; Role?: string; Labels?: Record<string, string> };
  Status: { State?: string; Addr?: string };
  Description?: {
    Hostname?: string;
    Platform?: { OS?: string; Architecture?: string };
    Engine?: { Labels?: Record<string, string> };
  };
}

export interface SwarmConfigSpec {
  Name: string;
  Labels?: Record<string, string>;
  /** Base64. */
  Data: string;
}

export interface SwarmConfig {
  ID: string;
  Version?: { Index: number };
  Spec: SwarmConfigSpec;
}

// ---------------------------------------------------------------------------------------------
// Where the manager engine is.

export interface SwarmHost {
  /** Printable address: `unix:///var/run/docker.sock`, `tcp://10.0.0.5:2375`. */
  display: string;
  socketPath?: string;
  hostname?: string;
  port?: number;
}

/**
 * The manager engine's address: `host`, else DOCKER_HOST, else the local socket. Plain unix:// and
 * tcp:// only; anything else is refused with what to use instead.
 */
export function swarmHost(raw: string | undefined, env: NodeJS.ProcessEnv = process.env): SwarmHost {
  const value = (raw ?? env.DOCKER_HOST ?? '').trim() || `unix://${DEFAULT_SOCKET}`;
  if (value.startsWith('/')) return { display: `unix://${value}`, socketPath: value };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `Swarm manager host '${value}' is not a valid address: use unix:///path or tcp://host:port`,
    );
  }
  if (url.protocol === 'unix:') {
    const socketPath = decodeURIComponent(url.pathname);
    if (!socketPath) throw new Error(`Swarm manager host '${value}' names no socket: use unix:///path`);
    return { display: `unix://${socketPath}`, socketPath };
  }
  if (url.protocol === 'tcp:' || url.protocol === 'http:') {
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port ? Number(url.port) : 2375;
    return { display: `tcp://${url.hostname}:${port}`, hostname, port };
  }
  throw new Error(
    `Swarm manager host '${url.protocol}//${url.host}' is not supported by the swarm_service check: use unix:///path or plain tcp://host:port (a TLS or ssh:// manager can be reached through a local socket forward)`,
  );
}

/** An answer from the engine that was not a success, with the engine's own words. */
export class SwarmApiError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'SwarmApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

function queryString(query: Query): string {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) qs.set(k, String(v));
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/** Swarm's list filters are JSON in the query string. */
function filters(f: Record<string, string[]>): string {
  return JSON.stringify(f);
}

/** One manager engine's Swarm API. Every request ends within `timeoutMs` or when `signal` aborts. */
export class SwarmClient {
  constructor(
    readonly host: SwarmHost,
    readonly timeoutMs: number,
  ) {}

  private request<T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    query: Query,
    signal: AbortSignal,
    body?: unknown,
  ): Promise<T> {
    const what = `${method} ${path}`;
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(Math.max(1, this.timeoutMs))]);
    return new Promise<T>((resolve, reject) => {
      const fail = (e: unknown): void => {
        const err = e as NodeJS.ErrnoException;
        const detail = bounded.aborted
          ? signal.aborted
            ? 'the run stopped'
            : `no answer within ${Math.round(this.timeoutMs / 100) / 10}s`
          : (err.code ?? err.message);
        reject(
          new Error(
            `Swarm manager ${this.host.display} not reachable (${what}: ${detail}) — is the engine running, and is it a Swarm manager?`,
          ),
        );
      };
      const onResponse = (res: IncomingMessage): void => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY_BYTES) {
            res.destroy(new Error(`answer larger than ${MAX_BODY_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.once('error', fail);
        res.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) {
            try {
              resolve((text ? JSON.parse(text) : undefined) as T);
            } catch {
              reject(
                new Error(
                  `Swarm manager ${this.host.display}: ${what} answered with something that is not JSON`,
                ),
              );
            }
            return;
          }
          let message = text.trim();
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {
            // Not JSON: the body as it is.
          }
          reject(
            new SwarmApiError(
              `Swarm manager ${this.host.display}: ${what} failed (HTTP ${status}): ${message}`,
              status,
            ),
          );
        });
      };
      const req = http.request(
        {
          method,
          path: `${path}${queryString(query)}`,
          signal: bounded,
          headers: payload
            ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) }
            : undefined,
          ...(this.host.socketPath
            ? { socketPath: this.host.socketPath }
            : { host: this.host.hostname, port: this.host.port }),
        },
        onResponse,
      );
      req.once('error', fail);
      req.end(payload);
    });
  }

  /** Services named exactly `name` (the engine's name filter matches prefixes) or by ID. */
  async servicesByName(name: string, signal: AbortSignal): Promise<SwarmService[]> {
    const all = await this.request<SwarmService[]>(
      'GET',
      '/services',
      { filters: filters({ name: [name] }) },
      signal,
    );
    return all.filter((s) => s.Spec.Name === name || s.ID === name);
  }

  /** Services carrying a label (`key` or `key=value`). */
  servicesByLabel(label: string, signal: AbortSignal): Promise<SwarmService[]> {
    return this.request<SwarmService[]>('GET', '/services', { filters: filters({ label: [label] }) }, signal);
  }

  service(id: string, signal: AbortSignal): Promise<SwarmService> {
    return this.request<SwarmService>('GET', `/services/${encodeURIComponent(id)}`, {}, signal);
  }

  tasks(serviceId: string, signal: AbortSignal): Promise<SwarmTask[]> {
    return this.request<SwarmTask[]>('GET', '/tasks', { filters: filters({ service: [serviceId] }) }, signal);
  }

  nodes(signal: AbortSignal): Promise<SwarmNode[]> {
    return this.request<SwarmNode[]>('GET', '/nodes', {}, signal);
  }

  /**
   * Writes `spec` as the service's new spec at `version` (the engine refuses a stale version, so a
   * change made by someone else in between is never overwritten). `rollback` asks the engine to go
   * back to the service's previous spec instead.
   */
  async updateService(
    id: string,
    version: number,
    spec: ServiceSpec,
    signal: AbortSignal,
    rollback = false,
  ): Promise<void> {
    await this.request<unknown>(
      'POST',
      `/services/${encodeURIComponent(id)}/update`,
      { version, rollback: rollback ? 'previous' : undefined },
      signal,
      spec,
    );
  }
  /** Config objects carrying a label (`key` or `key=value`). */
  configsByLabel(label: string, signal: AbortSignal): Promise<SwarmConfig[]> {
    return this.request<SwarmConfig[]>('GET', '/configs', { filters: filters({ label: [label] }) }, signal);
  }

  /** Creates a config; the manager refuses a name that exists (HTTP 409), atomically. */
  async createConfig(spec: SwarmConfigSpec, signal: AbortSignal): Promise<string> {
    const made = await this.request<{ ID: string }>('POST', '/configs/create', {}, signal, spec);
    return made.ID;
  }

  /** Removes a config by its ID. */
  async removeConfig(id: string, signal: AbortSignal): Promise<void> {
    await this.request<unknown>('DELETE', `/configs/${encodeURIComponent(id)}`, {}, signal);
  }
}

// ---------------------------------------------------------------------------------------------
// What the engine's objects say, as plain data.

const PRE_RUNNING = new Set(['new', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);
const FAILED = new Set(['failed', 'rejected']);

function ms(ts: string | undefined): number {
  const t = ts ? Date.parse(ts) : NaN;
  return Number.isFinite(t) ? t : 0;
}

export type ServiceMode = 'replicated' | 'global' | 'job';

export function serviceMode(spec: ServiceSpec): ServiceMode {
  if (spec.Mode?.Global) return 'global';
  if (spec.Mode?.ReplicatedJob !== undefined || spec.Mode?.GlobalJob !== undefined) return 'job';
  return 'replicated';
}

function nodeValue(node: SwarmNode, key: string): string | undefined {
  if (key === 'node.id') return node.ID;
  if (key === 'node.hostname') return node.Description?.Hostname;
  if (key === 'node.role') return node.Spec.Role;
  if (key === 'node.platform.os') return node.Description?.Platform?.OS;
  if (key === 'node.platform.arch') return node.Description?.Platform?.Architecture;
  if (key === 'node.ip') return node.Status.Addr;
  if (key.startsWith('node.labels.')) return node.Spec.Labels?.[key.slice('node.labels.'.length)];
  if (key.startsWith('engine.labels.'))
    return node.Description?.Engine?.Labels?.[key.slice('engine.labels.'.length)];
  return undefined;
}

/** Whether a node satisfies a placement constraint (`node.role==manager`, `node.labels.zone!=b`). */
export function matchesConstraint(node: SwarmNode, constraint: string): boolean {
  const m = /^\s*([^=!\s]+)\s*(==|!=)\s*(.*?)\s*$/.exec(constraint);
  if (!m) return false;
  const [, key = '', op, want = ''] = m;
  const have = nodeValue(node, key);
  // Swarm compares labels exactly and the node's own attributes without regard to case.
  const equal =
    have !== undefined &&
    (key.includes('.labels.') ? have === want : have.toLowerCase() === want.toLowerCase());
  return op === '==' ? equal : !equal;
}

/** Nodes a global service runs one task on: ready, active, and matching every constraint. */
export function eligibleNodes(spec: ServiceSpec, nodes: SwarmNode[]): SwarmNode[] {
  const constraints = spec.TaskTemplate?.Placement?.Constraints ?? [];
  return nodes.filter(
    (n) =>
      n.Status.State === 'ready' &&
      (n.Spec.Availability ?? 'active') === 'active' &&
      constraints.every((c) => matchesConstraint(n, c)),
  );
}

export interface ServiceState {
  mode: ServiceMode;
  desired: number;
  running: number;
  /** Nodes the running tasks are on. */
  runningNodes: string[];
  /** Tasks meant to run that are on their way (pending … starting). */
  starting: number;
  /** Task failures (failed, rejected) since the last change of the spec and within the window. */
  recentFailures: SwarmTask[];
  /** Epoch ms of the latest change: the spec written, or a task that left the running state. */
  lastChangeAt: number;
  updateState?: string;
  updateMessage?: string;
}

/**
 * The service as its tasks show it. A task counts as running only in Swarm's `running` state, which
 * a task with a healthcheck reaches only once healthy. A global service wants one task per eligible
 * node, and only tasks on those nodes count.
 */
export function serviceState(
  service: SwarmService,
  tasks: SwarmTask[],
  nodes: SwarmNode[],
  now: number,
  failureWindowMs: number,
): ServiceState {
  const mode = serviceMode(service.Spec);
  const own = tasks.filter((t) => t.ServiceID === service.ID);
  let desired: number;
  let live = own.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
  if (mode === 'global') {
    const eligible = new Set(eligibleNodes(service.Spec, nodes).map((n) => n.ID));
    desired = eligible.size;
    live = live.filter((t) => t.NodeID && eligible.has(t.NodeID));
    // One per node: a node briefly running an old and a new task still gives one.
    const seen = new Set<string>();
    live = live.filter((t) => !seen.has(t.NodeID!) && seen.add(t.NodeID!));
  } else {
    desired = service.Spec.Mode?.Replicated?.Replicas ?? 1;
  }
  // When the spec last changed: the start of the last update or rollback, else the creation. Not
  // UpdatedAt, which moves with every status the updater writes.
  const specAt = ms(service.UpdateStatus?.StartedAt ?? service.CreatedAt);
  const since = Math.max(now - failureWindowMs, specAt);
  const recentFailures = own
    .filter((t) => FAILED.has(t.Status.State) && ms(t.Status.Timestamp) >= since)
    .sort((x, y) => ms(x.Status.Timestamp) - ms(y.Status.Timestamp));
  const stopped = own.filter((t) => t.Status.State !== 'running').map((t) => ms(t.Status.Timestamp));
  return {
    mode,
    desired,
    running: live.length,
    runningNodes: [...new Set(live.map((t) => t.NodeID ?? '?'))],
    starting: own.filter((t) => t.DesiredState === 'running' && PRE_RUNNING.has(t.Status.State)).length,
    recentFailures,
    lastChangeAt: Math.max(specAt, ...stopped),
    updateState: service.UpdateStatus?.State,
    updateMessage: service.UpdateStatus?.Message,
  };
}

/**
 * Swarm has finished with the service: every desired task runs (healthy, where it has a healthcheck),
 * none is still on its way, and an update or rollback, if there was one, is complete.
 */
export function isConverged(state: ServiceState): boolean {
  const update = state.updateState;
  return (
    state.running === state.desired &&
    state.starting === 0 &&
    (update === undefined || update === 'completed' || update === 'rollback_completed')
  );
}

/** Nanoseconds as `5s`, `0s`, `1.5s`. */
export function nsAsSeconds(ns: number | undefined): string {
  return `${Math.round((ns ?? 0) / 1e8) / 10}s`;
}
