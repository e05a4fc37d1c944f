// The healing engine's decisions, as plain data: given a finding, the config and the session so far,
// may it be healed, and how? No I/O here, so every safety rule is testable without a server.
import type { OrixoonConfig, HealingActionConfig } from '../config/schema.js';
import { ISSUE_CATALOG } from '../engine/catalog.js';
import { isProtectedTable } from '../targets/sql-identifiers.js';
import type { ActionCategory, Finding, Outcome, Remedy, Risk } from '../core/types.js';

/** What the session has done so far: counts per category and the last action time per target. */
export interface SessionState {
  used: Record<ActionCategory, number>;
  /** targetKey → epoch ms of the last action (cooldown). Survives across monitor cycles. */
  lastActionAt: Map<string, number>;
}

export function newSessionState(): SessionState {
  return { used: { container: 0, database: 0, other: 0 }, lastActionAt: new Map() };
}

/** The thing an action really touches: the container a remedy restarts, else the finding's target. */
export function actsOn(f: Pick<Finding, 'params' | 'targetKey'>): string {
  return typeof f.params?.container === 'string' ? `container:${f.params.container}` : f.targetKey;
}

/**
 * What the cooldown is kept per. A container: any action on it (restarts must not thrash, whichever
 * check asks). Anything else (a database, a queue table): per action, so ending idle connections does
 * not hold back ending stuck transactions on the same database, but the same action is not repeated.
 */
export function cooldownKey(f: Pick<Finding, 'params' | 'targetKey'>, action: string | null): string {
  const target = actsOn(f);
  return target.startsWith('container:') ? target : `${target}#${action ?? ''}`;
}

export interface Guards {
  /** Set when free disk is below min_free_disk_mb. */
  lowDisk?: string;
  /** Set when more than max_failing_services targets fail in this phase. */
  systemic?: string;
}

export interface PolicyInput {
  finding: Finding;
  config: OrixoonConfig;
  remedies: ReadonlyMap<string, Remedy>;
  autoHeal: boolean;
  dryRun: boolean;
  guards: Guards;
  session: SessionState;
  now: number;
  /** Whether an approval exists for this finding (input or PR comment). */
  approved: boolean;
}

export type Decision =
  | {
      kind: 'stop';
      outcome: Outcome;
      reason: string;
      action: string | null;
      risk: Risk;
      plan?: string;
      /** Set for dry_run: the category the planned action would count against (the plan simulates limits). */
      category?: ActionCategory;
    }
  | {
      kind: 'act';
      remedy: Remedy;
      action: string;
      risk: Risk;
      category: ActionCategory;
      attempts: number;
      timeoutMs: number;
      retryDelayMs: number;
      actionConfig: HealingActionConfig;
    };

export function actionConfigFor(config: OrixoonConfig, finding: Finding): HealingActionConfig {
  return config.healing_actions[finding.code] ?? {};
}

export function actionFor(config: OrixoonConfig, finding: Finding): string | null {
  // A finding's own action (a log pattern's fix) wins over the per-code config, which wins over the default.
  return finding.action ?? actionConfigFor(config, finding).action ?? ISSUE_CATALOG[finding.code].action;
}

export function riskFor(finding: Finding): Risk {
  return finding.risk ?? ISSUE_CATALOG[finding.code].risk;
}

export function requiresConfirmation(config: OrixoonConfig, finding: Finding): boolean {
  return actionConfigFor(config, finding).requires_confirmation ?? riskFor(finding) === 'high';
}

export function limitFor(config: OrixoonConfig, category: ActionCategory): number {
  if (category === 'container') return config.safety_limits.max_container_restarts_per_session;
  if (category === 'database') return config.safety_limits.max_database_operations_per_session;
  return Number.POSITIVE_INFINITY;
}

const LIMIT_NAME: Record<ActionCategory, string> = {
  container: 'max_container_restarts_per_session',
  database: 'max_database_operations_per_session',
  other: '',
};

/** Whether one more action of this category on this target is allowed now; the reason when not. */
export function limitCheck(
  config: OrixoonConfig,
  session: SessionState,
  category: ActionCategory,
  targetKey: string,
  now: number,
): string | undefined {
  const limit = limitFor(config, category);
  if (session.used[category] >= limit) {
    return `session limit reached: ${LIMIT_NAME[category]} = ${limit} (${session.used[category]} used)`;
  }
  const last = session.lastActionAt.get(targetKey);
  const cooldownMs = config.safety_limits.cooldown_seconds * 1000;
  if (last !== undefined && now - last < cooldownMs) {
    const ago = ((now - last) / 1000).toFixed(0);
    return `cooldown: last action on ${targetKey.split('#')[0]} ${ago}s ago (cooldown_seconds = ${config.safety_limits.cooldown_seconds})`;
  }
  return undefined;
}

export function decide(input: PolicyInput): Decision {
  const { finding, config } = input;
  const action = actionFor(config, finding);
  const risk = riskFor(finding);
  const stop = (outcome: Outcome, reason: string, plan?: string): Decision => ({
    kind: 'stop',
    outcome,
    reason,
    action,
    risk,
    plan,
  });

  if (finding.manual) return stop('not_healable', finding.manual);
  if (!action) return stop('not_healable', `no automatic remedy for ${finding.code}: needs a person`);
  const remedy = input.remedies.get(action);
  if (!remedy) return stop('not_healable', `action "${action}" is not available in this version`);

  const actionConfig = actionConfigFor(config, finding);
  if (!input.autoHeal) return stop('disabled', 'auto-heal is off (auto-heal input / --auto-heal)');
  if (!config.auto_healing.enabled) return stop('disabled', 'auto_healing.enabled is false in the config');
  if (actionConfig.enabled === false)
    return stop('disabled', `healing_actions.${finding.code}.enabled is false`);

  if (input.guards.lowDisk) return stop('guarded', input.guards.lowDisk);
  if (input.guards.systemic) return stop('guarded', input.guards.systemic);
  const container = typeof finding.params?.container === 'string' ? finding.params.container : undefined;
  const protectedName = config.protected.containers.find(
    (c) => c === container || finding.targetKey === `container:${c}`,
  );
  if (protectedName)
    return stop('guarded', `container '${protectedName}' is protected (protected.containers): never touched`);
  const table = finding.targetKey.startsWith('table:') ? finding.targetKey.slice('table:'.length) : undefined;
  if (table && isProtectedTable(table, config.protected.tables)) {
    return stop('guarded', `table '${table}' is protected (protected.tables): never touched`);
  }

  const category = finding.category ?? remedy.category;
  const limited = limitCheck(config, input.session, category, cooldownKey(finding, action), input.now);
  if (limited) return stop('limit_reached', limited);

  const plan = `${action} on ${finding.target}: ${remedy.describe(finding)} (because: ${finding.message})`;
  if (requiresConfirmation(config, finding) && !input.approved) {
    return stop('awaiting_approval', `${risk}-risk action ${action} requires confirmation`, plan);
  }
  if (input.dryRun || config.auto_healing.dry_run) {
    return {
      ...(stop('dry_run', 'dry run: nothing was changed', plan) as Extract<Decision, { kind: 'stop' }>),
      category,
    };
  }

  const maxRetries = actionConfig.max_retries ?? 2;
  return {
    kind: 'act',
    remedy,
    action,
    risk,
    category,
    attempts: Math.max(1, Math.min(1 + maxRetries, config.auto_healing.max_healing_attempts)),
    timeoutMs: (actionConfig.timeout_seconds ?? 60) * 1000,
    retryDelayMs: config.auto_healing.retry_delay_seconds * 1000,
    actionConfig,
  };
}
