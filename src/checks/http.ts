// An HTTP endpoint (a health URL): status, body, JSON fields and latency. When it is down and a
// container is mapped, the finding asks for `restart_service` on that container (e.g. a pool of
// uvicorn workers that is down); without a container it can only be reported.
import * as z from 'zod';
import { defineCheckType, type RunContext } from './check-type.js';
import { dockerHostOption } from './docker-host.js';
import type { Check, CheckResult, Finding, VerifyResult } from '../core/types.js';
import { displayUrl, httpProbe, HttpProbeError, type HttpProbeResult } from '../targets/http.js';
import { MAX_MILLISECONDS, MAX_SECONDS } from '../config/limits.js';

const statusSpec = z.union([
  z.number().int().min(100).max(599),
  z.array(z.number().int().min(100).max(599)).min(1),
  z.string().regex(/^\d{3}(-\d{3})?$/, 'use a status like "200" or a range like "200-299"'),
]);
export type StatusSpec = z.infer<typeof statusSpec>;

export interface StatusExpectation {
  accepts(status: number): boolean;
  text: string;
}

/** Default 200–399; a number, a list, `"204"` or `"200-299"`. */
export function statusExpectation(spec: StatusSpec | undefined): StatusExpectation {
  if (spec === undefined) return { accepts: (s) => s >= 200 && s <= 399, text: '200-399' };
  if (typeof spec === 'number') return { accepts: (s) => s === spec, text: String(spec) };
  if (Array.isArray(spec)) return { accepts: (s) => spec.includes(s), text: spec.join(', ') };
  const [lo, hi = lo] = spec.split('-').map(Number);
  return { accepts: (s) => s >= lo && s <= hi, text: lo === hi ? String(lo) : `${lo}-${hi}` };
}

/** `a.b.0.c` into a parsed JSON value; undefined when any step is missing. */
export function jsonPath(value: unknown, dotted: string): unknown {
  let cur: unknown = value;
  for (const key of dotted.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  const stable = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && !Array.isArray(x)
        ? Object.fromEntries(
            Object.entries(x as Record<string, unknown>).sort(([p], [q]) => p.localeCompare(q)),
          )
        : x,
    );
  return stable(a) === stable(b);
}

const show = (v: unknown) => (v === undefined ? 'missing' : JSON.stringify(v));

export interface HttpExpectations {
  status: StatusExpectation;
  bodyContains?: string;
  json?: Record<string, unknown>;
  maxLatencyMs?: number;
}

/** The problems of one answer against the expectations (empty = passing). */
export function evaluateResponse(r: HttpProbeResult, e: HttpExpectations): string[] {
  const problems: string[] = [];
  if (!e.status.accepts(r.status)) problems.push(`returned ${r.status} (expected ${e.status.text})`);
  if (e.bodyContains !== undefined && !r.body.includes(e.bodyContains)) {
    problems.push(`response does not contain '${e.bodyContains}'`);
  }
  if (e.json) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(r.body);
    } catch {
      problems.push('response is not JSON');
    }
    if (parsed !== undefined) {
      for (const [p, expected] of Object.entries(e.json)) {
        const seen = jsonPath(parsed, p);
        if (!sameJson(seen, expected))
          problems.push(`JSON ${p} is ${show(seen)} (expected ${show(expected)})`);
      }
    }
  }
  if (e.maxLatencyMs !== undefined && r.latencyMs > e.maxLatencyMs) {
    problems.push(`slow: ${r.latencyMs} ms (limit ${e.maxLatencyMs} ms)`);
  }
  return problems;
}

const options = z.strictObject({
  url: z.string().url(),
  expect_status: statusSpec.optional().describe('Default 200-399.'),
  body_contains: z.string().optional(),
  json: z.record(z.string(), z.unknown()).optional().describe('{dotted.path: expected value}'),
  max_latency_ms: z.number().positive().max(MAX_MILLISECONDS).optional(),
  timeout_seconds: z.number().positive().max(MAX_SECONDS).default(5),
  container: z
    .string()
    .min(1)
    .optional()
    .describe('Container restarted (restart_service) when the endpoint is down.'),
  docker_host: dockerHostOption,
});

