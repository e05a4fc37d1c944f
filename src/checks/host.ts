// The runner's own resources: free disk space (the low-disk guard's input) and available memory.
// Neither is healed automatically: a full disk or exhausted memory needs a human decision.
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import * as z from 'zod';
import { defineCheckType, type RunContext } from './check-type.js';
import type { Check, CheckResult, Finding } from '../core/types.js';
import { MAX_MEGABYTES } from '../config/limits.js';

const MIB = 1024 * 1024;

export interface DiskSpace {
  path: string;
  freeMb: number;
  totalMb: number;
}

/** Space available to an unprivileged user (`bavail`, like `df`'s Available column). */
export async function diskSpace(p: string): Promise<DiskSpace> {
  const s = await statfs(p);
  return {
    path: p,
    freeMb: Math.floor((Number(s.bavail) * Number(s.bsize)) / MIB),
    totalMb: Math.floor((Number(s.blocks) * Number(s.bsize)) / MIB),
  };
}

export interface MemoryInfo {
  availableMb: number;
  totalMb: number;
  /** `MemAvailable` from /proc/meminfo, or os.freemem() where there is no /proc. */
  source: 'meminfo' | 'os';
}

/** Parses /proc/meminfo text (kB values) into MiB. */
export function parseMeminfo(text: string): { availableMb: number; totalMb: number } | undefined {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const available = kb('MemAvailable');
  const total = kb('MemTotal');
  if (available === undefined || total === undefined) return undefined;
  return { availableMb: Math.floor(available / 1024), totalMb: Math.floor(total / 1024) };
}

export async function memoryInfo(): Promise<MemoryInfo> {
  try {
    const parsed = parseMeminfo(await readFile('/proc/meminfo', 'utf8'));
    if (parsed) return { ...parsed, source: 'meminfo' };
  } catch {
    /* not Linux: fall back below */
  }
  return {
    availableMb: Math.floor(os.freemem() / MIB),
    totalMb: Math.floor(os.totalmem() / MIB),
    source: 'os',
  };
}

function formatMb(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

export const hostCheck = defineCheckType({
  type: 'host',
  targets: ['host'],
  description: '`path` /; `min_free_mb` 1024; `min_available_memory_mb`',
  codes: {
    disk_space_low: {
      title: 'Disk space low',
      action: null,
      risk: 'high',
      docs: { when: 'free space < 1 GiB', action: 'none (also the low-disk guard)', risk: '—' },
      plan: (f) => ({
        manual: `Free space on ${String(f.evidence.path)} by hand (old images: docker image prune; old logs and build caches)`,
      }),
    },
    memory_low: {
      title: 'Memory low',
      action: null,
      risk: 'high',
      docs: { when: 'available memory below its limit', action: 'none', risk: '—' },
      plan: () => ({ manual: 'Stop what uses the memory, or give the host more memory' }),
    },
  },
  options: z.strictObject({
    path: z.string().default('/').describe('Filesystem whose free space is checked.'),
    min_free_mb: z.number().nonnegative().max(MAX_MEGABYTES).default(1024),
    min_available_memory_mb: z.number().nonnegative().max(MAX_MEGABYTES).optional(),
  }),
  create(spec): Check {
    const o = spec.options;
    return {
      id: spec.id,
      type: 'host',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: o,
      async run(_ctx: RunContext): Promise<CheckResult> {
        const findings: Finding[] = [];
        let disk: DiskSpace;
        try {
          disk = await diskSpace(o.path);
        } catch (err) {
          throw new Error(
            `Cannot read free disk space of '${o.path}': ${(err as Error).message} (check the host check's \`path\`)`,
            { cause: err },
          );
        }
        const summary = [`${o.path} ${formatMb(disk.freeMb)} free`];
        if (disk.freeMb < o.min_free_mb) {
          findings.push({
            code: 'disk_space_low',
            checkId: spec.id,
            target: `disk ${o.path}`,
            targetKey: `host:disk:${o.path}`,
            message: `Disk space low on ${o.path}: ${formatMb(disk.freeMb)} free (minimum ${formatMb(o.min_free_mb)})`,
            evidence: {
              path: o.path,
              free_mb: disk.freeMb,
              total_mb: disk.totalMb,
              min_free_mb: o.min_free_mb,
            },
            recommendation: `Keep at least ${formatMb(o.min_free_mb)} free on ${o.path}; healing is disabled below it`,
          });
        }
        if (o.min_available_memory_mb !== undefined) {
          const mem = await memoryInfo();
          summary.push(`${formatMb(mem.availableMb)} memory available`);
          if (mem.availableMb < o.min_available_memory_mb) {
            findings.push({
              code: 'memory_low',
              checkId: spec.id,
              target: 'host memory',
              targetKey: 'host:memory',
              message: `Available memory low: ${formatMb(mem.availableMb)} (minimum ${formatMb(o.min_available_memory_mb)})`,
              evidence: {
                available_mb: mem.availableMb,
                total_mb: mem.totalMb,
                min_available_memory_mb: o.min_available_memory_mb,
                source: mem.source,
              },
            });
          }
        }
        return { findings, summary: summary.join(', '), facts: { disk_free_mb: disk.freeMb } };
      },
    };
  },
});
