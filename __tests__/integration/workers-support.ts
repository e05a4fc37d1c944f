// What only the workers/queue/HTTP/logs/command integration tests share: their suite label
// `workers` (container prefix `oxw-`), host directories, and polling for set-up. Contexts, checks
// and remedies: ../helpers/context.ts.
import { freshDir } from '../helpers/context.js';

export const SUITE = 'workers';

/** A fresh host directory (bind-mounted into test containers or used as a config directory). */
export function tempDir(name: string): string {
  return freshDir(`/tmp/oxw-state/${name}`);
}

/** Polls `fn` until it returns a truthy value (test set-up only). */
export async function until<T>(fn: () => Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
