// The action's entry (dist/index.js). Everything lives in main.ts so tools can drive run() directly.
import * as core from '@actions/core';
// Imported once the entry runs, so the compile cache the bundle enables covers the whole action.
const { run } = await import('./main.js');

run().catch((e: unknown) => {
  core.setOutput('status', 'blocked');
  core.setFailed(
    `Orixoon failed unexpectedly: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}. Deployment: BLOCKED`,
  );
});
