// Client libraries are imported on first use, into chunks of their own. import() reads, compiles and
// evaluates a chunk synchronously once it starts (tens of milliseconds for pg or ioredis), so the first
// import waits for the event loop's next full turn: whatever the checks of a phase asked meanwhile (the
// Docker batch) is sent first, and the daemon answers it while the chunk compiles. One turn is not
// enough: a request on a new connection is written from the connection's callback, which runs in the
// turn after the one that opened it, so the import waits for the check phase of that later turn.
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= nextTurn().then(nextTurn).then(load));
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