export const httpCheck = defineCheckType({
  type: 'http',
  targets: ['http', 'docker'],
  description:
    '`url`; `expect_status` (default 200–399; a number, a list or `"200-299"`); `body_contains`; `json` (`{dotted.path: expected}`); `max_latency_ms`; `timeout_seconds` 5; `container` (restarted when down)',
  codes: {
    endpoint_down: {
      title: 'Endpoint down',
      action: 'restart_service',
      risk: 'medium',
      advice: 'Check the service logs and its dependencies',
      docs: {
        when: 'status/body/JSON/latency expectation fails',
        action: '`restart_service` (the mapped container)',
      },
      plan: (f) =>
        typeof f.facts?.container === 'string'
          ? { params: { container: f.facts.container } }
          : {
              manual: `No container mapped to http check '${f.checkId}': set \`container\` to let Orixoon restart the service`,
            },
    },
  },
  options,
  create(spec): Check {
    const o = spec.options;
    const where = displayUrl(o.url);
    const expectations: HttpExpectations = {
      status: statusExpectation(o.expect_status),
      bodyContains: o.body_contains,
      json: o.json,
      maxLatencyMs: o.max_latency_ms,
    };
    const timeoutMs = o.timeout_seconds * 1000;

    /** One probe: the finding when something is wrong, else a summary. */
    const probeOnce = async (ctx: RunContext): Promise<{ finding?: Finding; summary: string }> => {
      let problems: string[];
      const evidence: Record<string, unknown> = { url: where, expected_status: expectations.status.text };
      try {
        const r = await httpProbe(o.url, { timeoutMs, signal: ctx.signal });
        problems = evaluateResponse(r, expectations);
        Object.assign(evidence, { status: r.status, latency_ms: r.latencyMs });
        if (o.max_latency_ms !== undefined) evidence.max_latency_ms = o.max_latency_ms;
        if (problems.length && !expectations.status.accepts(r.status))
          evidence.body_excerpt = r.body.slice(0, 200);
        if (!problems.length) return { summary: `${r.status} in ${r.latencyMs} ms` };
      } catch (err) {
        if (!(err instanceof HttpProbeError)) throw err;
        problems = [`not responding (${err.message.slice(`HTTP endpoint ${where}: `.length)})`];
        Object.assign(evidence, { error: err.kind, latency_ms: err.latencyMs });
      }
      evidence.problems = problems;
      const finding: Finding = {
        code: 'endpoint_down',
        checkId: spec.id,
        target: o.container ?? where,
        targetKey: o.container ? `container:${o.container}` : `http:${spec.id}`,
        message: `HTTP endpoint ${where} ${problems.join('; ')}`,
        evidence,
      };
      if (o.container) finding.facts = { container: o.container };
      return { finding, summary: problems.join('; ') };
    };

    return {
      id: spec.id,
      type: 'http',
      phase: spec.phase,
      dependsOn: spec.dependsOn,
      options: o,
      async run(ctx: RunContext): Promise<CheckResult> {
        const { finding, summary } = await probeOnce(ctx);
        return {
          findings: finding ? [finding] : [],
          summary,
          facts: o.container ? { containers: [o.container] } : undefined,
        };
      },
      // After a restart the service needs a moment to listen again: probe on short polls until it
      // answers as expected or the time is up.
      async verify(_finding: Finding, ctx: RunContext, verifyTimeoutMs: number): Promise<VerifyResult> {
        const end = Date.now() + verifyTimeoutMs;
        let last = '';
        for (let delay = 100; ; delay = Math.min(delay * 2, 500)) {
          const { finding, summary } = await probeOnce(ctx);
          if (!finding) return { ok: true, detail: `Endpoint responding: ${summary}` };
          last = summary;
          if (Date.now() + delay >= end || ctx.signal.aborted) break;
          await new Promise((r) => setTimeout(r, delay));
        }
        return { ok: false, detail: `Endpoint ${where} still failing: ${last}` };
      },
    };
  },
});
