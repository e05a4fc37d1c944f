// Client libraries are imported on first use, into chunks of their own. import() reads and compiles a
// chunk before it returns (tens of milliseconds for pg or ioredis), so the first import waits for the
// next turn of the event loop: whatever the checks of a phase queued meanwhile (the Docker batch) is
// sent first and runs while the chunk compiles.
export function lazyImport<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () => (loading ??= new Promise<void>((resolve) => setImmediate(resolve)).then(load));
}
