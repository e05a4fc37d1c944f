// What only the container integration tests share: their suite label, the container check, host
// directories for container state, and fault fixtures. Contexts and remedies: ../helpers/context.ts.
import { containerCheck } from '../../src/checks/container.js';
import type { Check } from '../../src/core/types.js';
import { checkOf, freshDir } from '../helpers/context.js';

export const SUITE = 'container';

export function containerCheckOf(id: string, options: Record<string, unknown>): Check {
  return checkOf(containerCheck, id, options);
}

/** A fresh host directory bind-mounted into a test container as its persistent state. */
export function stateDir(name: string): string {
  return freshDir(`/tmp/oxc-state/${name}`);
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
