// A container's events (past windows, live subscriptions) and the waits built on them: until an event
// comes, or until a condition on the container holds.
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { coalesce } from '../batch.js';
import type { ContainerApi, ContainerInspectInfo } from './api.js';
import { dockerTime, type CallOptions, type DockerClient } from './connection.js';
import { jsonLines } from './streams.js';

export interface DockerEvent {
  /** `die`, `start`, `kill`, `oom`, `health_status: healthy`, … */
  action: string;
  /** Container id. */
  id: string;
  name?: string;
  /** Epoch nanoseconds as Docker reports them (`timeNano`). */
  timeNano: number;
  attributes: Record<string, string>;
}

export interface WaitResult {
  ok: boolean;
  /** The last inspection (the one that satisfied the predicate when ok). */
  info?: ContainerInspectInfo;
  /** The last error seen while waiting (e.g. the container does not exist). */
  error?: Error;
  waitedMs: number;
}

/** One container's events in a time window (epoch ms). */
interface EventQuery {
  idOrName: string;
  sinceMs: number;
  untilMs: number;
}

/** Fallback poll while waiting for a container: events usually wake the wait earlier. */
const WAIT_POLL_MS = 100;
/** Containers asked about in one events request. */
const EVENTS_PER_REQUEST = 200;

function toEvent(o: Record<string, unknown>): DockerEvent | undefined {
  const actor = (o.Actor ?? {}) as { ID?: string; Attributes?: Record<string, string> };
  const action =
    typeof o.Action === 'string' ? o.Action : typeof o.status === 'string' ? o.status : undefined;
  if (!action) return undefined;
  const attributes = actor.Attributes ?? {};
  const timeNano = typeof o.timeNano === 'number' ? o.timeNano : Number(o.time ?? 0) * 1e9;
  return { action, id: actor.ID ?? String(o.id ?? ''), name: attributes.name, timeNano, attributes };
}

export class ContainerEvents {
  constructor(
    private readonly client: DockerClient,
    private readonly containers: ContainerApi,
  ) {}

  /** Past container events between `sinceMs` and `untilMs` (default now), oldest first. */
  async events(
    idOrName: string,
    sel: { actions?: string[]; sinceMs: number; untilMs?: number },
    opts?: CallOptions,
  ): Promise<DockerEvent[]> {
    const untilMs = sel.untilMs ?? Date.now();
    if (sel.sinceMs >= untilMs) return [];
    const query: EventQuery = { idOrName, sinceMs: sel.sinceMs, untilMs };
    if (opts?.timeoutMs !== undefined) return (await this.eventsOnce([query], sel.actions, opts))[0]!;
    // Queries for the same actions made together share one request (the container checks of a phase).
    const actions = sel.actions ? [...new Set(sel.actions)].sort() : undefined;
    const key = actions?.join(',') ?? '';
    let batch = this.eventBatches.get(key);
    if (!batch) {
      batch = coalesce<EventQuery, DockerEvent[], AbortSignal | undefined>(async (queries, signal) => {
        // A few hundred containers per request keep its URL (their ids in the filter) a modest size.
        const parts: EventQuery[][] = [];
        for (let i = 0; i < queries.length; i += EVENTS_PER_REQUEST)
          parts.push(queries.slice(i, i + EVENTS_PER_REQUEST));
        const answers = await Promise.all(parts.map((part) => this.eventsOnce(part, actions, { signal })));
        return answers.flat();
      });
      this.eventBatches.set(key, batch);
    }
    return batch(query, opts?.signal);
  }

  private readonly eventBatches = new Map<
    string,
    (query: EventQuery, signal: AbortSignal | undefined) => Promise<DockerEvent[]>
  >();

  /**
   * One events request for several containers and time windows; each query gets the events of its
   * container (its name, or its id or a prefix of it) in its own window.
   */
  private async eventsOnce(
    queries: EventQuery[],
    actions: string[] | undefined,
    opts?: CallOptions,
  ): Promise<DockerEvent[][]> {
    const containers = [...new Set(queries.map((q) => q.idOrName))];
    const sinceMs = Math.min(...queries.map((q) => q.sinceMs));
    const untilMs = Math.max(...queries.map((q) => q.untilMs));
    const what =
      containers.length === 1
        ? `events of container '${containers[0]}'`
        : `events of ${containers.length} containers`;
    const body = await this.client.get(
      what,
      '/events',
      {
        since: dockerTime(sinceMs),
        until: dockerTime(untilMs),
        filters: { type: ['container'], container: containers, ...(actions ? { event: actions } : {}) },
      },
      opts,
    );
    const all: DockerEvent[] = [];
    jsonLines((o) => {
      const ev = toEvent(o);
      if (ev) all.push(ev);
    })(`${body}\n`);
    all.sort((a, b) => a.timeNano - b.timeNano);
    return queries.map((q) => {
      const min = q.sinceMs * 1e6;
      const max = q.untilMs * 1e6;
      return all.filter(
        (ev) =>
          ev.timeNano >= min &&
          ev.timeNano <= max &&
          (ev.id.startsWith(q.idOrName) || ev.name === q.idOrName),
      );
    });
  }

