// Shared set-up of the container integration tests: a real RunContext on the local Docker engine,
// the container check and the docker remedies, and fault fixtures (host binaries, suite label).
import { mkdirSync, rmSync } from 'node:fs';
import { Targets } from '../../src/targets/index.js';
import { Redactor } from '../../src/engine/redact.js';
import { Logger } from '../../src/engine/logger.js';
import { configSchema } from '../../src/config/schema.js';
import { containerCheck } from '../../src/checks/container.js';
import { dockerRemedies } from '../../src/healing/remedies/docker.js';
import type { Check, Finding, Remedy, RemedyContext, RunContext } from '../../src/engine/types.js';

export const SUITE = 'container';

export interface TestRun {
  ctx: RunContext;
  close(): Promise<void>;
}

export function runContext(docker: { host?: string; timeoutMs?: number } = {}): TestRun {
  const redactor = new Redactor();
  const targets = new Targets(
    { docker: { timeoutMs: docker.timeoutMs ?? 10_000, host: docker.host } },
    redactor,
  );
  const ac = new AbortController();
  const ctx: RunContext = {
    targets,
    log: new Logger(redactor),
    signal: ac.signal,
    deadline: Date.now() + 300_000,
    env: process.env,
    baseDir: process.cwd(),
  };
  return {
    ctx,
    close: async () => {
      ac.abort();
      await targets.close();
    },
  };
}

export function containerCheckOf(id: string, options: Record<string, unknown>): Check {
  return containerCheck.create(
    { id, phase: 'p', dependsOn: [], options: containerCheck.options.parse(options) },
    configSchema.parse({}),
  );
}

export function remedy(action: string): Remedy {
  const r = dockerRemedies.find((x) => x.action === action);
  if (!r) throw new Error(`no docker remedy ${action}`);
  return r;
}

export function remedyContext(
  ctx: RunContext,
  check: Check,
  opts: { timeoutMs?: number; protectedContainers?: string[] } = {},
): RemedyContext {
  return {
    ...ctx,
    check,
    timeoutMs: opts.timeoutMs ?? 30_000,
    protected: {
      containers: opts.protectedContainers ?? [],
      database_users: [],
      tables: [],
      redis_key_patterns: [],
    },
    actionConfig: {},
  };
}

/** The single finding of a run, asserting there is exactly one. */
export function only(findings: Finding[]): Finding {
  if (findings.length !== 1)
    throw new Error(`expected one finding, got ${JSON.stringify(findings.map((f) => f.code))}`);
  return findings[0];
}

/** A fresh host directory bind-mounted into a test container as its persistent state. */
export function stateDir(name: string): string {
  const dir = `/tmp/oxc-state/${name}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/**
 * A process that leaks memory once /tmp/leak exists (tmpfs: gone after a restart) until its working
 * set (usage − inactive_file) reaches 95 % of its cgroup's limit — cgroup v1 or v2.
 */
export const PERL_LEAK = `
sub slurp { open(my $f, '<', $_[0]) or return undef; local $/; my $s = <$f>; close $f; return $s; }
sub used {
  my ($u, $l, $st, $key);
  if (defined($u = slurp('/sys/fs/cgroup/memory/memory.usage_in_bytes'))) {
    $l = slurp('/sys/fs/cgroup/memory/memory.limit_in_bytes'); $st = slurp('/sys/fs/cgroup/memory/memory.stat'); $key = 'total_inactive_file';
  } else {
    $u = slurp('/sys/fs/cgroup/memory.current'); $l = slurp('/sys/fs/cgroup/memory.max'); $st = slurp('/sys/fs/cgroup/memory.stat'); $key = 'inactive_file';
  }
  my ($inactive) = $st =~ /^$key (\\d+)$/m;
  return ($u - ($inactive // 0)) / $l;
}
my @hog;
while (1) {
  if (-e '/tmp/leak' && used() < 0.95) { push @hog, 'x' x (256 * 1024); next; }
  select(undef, undef, undef, 0.1);
}
`;
