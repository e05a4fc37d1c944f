// The action's entry (dist/index.js). Everything lives in main.ts so tools can drive run() directly;
// here only the process: signals, the overrun backstop, and an exit that no leftover handle delays.
import * as core from '@actions/core';
import { exitWhenFlushed, guardProcess } from './process-guard.js';
// Imported once the entry runs, so the compile cache the bundle enables covers the whole action.
const { run } = await import('./main.js');

const guard = guardProcess();
run(process.env, guard)
  .catch((e: unknown) => {
    guard.fail(`unexpected error: ${e instanceof Error ? e.message : String(e)}`);
    core.setOutput('status', 'blocked');
    core.setFailed(
      `Orixoon failed unexpectedly: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}. Deployment: BLOCKED`,
    );
    guard.written();
  })
  .finally(() => {
    const code = guard.exitCode() ?? (process.exitCode === undefined ? 0 : Number(process.exitCode));
    guard.dispose();
    exitWhenFlushed(code);
  });
