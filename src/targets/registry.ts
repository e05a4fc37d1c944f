// Targets as a registry of factories keyed by system: each system (docker, postgres, redis, …) has one
// factory that makes its target for a connection key (a Docker host name, a URL). A target is made on
// first use, shared by every check and remedy that asks for the same key, and closed with the rest.

/** Anything a factory makes: it owns connections, so it can be closed. */
export interface Closable {
  close(): Promise<void>;
}

/** Makes the target of one system for one connection key, with what the run shares (settings, redactor). */
export type TargetFactory<C, T extends Closable = Closable> = (key: string, context: C) => T;

/** The target type each system's factory makes. */
export type TargetsOf<F> = {
  [K in keyof F]: F[K] extends (key: string, context: never) => infer T ? T : never;
};

/** How long close-all waits for one target before it stops waiting: a peer that never answers cannot hold the run. */
const CLOSE_GRACE_MS = 2000;

export class TargetRegistry<C, F extends Record<string, TargetFactory<C>>> {
  private readonly open = new Map<keyof F, Map<string, Closable>>();

  constructor(
    private readonly factories: F,
    private readonly context: C,
    private readonly closeGraceMs = CLOSE_GRACE_MS,
  ) {}

  /** The systems a factory is registered for. */
  get systems(): string[] {
    return Object.keys(this.factories);
  }

  /** The target of `system` for `key`, made on first use and the same object afterwards. */
  get<K extends keyof F & string>(system: K, key: string): TargetsOf<F>[K] {
    const factory = this.factories[system];
    if (!factory)
      throw new Error(`No target factory for system '${system}': registered are ${this.systems.join(', ')}`);
    let bySystem = this.open.get(system);
    if (!bySystem) this.open.set(system, (bySystem = new Map()));
    let target = bySystem.get(key);
    if (!target) {
      // A factory that throws leaves nothing behind: the next call tries again.
      target = factory(key, this.context);
      bySystem.set(key, target);
    }
    return target as TargetsOf<F>[K];
  }

  /** The keys of the targets of `system` made so far. */
  keys(system: keyof F & string): string[] {
    return [...(this.open.get(system)?.keys() ?? [])];
  }

  /**
   * Closes every target made so far and forgets them (a later `get` makes a new one); safe to call
   * twice. Each close is bounded, so a peer that never answers cannot hold the run.
   */
  async closeAll(): Promise<void> {
    const all = [...this.open.values()].flatMap((m) => [...m.values()]);
    this.open.clear();
    await Promise.allSettled(
      all.map((t) =>
        Promise.race([t.close(), new Promise<void>((r) => setTimeout(r, this.closeGraceMs).unref())]),
      ),
    );
  }
}
