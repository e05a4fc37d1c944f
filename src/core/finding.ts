// Small pure readings of a finding that checks and remedies share.
import type { Finding } from './types.js';

/** The container an action on this finding acts on: `params.container`, else the finding's target. */
export function findingContainer(finding: Finding): string {
  const c = finding.params?.container;
  return typeof c === 'string' && c ? c : finding.target;
}

/** The engine a finding's container is on (`params.docker_host`); undefined: the default one. */
export function findingDockerHost(finding: Finding): string | undefined {
  const h = finding.params?.docker_host;
  return typeof h === 'string' && h ? h : undefined;
}
