// Application logs (a container's, or a file on the runner) over a time window: a high error rate,
// and known error signatures from a pattern file (regex → restart, a fix command, or manual advice).
// Only the container's current run counts: errors of an instance that was since restarted are history.
import path from 'node:path';
import * as z from 'zod';
import { defineCheckType, type CheckProblem, type HealingPlan, type RunContext } from './check-type.js';
import { dockerHostOption } from './docker-host.js';
import { loadPatterns, type ErrorPattern } from '../config/patterns.js';
import { compileRegex, regexProblem, type TextMatcher } from '../config/regex.js';
import type { Check, CheckResult, Finding, Risk, VerifyResult } from '../core/types.js';
import { DockerApiError } from '../targets/docker/index.js';
import { describeEnd, runShell } from '../targets/exec.js';
import { linesSince, MAX_LOG_BYTES, MAX_LOG_LINES, readLogFile } from '../targets/logfile.js';
import { MAX_COUNT, MAX_MINUTES } from '../config/limits.js';

export const DEFAULT_ERROR_PATTERN = 'ERROR|CRITICAL|FATAL|Traceback';
const DEFAULT_ERROR_THRESHOLD = 50;

export {
  errorPatternSchema,
  loadPatterns,
  patternsFileSchema,
  type ErrorPattern,
  type PatternFix,
} from '../config/patterns.js';

/** Lines matching a pattern (a linear-time matcher, or a non-global RegExp: `test` keeps no state). */
export function matchingLines(lines: readonly string[], re: TextMatcher): string[] {
  return lines.filter((l) => re.test(l));
}

// ---------------------------------------------------------------------------------------------

const options = z
  .strictObject({
    container: z
      .string()
      .min(1)
      .optional()
      .describe('Container whose logs are read (and restarted on high_error_rate).'),
    docker_host: dockerHostOption,
    file: z
      .string()
      .min(1)
      .optional()
      .describe('A log file on the runner (relative to the config file); read instead of container logs.'),
    window_minutes: z.number().positive().max(MAX_MINUTES).default(5),
    error_pattern: z
      .string()
      .superRefine((s, ctx) => {
        const problem = regexProblem(s);
        if (problem)
          ctx.addIssue({ code: 'custom', message: `error_pattern does not compile: ${problem.message}` });
      })
      .optional()
      .describe(
        `Default: ${DEFAULT_ERROR_PATTERN}. RE2 syntax (JavaScript regex syntax without backreferences or lookaround).`,
      ),
    error_threshold: z
      .number()
      .int()
      .nonnegative()
      .max(MAX_COUNT)
      .optional()
      .describe('Default: healing_actions.high_error_rate.error_threshold, else 50.'),
    patterns_file: z.string().optional().describe('JSON pattern file (relative to the config file).'),
  })
  .refine((o) => o.container !== undefined || o.file !== undefined, {
    message: 'a logs check needs container or file',
  });

interface LogRead {
  lines: string[];
  /** `container app` / `file logs/app.log`. */
  source: string;
  /** Where new lines start, for reading only what came after this read. */
  fileSize?: number;
  /** false for a file without timestamps (the newest lines stand in for the window). */
  timed: boolean;
  /** The window held more than the caps allow: only its newest lines were read. */
  capped: boolean;
}

/** `in the last 5 min`, or what was really read when the caps cut the window. */
function windowText(r: LogRead, minutes: number): string {
  if (!r.timed) return `in the last ${r.lines.length} lines`;
  if (!r.capped) return `in the last ${minutes} min`;
  return `in the newest ${r.lines.length.toLocaleString('en-US')} lines of the last ${minutes} min (older lines not read: logs are capped at ${MAX_LOG_LINES.toLocaleString('en-US')} lines / ${MAX_LOG_BYTES / 1024 / 1024} MiB)`;
}

/** Evidence that says the window was cut, only when it was. */
const cappedEvidence = (r: LogRead) => (r.capped ? { capped: true, lines_read: r.lines.length } : {});

const sample = (line: string | undefined) => (line === undefined ? undefined : line.slice(0, 300));
const severityOf = (s: ErrorPattern['severity']): 'error' | 'warning' =>
  s === 'warning' || s === 'info' ? 'warning' : 'error';

/** A pattern's fix, as the check found it in the pattern file (paths resolved). */
type PatternFixFacts =
  | { type: 'manual'; advice?: string }
  | { type: 'restart'; container?: string }
  | {
      type: 'command';
      run: string;
      backup: string[];
      verify?: string;
      cwd: string;
      timeout_seconds: number;
    };

