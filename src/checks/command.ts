// A user's own check script (a custom plugin): exit 0 passes, anything else is a
// `command_failed` finding with the output's tail as evidence; an optional heal command fixes it.
import path from 'node:path';
import * as z from 'zod';
import { defineCheckType, type HealingPlan, type RunContext } from './check-type.js';
import type { Check, CheckResult, Finding, Risk } from '../core/types.js';
import { describeEnd, formatSeconds, runShell } from '../targets/exec.js';
import { MAX_SECONDS } from '../config/limits.js';

export const commandCheck = defineCheckType({
  type: 'command',
  targets: ['exec'],
  description: '`run`; `heal`; `timeout_seconds` 60; `risk` low \\| medium \\| high',
  codes: {
    command_failed: {
      title: 'Command failed',
      action: 'run_heal_command',
      risk: 'medium',
      docs: {
        when: "a user's check command exits non-zero",
        action: "the check's `heal` command",
        risk: 'per config',
      },
      plan: (f) => {
        const risk = f.facts?.risk as Risk | undefined;
        const plan: HealingPlan =
          typeof f.facts?.heal === 'string'
            ? { params: { heal: f.facts.heal, timeout_seconds: f.facts.timeout_seconds, cwd: f.facts.cwd } }
            : {
                manual: `No heal command configured for command check '${f.checkId}': fix it by hand, or add \`heal\``,
              };
        return risk ? { ...plan, risk } : plan;
      },
    },
  },
  options: z.strictObject({
    run: z.string().min(1).describe('Shell command (bash -c); exit 0 = pass.'),
    heal: z.string().min(1).optional().describe('Shell command run as the `run_heal_command` remedy.'),
    timeout_seconds: z
      .number()
      .positive()
      .max(MAX_SECONDS)
      .default(60)
      .describe('Enforced for both commands: the process group is killed.'),
    risk: z.enum(['low', 'medium', 'high']).default('medium'),
    cwd: z
      .string()
      .min(1)
      .optional()
      .describe('Working directory (relative to the config file). Default: the directory Orixoon runs in.'),
  }),
  create(spec): Check {
    const o = spec.options;
    const check: Check = {
      id: spec.id,
      type: 'command',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: o,
      async run(ctx: RunContext): Promise<CheckResult> {
        const cwd = o.cwd ? path.resolve(ctx.baseDir, o.cwd) : process.cwd();
        const timeoutMs = o.timeout_seconds * 1000;
        const r = await runShell(o.run, {
          timeoutMs,
          cwd,
          env: ctx.env,
          signal: ctx.signal,
          processes: ctx.processes,
        });
        if (r.exitCode === 0 && !r.timedOut && !r.aborted) {
          return { findings: [], summary: `exit 0 in ${formatSeconds(r.durationMs)}` };
        }
        const finding: Finding = {
          code: 'command_failed',
          checkId: spec.id,
          target: spec.id,
          targetKey: `command:${spec.id}`,
          message: `Command check '${spec.id}' failed (${describeEnd(r, timeoutMs)})`,
          evidence: {
            exit_code: r.exitCode,
            signal: r.signal,
            timed_out: r.timedOut,
            duration_ms: r.durationMs,
            output: r.output,
            output_truncated: r.truncated,
          },
          facts: {
            risk: o.risk,
            ...(o.heal ? { heal: o.heal, timeout_seconds: o.timeout_seconds, cwd } : {}),
          },
        };
        return { findings: [finding] };
      },
    };
    return check;
  },
});