  /** How many `action` events the container had since `sinceMs`. */
  async countEvents(idOrName: string, action: string, sinceMs: number, opts?: CallOptions): Promise<number> {
    return (await this.events(idOrName, { actions: [action], sinceMs }, opts)).length;
  }

  /**
   * Subscribes to the container's live events until `signal` aborts. Resolves once the daemon has
   * accepted the subscription, so whatever happens after that is seen.
   */
  async subscribe(
    idOrName: string,
    onEvent: (event: DockerEvent) => void,
    signal: AbortSignal,
    actions?: string[],
  ): Promise<void> {
    const giveUp = new AbortController();
    const lifetime = AbortSignal.any([signal, this.client.closing.signal, giveUp.signal]);
    // The stream lives as long as `lifetime`; only the wait for the daemon's answer is bounded.
    const filters = { type: ['container'], container: [idOrName], ...(actions ? { event: actions } : {}) };
    let stream: Readable;
    try {
      stream = await this.client.openStream(
        `event subscription for container '${idOrName}'`,
        { path: '/events', query: { filters } },
        lifetime,
        (api) =>
          api.getEvents({ filters, abortSignal: lifetime } as Dockerode.GetEventsOptions) as Promise<unknown>,
        { signal },
      );
    } catch (e) {
      giveUp.abort();
      throw e;
    }
    const stop = () => stream.destroy();
    if (lifetime.aborted) {
      stop();
      return;
    }
    lifetime.addEventListener('abort', stop, { once: true });
    stream.on(
      'data',
      jsonLines((o) => {
        const ev = toEvent(o);
        if (ev) onEvent(ev);
      }),
    );
    stream.on('error', () => {});
    stream.once('close', () => lifetime.removeEventListener('abort', stop));
  }

  /** Resolves with the first matching event within `timeoutMs`, or undefined. */
  async waitForEvent(
    idOrName: string,
    actions: string[],
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<DockerEvent | undefined> {
    const ac = new AbortController();
    const signals = [ac.signal, AbortSignal.timeout(Math.max(1, timeoutMs))];
    if (opts.signal) signals.push(opts.signal);
    const signal = AbortSignal.any(signals);
    try {
      return await new Promise<DockerEvent | undefined>((resolve, reject) => {
        signal.addEventListener('abort', () => resolve(undefined), { once: true });
        this.subscribe(idOrName, (ev) => resolve(ev), signal, actions).catch(reject);
      });
    } finally {
      ac.abort();
    }
  }

  /**
   * Waits until `pred` holds for the container, re-inspecting on each of its Docker events (start,
   * die, health_status, unpause…) and on a short fallback poll. Never throws on timeout: the result
   * says whether it held and what was seen last.
   */
  async waitFor(
    idOrName: string,
    pred: (info: ContainerInspectInfo) => boolean | Promise<boolean>,
    timeoutMs: number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<WaitResult> {
    const started = Date.now();
    const end = started + timeoutMs;
    const ac = new AbortController();
    const signals = [ac.signal];
    if (opts.signal) signals.push(opts.signal);
    const signal = AbortSignal.any(signals);
    let dirty = false;
    let wake: (() => void) | undefined;
    const poke = () => {
      dirty = true;
      wake?.();
    };
    let info: ContainerInspectInfo | undefined;
    let error: Error | undefined;
    try {
      // Events wake the wait early; the subscription runs alongside the first inspection (an event
      // that slips between the two is caught by the next poll) and a failed one only costs speed.
      this.subscribe(idOrName, poke, signal).catch(() => undefined);
      for (;;) {
        dirty = false;
        try {
          // Never a hair-trigger timeout on the last inspection: it would hide the real answer.
          const budget = Math.min(this.client.settings.timeoutMs, Math.max(1_000, end - Date.now()));
          info = await this.containers.inspect(idOrName, { timeoutMs: budget, signal });
          error = undefined;
          if (await pred(info)) return { ok: true, info, waitedMs: Date.now() - started };
        } catch (e) {
          error = e instanceof Error ? e : new Error(String(e));
        }
        const remaining = end - Date.now();
        if (remaining <= 0 || signal.aborted)
          return { ok: false, info, error, waitedMs: Date.now() - started };
        if (!dirty) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, Math.min(WAIT_POLL_MS, remaining));
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
          wake = undefined;
        }
      }
    } finally {
      ac.abort();
    }
  }
}
