// What a check type declares in its own file: its options (zod, with defaults), its issue codes (default
// action, risk, title and the rule that turns a finding's facts into a healing plan), the systems it
// needs, its load-time validation, and the factory of its checks. The registry, the catalog, the config
// schema, the JSON schema and the README tables are all assembled from these declarations.
import type { z } from 'zod';
import type {
  ActionCategory,
  Check,
  CheckResult,
  Finding,
  RemedyContext as CoreRemedyContext,
  Risk,
  RunContext as CoreRunContext,
} from '../core/types.js';
import type { CheckConfigView } from '../core/config-view.js';
import { namedDockerHost, onDockerHost } from './docker-host.js';
import type { Targets } from '../targets/index.js';
import type { ProcessGroups } from '../targets/exec.js';

/** What a check runs with: the run's targets and process registry, typed. */
export type RunContext = CoreRunContext<Targets, ProcessGroups>;
/** What a remedy runs with, typed the same way. */
export type RemedyContext = CoreRemedyContext<Targets, ProcessGroups>;

/** The systems a check type talks to (the keys of the run's targets). */
export type TargetSystem =
  | 'docker'
  | 'postgres'
  | 'redis'
  | 'http'
  | 'exec'
  | 'logfile'
  | 'host'
  // A new system is one more target: its name is declared with its check type.
  | (string & {});

/**
 * How a finding is healed, derived from its facts by the declared rule of its code: which action on
 * which thing, or why a person must act. Everything left out keeps the code's default.
 */
export interface HealingPlan {
  action?: string;
  risk?: Risk;
  category?: ActionCategory;
  /** What the action needs beyond the check's options (`{container}` for a restart). */
  params?: Record<string, unknown>;
  /** Why it cannot be healed automatically: the finding is reported, never acted on. */
  manual?: string;
}

/** One issue code as its check type declares it. */
export interface IssueDeclaration {
  title: string;
  /** Default healing action, or null when the code is never healed automatically. */
  action: string | null;
  /** Default risk; high means confirmation is required unless the config says otherwise. */
  risk: Risk;
  /** What to look at when it stays broken (the report's recommendation); without it, a general one. */
  advice?: string;
  /** The session limit its action counts against, when not the remedy's own (a database container's restart is a database operation). */
  category?: ActionCategory;
  /**
   * A pure rule on the finding's facts (`finding.facts`, `finding.evidence`): the healing plan for this
   * finding when it differs from the defaults. No I/O, no config: the policy applies limits and guards.
   */
  plan?(finding: Finding): HealingPlan | undefined;
  /** For the README's table of issue codes: when it is detected, and how the action and risk read there when not just the defaults. */
  docs: { when: string; action?: string; risk?: string };
}

/** What a check type's `create` receives: the check's identity and its validated options. */
export interface CheckSpec<O> {
  id: string;
  phase: string;
  dependsOn: string[];
  options: O;
}

/** A problem a check type's `validate` finds in a check entry; the loader adds file, line and column. */
export interface CheckProblem {
  /** Path inside the check entry (`['table']`). */
  path: Array<string | number>;
  message: string;
}

/** A check type. Adding one is one new file exporting one of these plus one `register` line. */
export interface CheckType<S extends z.ZodObject = z.ZodObject> {
  type: string;
  /** Its options and their defaults in one line, for the README's table of check types. */
  description: string;
  options: S;
  /** The issue codes this type reports, by code. */
  codes: Readonly<Record<string, IssueDeclaration>>;
  /** The systems its checks talk to. */
  targets: readonly TargetSystem[];
  /** Load-time rules beyond the option schema (e.g. refusing a protected table), with the loaded config. */
  validate?(options: z.infer<S>, config: CheckConfigView): CheckProblem[];
  create(spec: CheckSpec<z.infer<S>>, config: CheckConfigView): Check;
}

/**
 * Declares a check type. The checks it creates report facts; each finding leaves them with its code's
 * healing plan applied (until the healing policy reads the declarations itself, this is where they
 * reach the finding).
 */
export function defineCheckType<S extends z.ZodObject>(t: CheckType<S>): CheckType<S> {
  const planned = Object.values(t.codes).some((d) => d.plan || d.category);
  const docker = t.targets.includes('docker') && 'docker_host' in t.options.shape;
  if (!planned && !docker) return t;
  return {
    ...t,
    create(spec, config): Check {
      const check = t.create(spec, config);
      const run = check.run.bind(check);
      const dockerHost = (spec.options as { docker_host?: unknown }).docker_host;
      check.run = async (ctx): Promise<CheckResult> => {
        const result = await run(ctx);
        const host = docker ? namedDockerHost(ctx.targets as Targets, dockerHost) : undefined;
        return {
          ...result,
          findings: result.findings.map((f) => {
            const p = withHealingPlan(f, t.codes[f.code]);
            return host === undefined ? p : onDockerHost(p, host);
          }),
        };
      };
      return check;
    },
  };
}

/** A finding with its code's declared rule applied: the plan's fields on the finding, facts untouched. */
export function withHealingPlan(finding: Finding, declaration: IssueDeclaration | undefined): Finding {
  const own = declaration?.plan?.(finding);
  const plan: HealingPlan | undefined = declaration?.category
    ? { category: declaration.category, ...own }
    : own;
  if (!plan) return finding;
  const out: Finding = { ...finding };
  if (plan.action !== undefined) out.action = plan.action;
  if (plan.risk !== undefined) out.risk = plan.risk;
  if (plan.category !== undefined) out.category = plan.category;
  if (plan.params !== undefined) out.params = { ...finding.params, ...plan.params };
  if (plan.manual !== undefined) out.manual = plan.manual;
  return out;
}
