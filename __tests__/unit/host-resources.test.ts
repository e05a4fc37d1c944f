// The host check against the runner's real disk and memory.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diskSpace, hostCheck, memoryInfo, parseMeminfo } from '../../src/checks/host.js';
import { configSchema } from '../../src/config/schema.js';
import type { RunContext } from '../../src/core/types.js';

const ctx = {} as RunContext; // the host check uses nothing of the context
const check = (options: Record<string, unknown>) =>
  hostCheck.create(
    { id: 'host', phase: 'p', dependsOn: [], options: hostCheck.options.parse(options) },
    configSchema.parse({}),
  );

describe('host check', () => {
  it('measures free disk space like df (available to users)', async () => {
    const df = Number(execFileSync('df', ['-m', '--output=avail', '/tmp']).toString().split('\n')[1].trim());
    const d = await diskSpace('/tmp');
    expect(Math.abs(d.freeMb - df)).toBeLessThanOrEqual(64);
    expect(d.totalMb).toBeGreaterThan(d.freeMb);
  });

  it('passes above the minimum and reports disk_space_low below it (not healable)', async () => {
    const free = (await diskSpace('/')).freeMb;
    const ok = await check({ path: '/', min_free_mb: 0 }).run(ctx);
    expect(ok.findings).toEqual([]);
    expect(ok.summary).toMatch(/^\/ [\d.]+ (GB|MB) free$/);

    const low = await check({ path: '/', min_free_mb: free + 100_000 }).run(ctx);
    expect(low.findings).toHaveLength(1);
    const f = low.findings[0];
    expect(f.code).toBe('disk_space_low');
    expect(f.message).toMatch(/^Disk space low on \/: [\d.]+ (GB|MB) free \(minimum [\d.]+ GB\)$/);
    expect(Math.abs(Number(f.evidence.free_mb) - free)).toBeLessThanOrEqual(64);
    expect(f.manual).toBeTruthy();
    expect(f.targetKey).toBe('host:disk:/');
  });

  it('reports memory_low below min_available_memory_mb, from /proc/meminfo', async () => {
    const meminfo = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'))!;
    const mem = await memoryInfo();
    expect(mem.source).toBe('meminfo');
    expect(Math.abs(mem.availableMb - meminfo.availableMb)).toBeLessThan(512);
    expect((await check({ min_free_mb: 0, min_available_memory_mb: 1 }).run(ctx)).findings).toEqual([]);
    const low = await check({ min_free_mb: 0, min_available_memory_mb: mem.totalMb + 1 }).run(ctx);
    expect(low.findings.map((f) => f.code)).toEqual(['memory_low']);
    expect(low.findings[0].manual).toBeTruthy();
  });

  it('an unreadable path is a check error naming the path', async () => {
    await expect(check({ path: '/nonexistent/oxw' }).run(ctx)).rejects.toThrow(
      "Cannot read free disk space of '/nonexistent/oxw'",
    );
  });

  it('parses /proc/meminfo', () => {
    expect(parseMeminfo('MemTotal:       24576000 kB\nMemFree: 1 kB\nMemAvailable:   2048000 kB\n')).toEqual({
      totalMb: 24000,
      availableMb: 2000,
    });
    expect(parseMeminfo('MemTotal: 1 kB\n')).toBeUndefined();
  });
});
