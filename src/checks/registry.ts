// The check types Orixoon knows, and the issue codes they declare. A new check type is one file plus one
// `registerCheckType(...)` line: below for a built-in type, or in a plugin or test before the config is
// loaded (the config schema and the catalog read the registry when they are used, not when imported).
import { CHECK_ERROR, type IssueCode } from '../core/types.js';
import type { CheckType, IssueDeclaration } from './check-type.js';
import { containerCheck } from './container.js';
import { postgresCheck } from './postgres.js';
import { redisCheck } from './redis.js';
import { httpCheck } from './http.js';
import { workerCheck } from './worker.js';
import { queueCheck } from './queue.js';
import { logsCheck } from './logs.js';
import { hostCheck } from './host.js';
import { commandCheck } from './command.js';
import { swarmServiceCheck } from './swarm-service.js';

/** Codes the engine reports itself, not any check type. */
export const ENGINE_CODES: Readonly<Record<IssueCode, IssueDeclaration>> = {
  [CHECK_ERROR]: {
    action: null,
    risk: 'high',
    title: 'Check could not run',
    docs: { when: 'the check could not run', action: 'none (blocks)', risk: '—' },
  },
};

const types: CheckType[] = [];
/** Every declared issue code, in declaration order (check types in registry order, the engine's last). */
const issues: Record<IssueCode, IssueDeclaration> = {};

/** The registered check types, in registration order. */
export const CHECK_TYPES: readonly CheckType[] = types;

/** Every issue code with its declaration (default action, risk, title, healing rule). */
export const ISSUE_DECLARATIONS: Readonly<Record<IssueCode, IssueDeclaration>> = issues;

let version = 0;
/** Changes whenever a type is registered: what is assembled from the registry is rebuilt when it moves. */
export function registryVersion(): number {
  return version;
}

/**
 * Adds a check type. Fails on a type name or an issue code that is already declared (a code means one
 * thing), so nothing is half-registered.
 */
export function registerCheckType<S extends CheckType>(t: S): S {
  if (types.some((x) => x.type === t.type)) throw new Error(`check type "${t.type}" is already registered`);
  for (const code of Object.keys(t.codes)) {
    if (Object.hasOwn(issues, code))
      throw new Error(`issue code "${code}" of check type "${t.type}" is already declared`);
  }
  types.push(t as unknown as CheckType);
  const engine = Object.entries(ENGINE_CODES);
  for (const [code] of engine) delete issues[code];
  Object.assign(issues, t.codes, Object.fromEntries(engine));
  version++;
  return t;
}

Object.assign(issues, ENGINE_CODES);
registerCheckType(containerCheck);
registerCheckType(postgresCheck);
registerCheckType(redisCheck);
registerCheckType(httpCheck);
registerCheckType(workerCheck);
registerCheckType(queueCheck);
registerCheckType(logsCheck);
registerCheckType(hostCheck);
registerCheckType(commandCheck);
registerCheckType(swarmServiceCheck);

export function checkType(type: string): CheckType | undefined {
  return types.find((t) => t.type === type);
}

/** Every declared issue code. */
export function issueCodes(): IssueCode[] {
  return Object.keys(issues);
}
