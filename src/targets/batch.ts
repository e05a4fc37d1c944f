// Request coalescing for a target: the checks of a phase start together, so the same question asked by
// each of them in the same synchronous stretch can be answered by one request to the system.

/**
 * Returns `ask(query, key)`: queries made with the same `key` before the pending microtasks have run
 * (the checks of a phase, started in one loop, and their continuations at the same depth) are answered
 * together by one `run(queries)`, which returns one answer per query, in order. The batch goes out
 * before any I/O or timer callback, so it never waits behind other work. A query made after a batch
 * was sent waits for the next one, so no answer is older than its question.
 */
export function coalesce<Q, R, K>(
  run: (queries: Q[], key: K) => Promise<R[]>,
): (query: Q, key: K) => Promise<R> {
  let open = new Map<K, Array<{ query: Q; resolve: (r: R) => void; reject: (e: unknown) => void }>>();
  let scheduled = false;

  const flush = (): void => {
    const batches = open;
    open = new Map();
    scheduled = false;
    for (const [key, waiters] of batches) {
      let answers: Promise<R[]>;
      try {
        answers = run(
          waiters.map((w) => w.query),
          key,
        );
      } catch (e) {
        answers = Promise.reject(e);
      }
      answers.then(
        (rs) => waiters.forEach((w, i) => w.resolve(rs[i]!)),
        (e: unknown) => waiters.forEach((w) => w.reject(e)),
      );
    }
  };

  return (query, key) =>
    new Promise<R>((resolve, reject) => {
      let waiters = open.get(key);
      if (!waiters) open.set(key, (waiters = []));
      waiters.push({ query, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    });
}
