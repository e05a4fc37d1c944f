// The action's entry (dist/index.js). Everything lives in main.ts so tools can drive run() directly.
import * as core from '@actions/core';
import { run } from './main.js';

run().catch((e: unknown) => {
  core.setOutput('status', 'blocked');
  core.setFailed(
    `Orixoon failed unexpectedly: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}. Deployment: BLOCKED`,
  );
});
