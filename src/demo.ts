// Being written: the demo stack.
import type { CliIO } from './cli.js';
export async function runDemo(_o: { io: CliIO; keep: boolean; timeoutSeconds: number }): Promise<number> {
  throw new Error('not implemented yet');
}
