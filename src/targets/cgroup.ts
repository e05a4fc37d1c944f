// A local container's memory numbers read from its cgroup, the files Docker's stats endpoint reads
// itself. That endpoint answers only at the daemon's next once-a-second collection; these files answer
// at once. Used only for a daemon on this machine, and only where the files are visible here: anything
// else (a remote daemon, another cgroup namespace, a layout not listed) leaves it to the endpoint.
import { existsSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

export interface CgroupMemory {
  usage: number;
  inactiveFile: number;
  limit: number;
}

interface Layout {
  dir: (id: string) => string;
  usage: string;
  limit: string;
  /** v1's total_inactive_file counts the children too, as Docker's stats report it; v2 has inactive_file. */
  inactive: RegExp;
}

const V2 = { usage: 'memory.current', limit: 'memory.max', inactive: /^inactive_file (\d+)$/m };
const V1 = {
  usage: 'memory.usage_in_bytes',
  limit: 'memory.limit_in_bytes',
  inactive: /^total_inactive_file (\d+)$/m,
};

/** Where Docker puts a container's memory cgroup: cgroupfs and systemd drivers, cgroup v2 or v1. */
function layouts(): Layout[] {
  const v2 = existsSync(join(ROOT, 'cgroup.controllers'));
  const base = v2 ? ROOT : join(ROOT, 'memory');
  const files = v2 ? V2 : V1;
  return [
    { dir: (id) => join(base, 'docker', id), ...files },
    { dir: (id) => join(base, 'system.slice', `docker-${id}.scope`), ...files },
  ];
}

let known: Layout[] | undefined;

/** Like Docker: a limit above the machine's memory (no limit: `max`, or v1's huge number) is the machine's. */
function limitOf(raw: string): number {
  const text = raw.trim();
  const n = text === 'max' ? Infinity : Number(text);
  return Number.isNaN(n) ? 0 : Math.min(n, totalmem());
}

/**
 * Usage, inactive file cache and limit of the container with this full id, from this machine's
 * cgroup files; undefined when they are not here. A few small reads of a virtual file system: done
 * synchronously, they cost microseconds.
 */
export function cgroupMemory(id: string): CgroupMemory | undefined {
  if (process.platform !== 'linux' || !/^[0-9a-f]{64}$/.test(id)) return undefined;
  known ??= layouts();
  for (const layout of known) {
    const dir = layout.dir(id);
    try {
      const usage = readFileSync(join(dir, layout.usage), 'utf8');
      const limit = readFileSync(join(dir, layout.limit), 'utf8');
      const stat = readFileSync(join(dir, 'memory.stat'), 'utf8');
      return {
        usage: Number(usage),
        inactiveFile: Number(layout.inactive.exec(stat)?.[1] ?? 0),
        limit: limitOf(limit),
      };
    } catch {
      // Not this layout (or the container is gone): try the next one.
    }
  }
  return undefined;
}