/** How a matched pattern is healed: its own fix (a restart, a command) or a person, at its own risk. */
function patternPlan(f: Finding): HealingPlan {
  const name = String(f.facts?.pattern ?? f.evidence.pattern);
  const fix = f.facts?.fix as PatternFixFacts | undefined;
  const risk = f.facts?.risk as Risk | undefined;
  const withRisk = (plan: HealingPlan): HealingPlan => (risk ? { ...plan, risk } : plan);
  if (!fix || fix.type === 'manual')
    return withRisk({ manual: fix?.advice ?? `Pattern '${name}' has no fix: manual intervention needed` });
  if (fix.type === 'restart') {
    // The restart acts on the container (params.container: cooldown and limits follow it); the
    // finding keeps its own identity, so two patterns on one container stay two findings.
    return withRisk(
      fix.container
        ? { action: 'restart_container', params: { container: fix.container, pattern: name } }
        : { manual: `Pattern '${name}' asks for a restart but names no container` },
    );
  }
  return withRisk({
    action: 'pattern_fix',
    params: {
      pattern: name,
      run: fix.run,
      backup: fix.backup,
      verify: fix.verify,
      cwd: fix.cwd,
      timeout_seconds: fix.timeout_seconds,
    },
  });
}

export const logsCheck = defineCheckType({
  type: 'logs',
  targets: ['docker', 'logfile', 'exec'],
  description:
    "`container` or `file`; `window_minutes` 5; `error_pattern`; `error_threshold` 50; `patterns_file`. Patterns use RE2 syntax (linear time: no backreferences or lookaround). At most the newest 100,000 lines / 16 MiB of the window are read; a finding says when the window was cut. A pattern fix's `backup` lists regular files (a symbolic link is refused: name the file it points to)",
  codes: {
    high_error_rate: {
      title: 'High error rate',
      action: 'restart_application',
      risk: 'high',
      docs: { when: '> 50 error lines in the last 5 min' },
      plan: (f) =>
        typeof f.facts?.container === 'string'
          ? { params: { container: f.facts.container } }
          : {
              manual: `Errors come from a log file and no container is set on logs check '${f.checkId}': investigate by hand`,
            },
    },
    log_pattern: {
      title: 'Known error pattern',
      action: 'pattern_fix',
      risk: 'medium',
      docs: {
        when: 'a line matches a pattern of the pattern file',
        action: "the pattern's fix: restart, command, or manual",
        risk: 'per pattern',
      },
      plan: patternPlan,
    },
  },
  options,
  validate(o): CheckProblem[] {
    return !o.container && !o.file ? [{ path: [], message: 'a logs check needs `container` or `file`' }] : [];
  },
  create(spec, config): Check {
    const o = spec.options;
    const fromConfig = config.healing_actions.high_error_rate?.error_threshold;
    const threshold =
      o.error_threshold ?? (typeof fromConfig === 'number' ? fromConfig : DEFAULT_ERROR_THRESHOLD);
    // The built-in pattern is a plain alternation of words (nothing to backtrack on) and keeps V8's
    // faster engine; a user's pattern runs on the linear-time one.
    const errorRe: TextMatcher = o.error_pattern
      ? compileRegex(o.error_pattern)
      : new RegExp(DEFAULT_ERROR_PATTERN);
    const windowMs = o.window_minutes * 60_000;
    const who = o.container ?? o.file ?? spec.id;

    /** Lines written since `sinceMs` (and, for a container, since its current run started). */
    const read = async (ctx: RunContext, sinceMs: number, fileOffset?: number): Promise<LogRead> => {
      if (o.file) {
        const file = path.resolve(ctx.baseDir, o.file);
        let chunk;
        try {
          chunk = await readLogFile(file, fileOffset ?? 0);
        } catch (err) {
          throw new Error(
            `Log file ${file} cannot be read: ${(err as Error).message} (check the logs check's \`file\`)`,
            {
              cause: err,
            },
          );
        }
        const w =
          fileOffset === undefined
            ? linesSince(chunk, sinceMs)
            : { lines: chunk.lines, timed: true, capped: !!chunk.truncated };
        return {
          lines: w.lines,
          source: `file ${o.file}`,
          fileSize: chunk.size,
          timed: w.timed,
          capped: !!w.capped,
        };
      }
      const container = o.container ?? '';
      const docker = ctx.targets.docker(o.docker_host);
      // The current run's lines start where the previous run ended (FinishedAt of the last exit).
      // Not StartedAt: a process can log before Docker records its start, and a crash at start-up
      // must count.
      let previousRunEnded = 0;
      try {
        const info = await docker.inspect(container, { signal: ctx.signal });
        const started = Date.parse(info.State.StartedAt) || 0;
        const finished = Date.parse(info.State.FinishedAt) || 0;
        if (info.State.Running && finished > 0 && finished <= started) previousRunEnded = finished;
      } catch (err) {
        if (err instanceof DockerApiError && err.statusCode === 404) {
          throw new Error(`Container '${container}' not found: check the logs check's \`container\``, {
            cause: err,
          });
        }
        throw err;
      }
      const since = Math.max(sinceMs, previousRunEnded);
      const logs = await docker.readLogs(container, {
        sinceSeconds: Math.max(0, (Date.now() - since) / 1000),
        signal: ctx.signal,
      });
      return { lines: logs.lines, source: `container ${container}`, timed: true, capped: logs.capped };
    };

    const patternsPath = (ctx: RunContext) =>
      o.patterns_file ? path.resolve(ctx.baseDir, o.patterns_file) : undefined;

    const patternFinding = (
      p: ErrorPattern,
      hits: string[],
      r: LogRead,
      checkedAt: number,
      patternsDir: string,
    ): Finding => {
      const f: Finding = {
        code: 'log_pattern',
        checkId: spec.id,
        target: who,
        targetKey: `pattern:${spec.id}:${p.name}`,
        message:
          `Known error pattern '${p.name}' matched ${hits.length} time${hits.length === 1 ? '' : 's'} in ${r.source}` +
          (r.capped ? ` ${windowText(r, o.window_minutes)}` : '') +
          (p.description ? `: ${p.description}` : ''),
        evidence: {
          pattern: p.name,
          matches: hits.length,
          sample: sample(hits[hits.length - 1]),
          source: r.source,
          window_minutes: o.window_minutes,
          checked_at: new Date(checkedAt).toISOString(),
          ...(r.fileSize !== undefined ? { file_offset: r.fileSize } : {}),
          ...cappedEvidence(r),
        },
        severity: severityOf(p.severity),
      };
      // Facts only: the pattern's fix recipe, resolved to paths; the declared rule (patternPlan) turns
      // it into the healing plan.
      const fix = p.fix;
      const recipe: PatternFixFacts =
        !fix || fix.type === 'manual'
          ? { type: 'manual', ...(fix?.advice ? { advice: fix.advice } : {}) }
          : fix.type === 'restart'
            ? {
                type: 'restart',
                ...((fix.container ?? o.container) ? { container: fix.container ?? o.container } : {}),
              }
            : (() => {
                const cwd = fix.cwd ? path.resolve(patternsDir, fix.cwd) : process.cwd();
                return {
                  type: 'command' as const,
                  run: fix.run,
                  backup: fix.backup.map((b) => path.resolve(cwd, b)),
                  verify: fix.verify,
                  cwd,
                  timeout_seconds: fix.timeout_seconds,
                };
              })();
      f.facts = { pattern: p.name, fix: recipe, ...(p.risk ? { risk: p.risk } : {}) };
      return f;
    };

    /** Since when a re-test counts lines: the finding's own detection time. */
    const detectedAt = (f: Finding): number => {
      const t = typeof f.evidence.checked_at === 'string' ? Date.parse(f.evidence.checked_at) : NaN;
      return Number.isNaN(t) ? Date.now() : t;
    };
    const offsetOf = (f: Finding): number | undefined =>
      typeof f.evidence.file_offset === 'number' ? f.evidence.file_offset : undefined;

    const verifyErrorRate = async (f: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult> => {
      const started = Date.now();
      let since = detectedAt(f);
      if (o.container && !o.file) {
        const w = await ctx.targets
          .docker(o.docker_host)
          .waitFor(o.container, (i) => i.State.Running, timeoutMs, { signal: ctx.signal });
        if (!w.ok || !w.info)
          return {
            ok: false,
            detail: `Container '${o.container}' not running (${w.info?.State.Status ?? 'missing'})`,
          };
        const startedAt = Date.parse(w.info.State.StartedAt);
        if (Number.isFinite(startedAt)) since = Math.max(since, startedAt);
      }
      // A rate needs time to show: watch the logs for the whole re-test time, then compare the errors
      // seen, scaled to the check's window, with the threshold (50 in 5 min allows ~1.7 in 10 s).
      const watchMs = Math.max(0, started + timeoutMs - Date.now());
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, watchMs);
        ctx.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      const r = await read(ctx, detectedAt(f), offsetOf(f));
      const errors = matchingLines(r.lines, errorRe).length;
      const observedMs = Math.max(1000, Date.now() - since);
      const scaled = Math.round((errors * windowMs) / observedMs);
      const label = o.file ? 'since the action' : 'since restart';
      const seconds = Math.round(observedMs / 1000);
      return scaled > threshold
        ? {
            ok: false,
            detail: `Still ${errors} errors in ${seconds}s ${label} (≈${scaled} per ${o.window_minutes} min; threshold ${threshold})`,
          }
        : {
            ok: true,
            detail: `Error rate normal: ${errors} errors in ${seconds}s ${label} (≈${scaled} per ${o.window_minutes} min; threshold ${threshold})`,
          };
    };

    const verifyPattern = async (f: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult> => {
      const name = String(f.evidence.pattern);
      const verifyCmd = typeof f.params?.verify === 'string' ? f.params.verify : undefined;
      if (verifyCmd) {
        const cwd = typeof f.params?.cwd === 'string' ? f.params.cwd : process.cwd();
        const ms = Math.max(1000, timeoutMs);
        const r = await runShell(verifyCmd, {
          timeoutMs: ms,
          cwd,
          env: ctx.env,
          signal: ctx.signal,
          processes: ctx.processes,
        });
        return r.exitCode === 0
          ? { ok: true, detail: `Pattern '${name}' fixed: verify command passed` }
          : {
              ok: false,
              detail: `Pattern '${name}' not fixed: verify command ${describeEnd(r, ms)}${r.output ? `: ${r.output.trim().slice(-300)}` : ''}`,
            };
      }
      const file = patternsPath(ctx);
      if (!file) return { ok: false, detail: 'No pattern file configured' };
      const pattern = (await loadPatterns(file)).find((p) => p.name === name);
      if (!pattern) return { ok: false, detail: `Pattern '${name}' is no longer in ${o.patterns_file}` };
      if (f.action === 'restart_container' && o.container && !o.file) {
        const w = await ctx.targets
          .docker(o.docker_host)
          .waitFor(o.container, (i) => i.State.Running, timeoutMs, { signal: ctx.signal });
        if (!w.ok)
          return {
            ok: false,
            detail: `Container '${o.container}' not running (${w.info?.State.Status ?? 'missing'})`,
          };
      }
      const r = await read(ctx, detectedAt(f), offsetOf(f));
      const hits = matchingLines(r.lines, compileRegex(pattern.regex, pattern.flags)).length;
      return hits === 0
        ? { ok: true, detail: `No new '${name}' lines since the fix` }
        : {
            ok: false,
            detail: `Pattern '${name}' matched ${hits} new line${hits === 1 ? '' : 's'} since the fix`,
          };
    };

    return {
      id: spec.id,
      type: 'logs',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: o,
      async run(ctx: RunContext): Promise<CheckResult> {
        const checkedAt = Date.now();
        const r = await read(ctx, checkedAt - windowMs);
        const findings: Finding[] = [];
        const errors = matchingLines(r.lines, errorRe);
        const within = windowText(r, o.window_minutes);
        if (errors.length > threshold) {
          const f: Finding = {
            code: 'high_error_rate',
            checkId: spec.id,
            target: who,
            targetKey: o.container ? `container:${o.container}` : `logs:${spec.id}`,
            message: `High error rate in ${r.source}: ${errors.length} errors ${within} (threshold ${threshold})`,
            evidence: {
              errors: errors.length,
              threshold,
              window_minutes: o.window_minutes,
              windowed_by_time: r.timed,
              source: r.source,
              sample: sample(errors[errors.length - 1]),
              checked_at: new Date(checkedAt).toISOString(),
              ...(r.fileSize !== undefined ? { file_offset: r.fileSize } : {}),
              ...cappedEvidence(r),
            },
          };
          if (o.container) f.facts = { container: o.container };
          findings.push(f);
        }
        const patternsFile = patternsPath(ctx);
        let patternCount = 0;
        if (patternsFile) {
          const patterns = await loadPatterns(patternsFile);
          patternCount = patterns.length;
          for (const p of patterns) {
            const hits = matchingLines(r.lines, compileRegex(p.regex, p.flags));
            if (hits.length >= p.min_matches)
              findings.push(patternFinding(p, hits, r, checkedAt, path.dirname(patternsFile)));
          }
        }
        const summary =
          `${errors.length} errors ${within} (threshold ${threshold})` +
          (patternsFile ? `, ${patternCount} patterns checked` : '');
        return { findings, summary, facts: o.container ? { containers: [o.container] } : undefined };
      },
      async verify(f: Finding, ctx: RunContext, timeoutMs: number): Promise<VerifyResult> {
        if (f.code === 'high_error_rate') return verifyErrorRate(f, ctx, timeoutMs);
        if (f.code === 'log_pattern') return verifyPattern(f, ctx, timeoutMs);
        return { ok: false, detail: `Logs check cannot re-test '${f.code}'` };
      },
    };
  },
});
