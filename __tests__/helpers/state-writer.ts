// A separate process that records runs into a state store, for the tests of runs writing at once:
// `node state-writer.mjs '<state config JSON>' WRITER RUNS`. Prints `done N` (runs recorded).
import { openStateStore } from '../../src/state/index.js';
import type { EventRow } from '../../src/state/types.js';

const [config, writer, runs] = process.argv.slice(2);
const opened = await openStateStore({ config: JSON.parse(config!) as object, cwd: process.cwd() });
if (!opened.store) {
  console.error(opened.warnings.join('\n'));
  process.exit(1);
}
const store = opened.store;
let n = 0;
for (let i = 0; i < Number(runs); i++) {
  const t = Date.now();
  const events: EventRow[] = [0, 1].map((j) => ({
    at: t,
    checkId: 'app',
    target: `${writer}-${i}-${j}`,
    host: '',
    code: 'container_not_running',
    action: 'start_container',
    outcome: 'healed',
    attempts: 1,
    durationMs: 100 + j,
    error: null,
  }));
  await store.recordRun(
    {
      repository: 'acme/shop',
      workflow: 'deploy',
      runId: `${writer}-${i}`,
      commit: null,
      startedAt: t,
      endedAt: t + 1,
      verdict: 'healed',
    },
    [{ checkId: 'app', status: 'healed' }],
    events,
  );
  n++;
}
await store.close();
console.log(`done ${n}`);
