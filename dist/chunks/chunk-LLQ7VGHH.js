import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  AbortRace,
  ConfigError,
  DockerTarget,
  ISSUE_DECLARATIONS,
  LEASE_CALL_TIMEOUT_MS,
  LEASE_LABEL,
  PostgresTarget,
  REMEDIES,
  RedisTarget,
  SwarmApiError,
  SwarmClient,
  abortReason,
  checkType,
  composeFacts,
  containerName,
  delay,
  dockerHostNames,
  errorMessage,
  findingContainer,
  findingDockerHost,
  isDockerHosts,
  isProtectedTable,
  leaseHolderJson,
  loadConfigFile,
  newLeaseToken,
  parseLeaseHolder,
  postgresTargetFor,
  redisTargetFor,
  resolveConfig,
  resolveDockerHost,
  settlesWithin,
  swarmHost,
  withLeaseTimeout,
  withSignal
} from "./chunk-NBNSFWGK.js";
import {
  MIN_MASKED_LENGTH,
  Redactor,
  openStateStore
} from "./chunk-NX6JUITK.js";
import {
  budgetSettingsOf,
  gateHeal,
  historySince
} from "./chunk-KW6K4AAY.js";
import {
  hostOf,
  recordReport
} from "./chunk-BWS4LX76.js";
import {
  formatMilliseconds,
  formatMillisecondsAsSeconds
} from "./chunk-KVU4AOYW.js";
import {
  VERSION
} from "./chunk-VQUWAF73.js";
import {
  ProcessGroups
} from "./chunk-KJRLVASL.js";

// src/report/build.ts
function interruptionHeadline(i) {
  if (i.reason === "deadline") return `deadline reached: ${i.detail}`;
  return i.detail;
}
function fixed(f) {
  return f.outcome === "healed" || f.outcome === "recovered";
}
function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
function buildVerdict(input) {
  const { findings, interrupted } = input;
  const errors = findings.filter((f) => f.severity === "error");
  const blocking = errors.filter((f) => !fixed(f));
  const verdict = blocking.length || input.runFailed || interrupted ? "blocked" : errors.length ? "healed" : "passed";
  const failOn = input.failOn ?? "blocked";
  const unresolvedWarnings = findings.some((f) => f.severity === "warning" && !fixed(f));
  const deployment = failOn !== "never" && (verdict === "blocked" || failOn === "warning" && unresolvedWarnings) ? "blocked" : "allowed";
  const count = (outcome) => findings.filter((f) => f.outcome === outcome).length;
  const counts = {
    findings: findings.length,
    healed: count("healed"),
    recovered: count("recovered"),
    failed: findings.filter((f) => !fixed(f) && f.outcome !== "awaiting_approval").length,
    awaitingApproval: count("awaiting_approval"),
    blocked: blocking.length
  };
  const notHealed = `${plural(blocking.length, "finding")} not healed`;
  const warningsLeft = findings.filter((f) => f.severity === "warning" && !fixed(f)).length;
  const headline = interrupted ? `Deployment: ${deployment === "blocked" ? "BLOCKED" : "ALLOWED by fail-on: never"} (${interruptionHeadline(interrupted)}${blocking.length ? `; ${notHealed}` : ""})` : verdict === "blocked" ? `Deployment: ${deployment === "blocked" ? "BLOCKED" : "ALLOWED by fail-on: never"} (${blocking.length ? notHealed : input.errors?.[0] ?? "run failed"})` : deployment === "blocked" ? `Deployment: BLOCKED by fail-on: warning (${plural(warningsLeft, "warning")} not resolved)` : verdict === "passed" ? "Deployment: ALLOWED (all checks passed)" : `Deployment: ALLOWED (healed ${plural(counts.healed + counts.recovered, "finding")})`;
  return { verdict, deployment, counts, headline };
}

// src/engine/interruption.ts
function deadlineMessage(timeoutSeconds) {
  return `run deadline of ${timeoutSeconds}s (timeout-seconds) reached`;
}
function blockedReport(o) {
  const finished = /* @__PURE__ */ new Date();
  const { verdict, deployment, headline, counts } = buildVerdict({
    findings: [],
    failOn: o.failOn,
    interrupted: o.interrupted
  });
  return {
    tool: { name: "orixoon", version: VERSION },
    startedAt: o.startedAt.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - o.startedAt.getTime(),
    verdict,
    deployment,
    headline,
    mode: {
      autoHeal: o.autoHeal ?? true,
      dryRun: o.dryRun ?? false,
      discovered: false,
      configPath: o.configPath ?? null,
      phases: o.phases?.length ? o.phases : null
    },
    run: o.run,
    phases: [],
    findings: [],
    actions: [],
    auto_healing: {
      summary: { total_actions: 0, successful: 0, failed: 0, success_rate: "n/a" },
      actions: []
    },
    counts,
    recommendations: [],
    errors: [o.interrupted.detail],
    notes: o.notes ?? [],
    approvals: [],
    interrupted: o.interrupted
  };
}
function stopReason(i) {
  return i.reason === "deadline" ? `deadline reached (${i.detail})` : i.detail;
}

// src/support/logger.ts
var Logger = class {
  events = [];
  redactor;
  sinks;
  grouped = false;
  constructor(redactor, sinks = {}) {
    this.redactor = redactor;
    this.sinks = sinks;
  }
  /** A console line: emoji, subject, state. */
  say(text) {
    this.sinks.line?.(this.redactor.redact(text));
  }
  /**
   * Starts a console section; one at a time (GitHub folds no nested groups), so an open one ends first.
   */
  group(title) {
    this.endGroup();
    const text = this.redactor.redact(title);
    this.grouped = true;
    if (this.sinks.group) this.sinks.group(text);
    else {
      this.sinks.line?.("");
      this.sinks.line?.(`\u2501\u2501 ${text} \u2501\u2501`);
    }
  }
  /** Ends the open console section, if any. */
  endGroup() {
    if (!this.grouped) return;
    this.grouped = false;
    this.sinks.endGroup?.();
  }
  /** A healing-log event. */
  record(level, message) {
    const event = { time: /* @__PURE__ */ new Date(), level, message: this.redactor.redact(message) };
    this.events.push(event);
    this.sinks.event?.(event);
  }
  info(message) {
    this.record("INFO", message);
  }
  success(message) {
    this.record("SUCCESS", message);
  }
  warn(message) {
    this.record("WARNING", message);
  }
  error(message) {
    this.record("ERROR", message);
  }
  debug(message) {
    this.sinks.debug?.(this.redactor.redact(message));
  }
};
function logTimestamp(d) {
  return d.toISOString().replace("T", " ").slice(0, 19);
}

// src/checks/catalog.ts
function failureAdvice(code2) {
  return ISSUE_DECLARATIONS[code2]?.advice ?? "Investigate manually before deploying";
}
var ISSUE_CATALOG = ISSUE_DECLARATIONS;
function isIssueCode(code2) {
  return Object.hasOwn(ISSUE_DECLARATIONS, code2);
}

// src/healing/policy.ts
import { createHash } from "node:crypto";
function newSessionState() {
  return { used: { container: 0, database: 0, other: 0 }, lastActionAt: /* @__PURE__ */ new Map() };
}
function actsOn(f) {
  if (typeof f.params?.container !== "string") return f.targetKey;
  const host = f.params.docker_host;
  return typeof host === "string" ? `container:${host}/${f.params.container}` : `container:${f.params.container}`;
}
function cooldownKey(f, action) {
  const target = actsOn(f);
  return target.startsWith("container:") ? target : `${target}#${action ?? ""}`;
}
function lowDiskGuard(reading, minFreeMb) {
  if ("error" in reading)
    return `free disk space unknown (statfs ${reading.path}: ${reading.error}): healing disabled`;
  if (reading.freeMb >= minFreeMb) return void 0;
  return `low disk: ${reading.freeMb} MB free on ${reading.path} (< min_free_disk_mb ${minFreeMb}): healing disabled; free disk space first`;
}
var GUARD_FINDINGS = [
  { checkType: "host", code: "disk_space_low", guard: "lowDisk" }
];
function reportsGuards(checkType2) {
  return GUARD_FINDINGS.some((g) => g.checkType === checkType2);
}
function guardsFromFindings(findings) {
  const out = {};
  for (const g of GUARD_FINDINGS) {
    const f = findings.find((x) => x.code === g.code);
    if (f && g.guard === "lowDisk")
      out.lowDisk ??= `low disk: ${f.message}: healing disabled; free disk space first`;
  }
  return out;
}
function failingTargets(findings) {
  return findings.filter((f) => (f.severity ?? "error") === "error" && f.code !== "check_error").map(actsOn);
}
function systemicGuard(failing, maxFailingServices) {
  if (maxFailingServices === 0 || failing <= maxFailingServices) return void 0;
  return `multiple services failing simultaneously \u2014 systemic issue: ${failing} targets failing (> max_failing_services ${maxFailingServices}); healing nothing`;
}
function dependencyDecision(i) {
  if (i.brokenDeps.length && i.preventCascade) {
    return {
      kind: "blocked",
      outcome: "blocked_by_dependency",
      reason: `root cause not healed: ${i.brokenDeps.join(", ")} still failing (prevent_cascade_restarts)` + (i.unselectedDeps.length ? `; ${i.unselectedDeps.join(", ")} not in the selected phases, so not healed in this run` : "")
    };
  }
  if ((i.rootActed || i.checkActed) && i.code !== "check_error") {
    return {
      kind: "retest",
      waitForStabilization: i.rootActed,
      recoveredReason: i.rootActed ? "passed on re-test after its root cause was healed" : "passed on re-test"
    };
  }
  return { kind: "heal" };
}
function approvalId(f, sha = "") {
  const h = createHash("sha256").update(`${f.checkId}|${f.code}|${f.targetKey}|${sha}`).digest("hex");
  return `ox-${h.slice(0, 10)}`;
}
function inputApproves(approve, f) {
  return approve.has("all") || approve.has(f.id) || approve.has(f.checkId) || approve.has(`${f.checkId}:${f.code}`);
}
function approvalFor(f, approve, records, at) {
  if (inputApproves(approve, f)) return { id: f.id, via: "input", at };
  return records.find((r) => r?.id === f.id);
}
function countAction(session, category, f, action, now) {
  session.used[category]++;
  session.lastActionAt.set(cooldownKey(f, action), now);
}
function retryLimit(config, session, category, key, now) {
  const noCooldown = { ...config, safety_limits: { ...config.safety_limits, cooldown_seconds: 0 } };
  return limitCheck(noCooldown, session, category, key, now);
}
function retryDecision(now, before) {
  if (now === "gone") return { kind: "healed" };
  if (now.manual) return { kind: "not_healable", reason: now.manual };
  if (now.code !== before.code) return { kind: "changed", code: now.code, message: now.message };
  return { kind: "retry", finding: now };
}
function actionConfigFor(config, finding) {
  return config.healing_actions[finding.code] ?? {};
}
function actionFor(config, finding) {
  return finding.action ?? actionConfigFor(config, finding).action ?? ISSUE_CATALOG[finding.code]?.action ?? null;
}
function riskFor(finding) {
  return finding.risk ?? ISSUE_CATALOG[finding.code]?.risk ?? "high";
}
function requiresConfirmation(config, finding) {
  return actionConfigFor(config, finding).requires_confirmation ?? riskFor(finding) === "high";
}
function limitFor(config, category) {
  if (category === "container") return config.safety_limits.max_container_restarts_per_session;
  if (category === "database") return config.safety_limits.max_database_operations_per_session;
  return Number.POSITIVE_INFINITY;
}
var LIMIT_NAME = {
  container: "max_container_restarts_per_session",
  database: "max_database_operations_per_session",
  other: ""
};
function limitCheck(config, session, category, targetKey, now) {
  const limit = limitFor(config, category);
  if (session.used[category] >= limit) {
    return `session limit reached: ${LIMIT_NAME[category]} = ${limit} (${session.used[category]} used)`;
  }
  const last = session.lastActionAt.get(targetKey);
  const cooldownMs = config.safety_limits.cooldown_seconds * 1e3;
  if (last !== void 0 && now - last < cooldownMs) {
    const ago = ((now - last) / 1e3).toFixed(0);
    return `cooldown: last action on ${targetKey.split("#")[0]} ${ago}s ago (cooldown_seconds = ${config.safety_limits.cooldown_seconds})`;
  }
  return void 0;
}
function decide(input) {
  const { finding, config } = input;
  const action = actionFor(config, finding);
  const risk = riskFor(finding);
  const stop = (outcome, reason, plan2) => ({
    kind: "stop",
    outcome,
    reason,
    action,
    risk,
    plan: plan2
  });
  if (finding.manual) return stop("not_healable", finding.manual);
  if (!action) return stop("not_healable", `no automatic remedy for ${finding.code}: needs a person`);
  const remedy = input.remedies.get(action);
  if (!remedy) return stop("not_healable", `action "${action}" is not available in this version`);
  const actionConfig = actionConfigFor(config, finding);
  if (!input.autoHeal) return stop("disabled", "auto-heal is off (auto-heal input / --auto-heal)");
  if (!config.auto_healing.enabled) return stop("disabled", "auto_healing.enabled is false in the config");
  if (actionConfig.enabled === false)
    return stop("disabled", `healing_actions.${finding.code}.enabled is false`);
  if (input.guards.lowDisk) return stop("guarded", input.guards.lowDisk);
  if (input.guards.systemic) return stop("guarded", input.guards.systemic);
  const container = typeof finding.params?.container === "string" ? finding.params.container : void 0;
  const protectedName = config.protected.containers.find(
    (c) => c === container || finding.targetKey === `container:${c}`
  );
  if (protectedName)
    return stop("guarded", `container '${protectedName}' is protected (protected.containers): never touched`);
  const table2 = finding.targetKey.startsWith("table:") ? finding.targetKey.slice("table:".length) : void 0;
  if (table2 && isProtectedTable(table2, config.protected.tables)) {
    return stop("guarded", `table '${table2}' is protected (protected.tables): never touched`);
  }
  const category = finding.category ?? remedy.category;
  const limited = limitCheck(config, input.session, category, cooldownKey(finding, action), input.now);
  if (limited) return stop("limit_reached", limited);
  const plan = `${action} on ${finding.target}: ${remedy.describe(finding)} (because: ${finding.message})`;
  if (requiresConfirmation(config, finding) && !input.approved) {
    return stop("awaiting_approval", `${risk}-risk action ${action} requires confirmation`, plan);
  }
  if (input.dryRun || config.auto_healing.dry_run) {
    return {
      ...stop("dry_run", "dry run: nothing was changed", plan),
      category
    };
  }
  const maxRetries = actionConfig.max_retries ?? 2;
  return {
    kind: "act",
    remedy,
    action,
    risk,
    category,
    attempts: Math.max(1, Math.min(1 + maxRetries, config.auto_healing.max_healing_attempts)),
    timeoutMs: (actionConfig.timeout_seconds ?? 60) * 1e3,
    retryDelayMs: config.auto_healing.retry_delay_seconds * 1e3,
    actionConfig
  };
}
function describeLeaseHolder(holder) {
  if (!holder) return "another run";
  if ("host" in holder) return `${holder.host} pid ${holder.pid}`;
  return `${holder.repository} run ${holder.runId} attempt ${holder.attempt}`;
}
function clock(ms) {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}
var LEASE_POLL_MS = 250;
function leaseWaitDecision(i) {
  const end = Math.min(i.waitingSince + i.waitLimitMs, i.deadline);
  if (i.now >= end) {
    const waited = Math.max(0, Math.round((i.now - i.waitingSince) / 1e3));
    return {
      kind: "locked",
      reason: `locked by ${describeLeaseHolder(i.holder)}` + (i.expiresAt !== null ? ` until ${clock(i.expiresAt)}` : "") + `: another run is acting on ${i.key}; waited ${waited} s (lease_wait_seconds ${Math.round(i.waitLimitMs / 1e3)}), not acted on`
    };
  }
  let pollMs = LEASE_POLL_MS * (1 + i.jitter);
  if (i.expiresAt !== null && i.expiresAt > i.now) pollMs = Math.min(pollMs, i.expiresAt - i.now + 20);
  return { kind: "wait", pollMs: Math.max(1, Math.min(Math.round(pollMs), end - i.now)) };
}
function leaseUnavailableReason(key, error) {
  return `the lease on ${key} could not be taken (${error}): not acted on, since another run might be acting on it`;
}

// src/engine/plan.ts
import { readFileSync } from "node:fs";
function buildConfiguredPlan(loaded) {
  return loaded.config.phases.map((phase) => ({
    name: phase.name,
    checks: phase.checks.map((raw) => {
      const {
        id,
        type,
        depends_on,
        name: _name,
        ...options
      } = raw;
      const t = checkType(type);
      if (!t) throw new Error(`unknown check type ${type}`);
      return t.create({ id, phase: phase.name, dependsOn: depends_on, options }, loaded.config);
    })
  }));
}
function ownContainerIds(env = process.env) {
  const ids = /* @__PURE__ */ new Set();
  const read = (file) => {
    try {
      return readFileSync(file, "utf8");
    } catch {
      return "";
    }
  };
  for (const m of read("/proc/self/cgroup").matchAll(/docker[/-]([0-9a-f]{64})/g)) ids.add(m[1]);
  for (const line of read("/proc/self/mountinfo").split("\n")) {
    const [, , , root = "", mountPoint = ""] = line.split(" ");
    const m = /\/containers\/([0-9a-f]{64})\//.exec(root);
    if (m && ["/etc/hostname", "/etc/hosts", "/etc/resolv.conf"].includes(mountPoint)) ids.add(m[1]);
  }
  if (env.HOSTNAME && /^[0-9a-f]{12}$/.test(env.HOSTNAME)) ids.add(env.HOSTNAME);
  return [...ids];
}
async function buildDiscoveredPlan(loaded, targets, self = ownContainerIds()) {
  const hosts = targets.dockerHosts();
  const multi = hosts.length > 1;
  const listed = await Promise.allSettled(hosts.map((h) => targets.docker(h).findContainers({})));
  if (!multi && listed[0]?.status === "rejected") throw listed[0].reason;
  const t = checkType("container");
  const byPhase = /* @__PURE__ */ new Map();
  const add = (phase, check) => {
    byPhase.set(phase, [...byPhase.get(phase) ?? [], check]);
  };
  hosts.forEach((host, i) => {
    const at = multi ? `@${host}` : "";
    const result = listed[i];
    if (result.status === "rejected") {
      const why = result.reason instanceof Error ? result.reason.message : String(result.reason);
      add(`containers${at}`, unlistedHost(host, why));
      return;
    }
    const found = result.value.filter((c) => !self.some((id) => c.Id.startsWith(id)) && c.Labels?.[LEASE_LABEL] === void 0).map((c) => {
      const compose = composeFacts(c.Labels);
      return {
        name: containerName(c),
        project: compose?.project,
        service: compose?.service,
        dependsOn: compose?.dependsOn ?? []
      };
    }).sort((a, b) => a.name.localeCompare(b.name));
    const idFor = (c) => multi ? `${host}:${c.name}` : c.name;
    for (const c of found) {
      const phase = c.project ? `compose:${c.project}${at}` : `containers${at}`;
      const deps = c.project ? found.filter((o) => o.project === c.project && o.service && c.dependsOn.includes(o.service)).map(idFor) : [];
      const options = t.options.parse(
        multi ? { container: c.name, docker_host: host } : { container: c.name }
      );
      add(phase, t.create({ id: idFor(c), phase, dependsOn: deps, options }, loaded.config));
    }
  });
  const rank = (p) => p.startsWith("containers") ? 1 : 0;
  return [...byPhase.entries()].sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b)).map(([name, checks]) => ({ name, checks }));
}
function unlistedHost(host, why) {
  return {
    id: `docker-host:${host}`,
    type: "container",
    phase: `containers@${host}`,
    dependsOn: [],
    options: { docker_host: host },
    run: () => Promise.reject(new Error(`cannot list the containers of Docker host '${host}': ${why}`))
  };
}
function filterPhases(plan, phases, file) {
  if (!phases?.length) return plan;
  const unknown = phases.filter((p) => !plan.some((ph) => ph.name === p));
  if (unknown.length) {
    throw new ConfigError([
      {
        file,
        key: "phases",
        message: `unknown phase ${unknown.map((u) => `"${u}"`).join(", ")} in the phases input; the config has: ${plan.map((p) => p.name).join(", ") || "(none)"}`
      }
    ]);
  }
  return plan.filter((p) => phases.includes(p.name));
}

// src/session.ts
import { accessSync, constants, existsSync, mkdirSync as mkdirSync2 } from "node:fs";
import { tmpdir } from "node:os";
import { join as join2, resolve as resolve2 } from "node:path";

// src/engine/run.ts
import { statfs } from "node:fs/promises";

// src/healing/lease.ts
import { hostname } from "node:os";

// src/targets/swarm-lease.ts
import { createHash as createHash2 } from "node:crypto";
var SWARM_LEASE_LABEL = "orixoon.lease";
var KEY_LABEL = "orixoon.lease.key";
var HOLDER_LABEL = "orixoon.lease.holder";
var TOKEN_LABEL = "orixoon.lease.token";
var EXPIRES_LABEL = "orixoon.lease.expires";
var ACQUIRE_ATTEMPTS = 12;
function digest(key) {
  return createHash2("sha256").update(key).digest("hex").slice(0, 32);
}
function swarmLeaseName(key) {
  return `orixoon-lease-${digest(key)}`;
}
var SwarmLeaseStore = class {
  constructor(client, timeoutMs = LEASE_CALL_TIMEOUT_MS) {
    this.client = client;
    this.timeoutMs = timeoutMs;
  }
  client;
  timeoutMs;
  /** The client bounds each request; the lease calls take no run signal. */
  signal = new AbortController().signal;
  acquire(key, holder, ttlMs) {
    return this.bounded(`lease '${key}'`, async () => {
      for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
        const token = newLeaseToken();
        const created = await this.create(swarmLeaseName(key), key, leaseHolderJson(holder), {
          [KEY_LABEL]: key,
          [HOLDER_LABEL]: leaseHolderJson(holder),
          [TOKEN_LABEL]: token,
          [EXPIRES_LABEL]: String(Date.now() + ttlMs)
        });
        if (created) {
          await this.removeMarkers(await this.read(key), token);
          return { acquired: true, token };
        }
        const state = await this.read(key);
        if (!state.lock) {
          await new Promise((r) => setTimeout(r, Math.min(20 * 2 ** attempt, 250)));
          continue;
        }
        if (state.expiresAt !== null && state.expiresAt > Date.now())
          return { acquired: false, holder: state.holder, expiresAt: state.expiresAt };
        await this.remove(state.lock.ID);
      }
      throw new Error(
        `lease '${key}': its config name stayed taken without a lease config to read; try again`
      );
    });
  }
  renew(key, token, ttlMs) {
    return this.bounded(`lease renewal '${key}'`, async () => {
      const state = await this.read(key);
      if (!state.lock || state.token !== token) return false;
      const marker = `${swarmLeaseName(key)}-r-${newLeaseToken().slice(0, 8)}`;
      await this.create(marker, key, "", {
        [TOKEN_LABEL]: token,
        [EXPIRES_LABEL]: String(Date.now() + ttlMs)
      });
      const after = await this.read(key);
      if (after.lock?.ID !== state.lock.ID) {
        await this.removeMarkers(after, "");
        return false;
      }
      const newest = after.markers.find((m) => m.Spec.Name === marker);
      await Promise.allSettled(after.markers.filter((m) => m !== newest).map((m) => this.remove(m.ID)));
      return true;
    });
  }
  release(key, token) {
    return this.bounded(`lease release '${key}'`, async () => {
      const state = await this.read(key);
      if (!state.lock || state.token !== token) return false;
      const removed = await this.remove(state.lock.ID);
      await this.removeMarkers(state, "");
      return removed;
    });
  }
  /** The lease config and its markers as the Swarm has them now. */
  async read(key) {
    const all = await this.client.configsByLabel(`${SWARM_LEASE_LABEL}=${digest(key)}`, this.signal);
    const name = swarmLeaseName(key);
    const lock = all.find((c) => c.Spec.Name === name);
    const markers = all.filter((c) => c !== lock);
    if (!lock) return { holder: null, expiresAt: null, markers };
    const token = lock.Spec.Labels?.[TOKEN_LABEL];
    const expiries = [lock, ...markers.filter((m) => m.Spec.Labels?.[TOKEN_LABEL] === token)].map((c) => Number(c.Spec.Labels?.[EXPIRES_LABEL])).filter((n) => Number.isFinite(n));
    return {
      lock,
      token,
      holder: parseLeaseHolder(lock.Spec.Labels?.[HOLDER_LABEL]),
      expiresAt: expiries.length ? Math.max(...expiries) : null,
      markers
    };
  }
  /** Creates a config; false when the name is taken (409). */
  async create(name, key, data, labels) {
    try {
      await this.client.createConfig(
        {
          Name: name,
          Labels: { [SWARM_LEASE_LABEL]: digest(key), ...labels },
          Data: Buffer.from(data || "{}").toString("base64")
        },
        this.signal
      );
      return true;
    } catch (err) {
      if (err instanceof SwarmApiError && err.statusCode === 409) return false;
      throw err;
    }
  }
  /** Removes a config by its ID; false when it was gone already. */
  async remove(id) {
    try {
      await this.client.removeConfig(id, this.signal);
      return true;
    } catch (err) {
      if (err instanceof SwarmApiError && err.statusCode === 404) return false;
      throw err;
    }
  }
  /** Removes the renewal markers not of `keep` (best effort: a leftover marker extends nothing). */
  async removeMarkers(state, keep) {
    await Promise.allSettled(
      state.markers.filter((m) => !keep || m.Spec.Labels?.[TOKEN_LABEL] !== keep).map((m) => this.remove(m.ID))
    );
  }
  bounded(what, fn) {
    return withLeaseTimeout(`Swarm ${this.client.host.display}: ${what}`, this.timeoutMs * 3, fn());
  }
};

// src/healing/lease.ts
var LEASE_SYSTEM = {
  start_container: "docker",
  restart_container: "docker",
  force_restart_container: "docker",
  recreate_container: "docker",
  restart_application: "docker",
  restart_service: "docker",
  restart_worker: "docker",
  terminate_idle_connections: "postgres",
  terminate_idle_transactions: "postgres",
  cancel_blocking_queries: "postgres",
  requeue_failed_items: "postgres",
  move_to_dead_letter: "postgres",
  reset_processing_status: "postgres",
  flush_expiring_keys: "redis",
  clear_expired_keys: "redis",
  kill_busy_script: "redis",
  run_heal_command: null,
  pattern_fix: null,
  // On the Swarm itself (a config object on the manager), so runners that reach different managers
  // of one Swarm still see each other's lease.
  force_update_service: "swarm",
  rollback_service: "swarm"
};
function systemOfKey(key) {
  if (key.startsWith("container:")) return "docker";
  if (key.startsWith("postgres:") || key.startsWith("table:")) return "postgres";
  if (key.startsWith("redis:")) return "redis";
  if (key.startsWith("swarm-service:")) return "swarm";
  return null;
}
function leaseHolderFrom(env, host = hostname(), pid = process.pid) {
  if (env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) {
    const attempt = Number(env.GITHUB_RUN_ATTEMPT ?? "1");
    return {
      repository: env.GITHUB_REPOSITORY,
      workflow: env.GITHUB_WORKFLOW ?? "",
      runId: env.GITHUB_RUN_ID,
      attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1
    };
  }
  return { host, pid };
}
async function leaseStoreFor(action, f, check, ctx) {
  const system = action in LEASE_SYSTEM ? LEASE_SYSTEM[action] : systemOfKey(actsOn(f));
  if (system === "docker") {
    const docker = ctx.targets.docker(findingDockerHost(f));
    return docker.leases(
      async () => (await docker.inspect(findingContainer(f), { signal: ctx.signal })).Image
    );
  }
  if (system === "postgres") return postgresTargetFor(check.options, ctx).leases();
  if (system === "redis") return redisTargetFor(check.options, ctx).leases();
  if (system === "swarm") {
    const host = typeof f.params?.host === "string" ? f.params.host : void 0;
    const own = check.options.timeout_seconds;
    const timeoutMs = Math.min(
      typeof own === "number" ? own * 1e3 : LEASE_CALL_TIMEOUT_MS,
      LEASE_CALL_TIMEOUT_MS
    );
    return new SwarmLeaseStore(new SwarmClient(swarmHost(host, ctx.env), timeoutMs), timeoutMs);
  }
  return null;
}
var HeldLease = class {
  constructor(store, key, token, ttlMs, onProblem) {
    this.store = store;
    this.key = key;
    this.token = token;
    this.timer = setInterval(
      () => {
        this.renewing = this.store.renew(key, token, ttlMs).then(
          (ok) => {
            if (!ok && !this.lost) {
              this.lost = true;
              onProblem(`the lease on ${key} expired and was taken over`);
            }
          },
          (e) => onProblem(`renewing the lease on ${key} failed: ${errorMessage(e)}`)
        );
      },
      Math.max(100, Math.floor(ttlMs / 3))
    );
    this.timer.unref();
  }
  store;
  key;
  token;
  timer;
  renewing = Promise.resolve();
  /** Set when a renewal found the lease taken over (it had expired): the run no longer holds it. */
  lost = false;
  /** Stops renewing and gives the lease up (errors only reported: the lease then ends at its expiry). */
  async release(onProblem) {
    clearInterval(this.timer);
    await this.renewing;
    try {
      await this.store.release(this.key, this.token);
    } catch (e) {
      onProblem(`releasing the lease on ${this.key} failed (it ends at its expiry): ${errorMessage(e)}`);
    }
  }
};
function ticketKey(key) {
  return `${key}#next`;
}

// src/healing/lease-wait.ts
function leaseProblem(hc, message) {
  hc.run.log.say(`\u26A0\uFE0F ${message}`);
  hc.run.log.warn(message);
}
async function takeLease(hc, st, f, action) {
  const { signal, deadline } = hc.run;
  const key = actsOn(f);
  const ttlMs = hc.config.safety_limits.lease_seconds * 1e3;
  const waitLimitMs = hc.config.safety_limits.lease_wait_seconds * 1e3;
  const problem = (m) => leaseProblem(hc, m);
  const stopped = () => ({
    kind: "stop",
    outcome: "failed",
    reason: `not healed: ${abortReason(signal)}`
  });
  const unavailable = (e) => signal.aborted ? stopped() : { kind: "stop", outcome: "locked", reason: leaseUnavailableReason(key, errorMessage(e)) };
  let store;
  try {
    store = await hc.race(leaseStoreFor(action, f, st.check, hc.run), `lease on ${key}`);
  } catch (e) {
    return unavailable(e);
  }
  if (!store) return { kind: "go", finding: f };
  const leases = store;
  const take = (k) => hc.race(leases.acquire(k, hc.leaseHolder, ttlMs), `lease on ${k}`);
  let seen;
  try {
    const first = await take(key);
    if (first.acquired)
      return { kind: "go", finding: f, lease: new HeldLease(leases, key, first.token, ttlMs, problem) };
    seen = first;
  } catch (e) {
    return unavailable(e);
  }
  const since = Date.now();
  hc.run.log.say(
    `\u{1F512} ${key} is held by ${describeLeaseHolder(seen.holder)}: waiting up to ${hc.config.safety_limits.lease_wait_seconds} s (lease_wait_seconds)\u2026`
  );
  hc.run.log.info(`Lease on ${key} held by ${describeLeaseHolder(seen.holder)}; waiting`);
  let ticket;
  let lease;
  let lockedReason = "";
  try {
    for (; ; ) {
      const d = leaseWaitDecision({
        key,
        holder: seen.holder,
        expiresAt: seen.expiresAt,
        waitingSince: since,
        now: Date.now(),
        waitLimitMs,
        deadline,
        jitter: (hc.jitter ?? Math.random)()
      });
      if (d.kind === "locked") {
        lockedReason = d.reason;
        break;
      }
      await hc.sleep(d.pollMs);
      if (signal.aborted) return stopped();
      if (!ticket) {
        const t = await take(ticketKey(key));
        if (!t.acquired) continue;
        ticket = new HeldLease(leases, ticketKey(key), t.token, ttlMs, problem);
      }
      const m = await take(key);
      if (m.acquired) {
        lease = new HeldLease(leases, key, m.token, ttlMs, problem);
        break;
      }
      seen = m;
    }
  } catch (e) {
    await lease?.release(problem);
    return unavailable(e);
  } finally {
    await ticket?.release(problem);
  }
  const waited = `${Math.round((Date.now() - since) / 1e3)} s`;
  const now = await hc.redetect(st.check, f);
  const next = retryDecision(now, f);
  if (next.kind === "healed") {
    await lease?.release(problem);
    return {
      kind: "stop",
      outcome: "recovered",
      reason: `passed on re-test after ${describeLeaseHolder(seen.holder)} held ${key} (waited ${waited})`
    };
  }
  if (!lease) return { kind: "stop", outcome: "locked", reason: lockedReason };
  if (next.kind === "retry") return { kind: "go", finding: next.finding, lease };
  await lease.release(problem);
  if (next.kind === "not_healable") return { kind: "stop", outcome: "not_healable", reason: next.reason };
  return {
    kind: "stop",
    outcome: "failed",
    reason: `while ${describeLeaseHolder(seen.holder)} held ${key} the failure changed to ${next.code} (${next.message}): not acted on`
  };
}

// src/healing/failure.ts
function failureReport(f, action, attempts, lastError) {
  return {
    attempted: `${action} (${attempts} time${attempts === 1 ? "" : "s"})`,
    attempts,
    lastError: lastError || "unknown error",
    recommendation: failureAdvice(f.code)
  };
}

// src/healing/console.ts
function cap(s) {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
function sayStop(log, f, fr, d, approveHint) {
  switch (d.outcome) {
    case "awaiting_approval":
      log.say(`\u26A0\uFE0F Confirmation required (${cap(d.risk)} risk action): ${d.plan}`);
      log.say(`   Approve with: ${approveHint(fr.id)}`);
      log.warn(`Awaiting approval ${fr.id}: ${d.plan}`);
      break;
    case "dry_run":
      log.say(`\u{1F50D} DRY RUN: would ${d.plan}`);
      log.info(`Dry run: would run ${d.action} on ${f.target}`);
      break;
    case "budget_exhausted":
      log.say(`\u{1FAAB} Not healed [${f.checkId}] (heal budget exhausted): ${d.reason}`);
      log.warn(`Heal budget exhausted for ${f.code} on ${f.target}: ${d.reason}`);
      break;
    case "limit_reached":
      log.say(`\u26D4 Not healed [${f.checkId}] (limit reached): ${d.reason}`);
      log.warn(`Limit reached for ${f.code} on ${f.target}: ${d.reason}`);
      break;
    case "guarded":
      log.say(`\u{1F6E1}\uFE0F Not healed [${f.checkId}] (guard): ${d.reason}`);
      log.warn(`Guard stopped healing of ${f.code} on ${f.target}: ${d.reason}`);
      break;
    case "disabled":
      log.say(`\u23F8\uFE0F Not healed [${f.checkId}]: ${d.reason}`);
      log.info(`Healing disabled for ${f.code}: ${d.reason}`);
      break;
    default:
      log.say(`\u{1F6AB} Not healable [${f.checkId}]: ${d.reason}`);
      log.info(`Not healable: ${f.code} on ${f.target}: ${d.reason}`);
  }
}
function sayApprovalUsed(log, fr, risk, approval) {
  log.say(`\u26A0\uFE0F Confirmation required (${cap(risk)} risk action): approved by ${approval.by ?? approval.via}`);
  log.info(`Approval ${fr.id} used (${approval.via}${approval.by ? ` by ${approval.by}` : ""})`);
}
function sayFailure(log, f, fail) {
  log.say(`\u274C HEALING FAILED: ${f.message}`);
  log.say(`   Attempted: ${fail.attempted}`);
  log.say(`   Error: ${fail.lastError}`);
  log.say(`   Recommendation: ${fail.recommendation}`);
  log.say("   Deployment: BLOCKED for safety");
}
function sayBlockedByDependency(log, f, brokenDeps) {
  log.say(`\u26D3\uFE0F Not healed: ${f.target} depends on ${brokenDeps.join(", ")}, which is still broken`);
  log.warn(`${f.code} on ${f.target} blocked by dependency ${brokenDeps.join(", ")}`);
}
function sayRetestFirst(log, d, checkId, budget) {
  if (d.waitForStabilization)
    log.say(`\u23F3 Re-testing ${checkId} now that its root cause was healed (up to ${budget})\u2026`);
}
function sayRecovered(log, f, detail) {
  log.say(`\u2713 Re-test: ${detail} (recovered)`);
  log.success(`${f.code} on ${f.target} recovered: ${detail}`);
}
function sayFoundAfterHealing(log, f) {
  log.say(`\u274C ${f.message} (found on re-check after healing)`);
  log.info(`Detected issue after healing: ${f.code} (${f.target})`);
}

// src/state/gate.ts
async function healGateFor(store, target, settings, now = Date.now()) {
  const history = await store.targetHistory(target, {
    since: historySince(now, settings),
    lastRuns: settings.flakyRuns
  });
  return gateHeal(history, now, settings);
}

// src/healing/budget-gate.ts
function gated(d) {
  return d.kind === "act" || d.outcome === "dry_run" || d.outcome === "awaiting_approval";
}
async function applyHealGate(hc, f, fr, decision, approval, findApproval2) {
  const store = hc.stateStore;
  if (!store || !gated(decision)) return { decision, approval };
  const { log } = hc.run;
  let gate;
  try {
    gate = await healGateFor(
      store,
      { checkId: f.checkId, target: f.target, host: hostOf(fr) },
      budgetSettingsOf(hc.config.safety_limits)
    );
  } catch (e) {
    log.say(
      `\u26A0\uFE0F Heal history of ${f.target} could not be read (budget and backoff not applied): ${errorMessage(e)}`
    );
    log.warn(`Heal history of ${f.target} could not be read: ${errorMessage(e)}`);
    return { decision, approval };
  }
  const stop = (outcome, reason, plan) => ({
    kind: "stop",
    outcome,
    reason,
    action: decision.action,
    risk: decision.risk,
    plan: plan ?? (decision.kind === "stop" ? decision.plan : void 0)
  });
  switch (gate.decision) {
    case "allow":
      return { decision, approval };
    case "budget_exhausted":
      return { decision: stop("budget_exhausted", `${gate.reason}. ${gate.advice}`), approval };
    case "backoff":
      return { decision: stop("limit_reached", gate.reason), approval };
    case "needs_confirmation": {
      const approved = approval ?? await findApproval2();
      if (decision.kind === "act" && approved)
        return { decision: { ...decision, risk: "high" }, approval: approved };
      if (decision.kind === "stop" && decision.outcome === "dry_run" && approved)
        return {
          decision: { ...decision, risk: "high", reason: `${decision.reason}; ${gate.reason}` },
          approval
        };
      const plan = decision.kind === "act" ? `${decision.action} on ${f.target}: ${decision.remedy.describe(f)} (because: ${f.message})` : decision.plan;
      return {
        decision: { ...stop("awaiting_approval", gate.reason, plan), risk: "high" },
        approval: void 0
      };
    }
  }
}

// src/healing/heal.ts
function newHealingLedger() {
  return {
    actions: [],
    approvals: [],
    patterns: {},
    recommendations: /* @__PURE__ */ new Set(),
    inFlight: /* @__PURE__ */ new Map(),
    running: /* @__PURE__ */ new Set()
  };
}
function newFindingReport(f, phase, sha) {
  return {
    id: approvalId(f, sha),
    code: f.code,
    checkId: f.checkId,
    phase,
    target: f.target,
    message: f.message,
    severity: f.severity ?? "error",
    evidence: f.evidence,
    outcome: "failed",
    reason: "",
    action: null,
    risk: riskFor(f),
    attempts: 0,
    durationMs: 0
  };
}
async function healFinding(hc, st, f, phase, guards) {
  const fr = newFindingReport(f, phase, hc.sha);
  hc.ledger.inFlight.set(fr, Date.now());
  try {
    return await heal(hc, fr, st, f, guards);
  } finally {
    hc.ledger.inFlight.delete(fr);
  }
}
async function findApproval(hc, fr) {
  const at = (/* @__PURE__ */ new Date()).toISOString();
  if (inputApproves(hc.approve, fr) || !hc.approvalLookup) return approvalFor(fr, hc.approve, [], at);
  const { log } = hc.run;
  try {
    return approvalFor(fr, hc.approve, [await hc.race(hc.approvalLookup(fr), "approval lookup")], at);
  } catch (e) {
    log.say(`\u26A0\uFE0F Approval lookup failed (treated as not approved): ${errorMessage(e)}`);
    log.warn(`Approval lookup failed (treated as not approved): ${errorMessage(e)}`);
    return void 0;
  }
}
async function heal(hc, fr, st, f, guards) {
  const { config, session, ledger } = hc;
  const { log, signal } = hc.run;
  const t0 = Date.now();
  const pattern = typeof f.evidence.pattern === "string" ? f.evidence.pattern : void 0;
  if (pattern) (ledger.patterns[pattern] ??= { matched: 0, fixes_attempted: 0, fixes_worked: 0 }).matched++;
  if (f.recommendation) ledger.recommendations.add(f.recommendation);
  const finish = (outcome, reason) => {
    fr.outcome = outcome;
    fr.reason = reason;
    fr.durationMs = Date.now() - t0;
    return fr;
  };
  if (signal.aborted && !f.manual) return finish("failed", `not healed: ${abortReason(signal)}`);
  const asked = requiresConfirmation(config, f) ? await findApproval(hc, fr) : void 0;
  const policy = decide({
    finding: f,
    config,
    remedies: hc.remedies,
    autoHeal: hc.autoHeal,
    dryRun: hc.dryRun,
    guards,
    session,
    now: Date.now(),
    approved: asked !== void 0
  });
  const { decision, approval } = await applyHealGate(hc, f, fr, policy, asked, () => findApproval(hc, fr));
  fr.risk = decision.risk;
  fr.action = decision.action;
  if (decision.kind === "stop") {
    fr.plan = decision.plan;
    sayStop(log, f, fr, decision, hc.approveHint);
    if (decision.outcome === "dry_run" && decision.category)
      countAction(session, decision.category, f, decision.action, Date.now());
    return finish(decision.outcome, decision.reason);
  }
  if (approval) {
    fr.approval = approval;
    ledger.approvals.push(approval);
    sayApprovalUsed(log, fr, decision.risk, approval);
  }
  const start = await takeLease(hc, st, f, decision.action);
  if (start.kind === "stop") {
    log.say(
      `${start.outcome === "recovered" ? "\u2705" : "\u{1F512}"} ${cap2(start.outcome)} [${f.checkId}]: ${start.reason}`
    );
    if (start.outcome === "recovered") log.success(`${f.code} on ${f.target}: ${start.reason}`);
    else log.error(`${f.code} on ${f.target} not healed: ${start.reason}`);
    return finish(start.outcome, start.reason);
  }
  try {
    return await attemptLoop(hc, fr, st, start.finding, decision, finish, start.lease);
  } finally {
    await start.lease?.release((m) => leaseProblem(hc, m));
  }
}
function cap2(s) {
  return (s.charAt(0).toUpperCase() + s.slice(1)).replace(/_/g, " ");
}
async function attemptLoop(hc, fr, st, f, decision, finish, lease) {
  const { config, session, ledger } = hc;
  const { log, signal } = hc.run;
  const pattern = typeof f.evidence.pattern === "string" ? f.evidence.pattern : void 0;
  const { remedy, action } = decision;
  const stableTimeoutMs = config.auto_healing.stabilization_timeout_seconds * 1e3;
  const reTestFor = () => formatMillisecondsAsSeconds(hc.retestBudgetMs(stableTimeoutMs));
  let lastError = "";
  let cur = f;
  let previous;
  for (let attempt = 1; attempt <= decision.attempts; attempt++) {
    if (attempt > 1) {
      const limited = retryLimit(config, session, decision.category, cooldownKey(cur, action), Date.now());
      if (limited) {
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        return finish(
          "limit_reached",
          `${limited} (after ${attempt - 1} failed attempt${attempt > 2 ? "s" : ""})`
        );
      }
      log.say(
        `\u23F3 Attempt ${attempt}/${decision.attempts} of ${action} in ${formatMillisecondsAsSeconds(decision.retryDelayMs)}\u2026`
      );
      log.info(
        `Retrying ${action} in ${decision.retryDelayMs / 1e3}s (attempt ${attempt}/${decision.attempts})`
      );
      await hc.sleep(decision.retryDelayMs);
      if (previous) await Promise.race([previous, hc.sleep(5e3)]);
      if (signal.aborted) break;
      if (lease?.lost) {
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        return finish(
          "locked",
          `not retried: the lease on ${lease.key} expired and was taken over by another run`
        );
      }
      const next = retryDecision(await hc.redetect(st.check, cur), cur);
      if (next.kind === "healed") {
        const last = ledger.actions.at(-1);
        if (last) {
          last.success = true;
          last.details += "; passed on a later re-check";
        }
        fr.retest = `${st.check.id} passed on re-check before retrying`;
        log.say(`\u2705 HEALED: ${action} worked after all`);
        log.say(`\u2713 Re-test: ${fr.retest}`);
        log.success(`Re-test passed: ${fr.retest}`);
        if (pattern) ledger.patterns[pattern].fixes_worked++;
        return finish("healed", `${action} succeeded on attempt ${attempt - 1} (confirmed on re-check)`);
      }
      if (next.kind === "not_healable") {
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        log.say(`\u{1F6AB} Not retried [${f.checkId}]: ${next.reason}`);
        return finish("not_healable", `not retried: ${next.reason}`);
      }
      if (next.kind === "changed") {
        lastError = `${lastError ? `${lastError}; ` : ""}now ${next.code}: ${next.message}`;
        fr.failure = failureReport(f, action, attempt - 1, lastError);
        log.say(`\u2717 Not retried [${f.checkId}]: the failure changed to ${next.code} (${next.message})`);
        sayFailure(log, f, fr.failure);
        return finish("failed", `${action} did not fix it; the failure changed to ${next.code}`);
      }
      cur = next.finding;
    }
    fr.attempts = attempt;
    countAction(session, decision.category, f, decision.action, Date.now());
    st.acted = true;
    const startedAt = /* @__PURE__ */ new Date();
    log.say(
      `\u{1F527} HEALING: ${remedy.describe(cur)}${attempt > 1 ? ` (attempt ${attempt}/${decision.attempts})` : ""}`
    );
    log.info(`Starting healing action: ${action}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
    hc.emit({
      kind: "attempt",
      finding: fr,
      action,
      attempt,
      details: remedy.describe(cur),
      timestamp: startedAt.toISOString()
    });
    const actionSignal = AbortSignal.any([signal, AbortSignal.timeout(decision.timeoutMs)]);
    const rctx = {
      ...hc.run,
      signal: actionSignal,
      check: st.check,
      timeoutMs: decision.timeoutMs,
      protected: config.protected,
      actionConfig: decision.actionConfig
    };
    const record = {
      timestamp: startedAt.toISOString(),
      issue: f.message,
      code: f.code,
      checkId: f.checkId,
      target: f.target,
      action,
      category: decision.category,
      attempt,
      success: false,
      details: "",
      durationMs: 0
    };
    ledger.actions.push(record);
    if (pattern) ledger.patterns[pattern].fixes_attempted++;
    try {
      const running = remedy.run(cur, rctx);
      const settled = running.then(
        () => void 0,
        () => void 0
      );
      previous = settled;
      ledger.running.add(settled);
      void settled.then(() => ledger.running.delete(settled));
      const result = await withSignal(running, actionSignal, `${action} on ${f.target}`);
      record.actionMs = Date.now() - startedAt.getTime();
      for (const r of result.recommendations ?? []) ledger.recommendations.add(r);
      record.data = result.data;
      log.say(`\u{1F527} Action done (${result.details}), re-testing (up to ${reTestFor()})\u2026`);
      log.info(`${action} on ${f.target} done: ${result.details}; re-testing`);
      const verified = await hc.retest(st.check, cur, stableTimeoutMs);
      record.durationMs = Date.now() - startedAt.getTime();
      if (verified.ok) {
        record.success = true;
        record.details = `${result.details}; re-test: ${verified.detail}`;
        fr.retest = verified.detail;
        log.say(`\u2705 HEALED: ${result.details}`);
        log.success(`${action} on ${f.target}: ${result.details}`);
        log.say(`\u2713 Re-test: ${verified.detail}`);
        log.success(`Re-test passed: ${verified.detail}`);
        if (pattern) ledger.patterns[pattern].fixes_worked++;
        hc.emit({
          kind: "success",
          finding: fr,
          action,
          attempt,
          details: record.details,
          timestamp: (/* @__PURE__ */ new Date()).toISOString()
        });
        return finish("healed", `${action} succeeded on attempt ${attempt}`);
      }
      lastError = `action ran (${result.details}) but the re-test still fails: ${verified.detail}`;
      record.details = lastError;
      log.say(`\u2717 Re-test: ${verified.detail}`);
      log.error(`Re-test failed after ${action}: ${verified.detail}`);
    } catch (e) {
      record.durationMs = Date.now() - startedAt.getTime();
      if (e && typeof e === "object" && "data" in e)
        record.data = e.data;
      lastError = errorMessage(e);
      record.details = lastError;
      log.say(`\u2717 Healing action failed: ${lastError}`);
      log.error(`${action} on ${f.target} failed: ${lastError}`);
    }
    if (signal.aborted) break;
  }
  fr.failure = failureReport(f, action, fr.attempts, lastError || abortReason(signal));
  sayFailure(log, f, fr.failure);
  hc.emit({
    kind: "failure",
    finding: fr,
    action,
    attempt: fr.attempts,
    details: fr.failure.lastError,
    timestamp: (/* @__PURE__ */ new Date()).toISOString()
  });
  return finish(
    "failed",
    `${action} did not fix it after ${fr.attempts} attempt${fr.attempts === 1 ? "" : "s"}`
  );
}

// src/targets/registry.ts
var CLOSE_GRACE_MS = 2e3;
var TargetRegistry = class {
  constructor(factories, context, closeGraceMs = CLOSE_GRACE_MS) {
    this.factories = factories;
    this.context = context;
    this.closeGraceMs = closeGraceMs;
  }
  factories;
  context;
  closeGraceMs;
  open = /* @__PURE__ */ new Map();
  /** The systems a factory is registered for. */
  get systems() {
    return Object.keys(this.factories);
  }
  /** The target of `system` for `key`, made on first use and the same object afterwards. */
  get(system, key) {
    const factory = this.factories[system];
    if (!factory)
      throw new Error(`No target factory for system '${system}': registered are ${this.systems.join(", ")}`);
    let bySystem = this.open.get(system);
    if (!bySystem) this.open.set(system, bySystem = /* @__PURE__ */ new Map());
    let target = bySystem.get(key);
    if (!target) {
      target = factory(key, this.context);
      bySystem.set(key, target);
    }
    return target;
  }
  /** The keys of the targets of `system` made so far. */
  keys(system) {
    return [...this.open.get(system)?.keys() ?? []];
  }
  /**
   * Closes every target made so far and forgets them (a later `get` makes a new one); safe to call
   * twice. Each close is bounded, so a peer that never answers cannot hold the run.
   */
  async closeAll() {
    const all = [...this.open.values()].flatMap((m) => [...m.values()]);
    this.open.clear();
    await Promise.allSettled(
      all.map(
        (t) => Promise.race([t.close(), new Promise((r) => setTimeout(r, this.closeGraceMs).unref())])
      )
    );
  }
};

// src/targets/index.ts
var SYSTEMS = {
  docker: (hostName, { settings }) => {
    const host = resolveDockerHost(settings.docker, hostName);
    return new DockerTarget(host.settings, host.name, isDockerHosts(settings.docker));
  },
  postgres: (url, { redactor }) => (redactor.add(url), new PostgresTarget(url)),
  redis: (url, { redactor }) => (redactor.add(url), new RedisTarget(url))
};
var Targets = class {
  registry;
  settings;
  redactor;
  constructor(settings, redactor) {
    this.settings = settings;
    this.redactor = redactor;
    this.registry = new TargetRegistry(SYSTEMS, { settings, redactor });
  }
  /** The target of `system` for a connection key (a host name, a URL), made on first use. */
  get(system, key) {
    return this.registry.get(system, key);
  }
  /**
   * One Docker engine per configured host per run. Without a name: the default host (the one
   * `default` names, the only one, or the one named `default`); an unknown name is an error that lists
   * the configured hosts.
   */
  docker(hostName) {
    return this.registry.get("docker", resolveDockerHost(this.settings.docker, hostName).name);
  }
  /** The configured Docker host names, in configuration order (`default` alone for the single-host form). */
  dockerHosts() {
    return dockerHostNames(this.settings.docker);
  }
  /** One PostgreSQL session per URL per run, shared by every check and remedy. */
  postgres(url = this.settings.postgresUrl) {
    if (!url)
      throw new Error(
        "No PostgreSQL URL: set targets.postgres.url, the check's url, or the postgres-url input"
      );
    return this.registry.get("postgres", url);
  }
  /** One Redis client per URL per run. */
  redis(url = this.settings.redisUrl) {
    if (!url) throw new Error("No Redis URL: set targets.redis.url, the check's url, or the redis-url input");
    return this.registry.get("redis", url);
  }
  /** Closes every connection; safe to call twice. Each close is bounded, so a peer that never answers cannot hold the run. */
  close() {
    return this.registry.closeAll();
  }
};

// src/engine/secrets.ts
var ENV_SECRET_NAME = /PASS|TOKEN|SECRET|KEY|DSN|WEBHOOK|HOOK|CREDENTIAL|AUTH|PRIVATE/i;
var PUBLIC_NAME = /^(?:(?:GITHUB|RUNNER|ACTIONS|CI)_.*|CI|HOME|PWD|OLDPWD|USER|LOGNAME|PATH|SHELL|TMPDIR|HOSTNAME|LANG)$/i;
var URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:[^@\s/]+@[^\s'"`<>]*/gi;
function isPublicVariable(name) {
  return PUBLIC_NAME.test(name) && !/TOKEN/i.test(name);
}
function secretEnvValues(env) {
  const out = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < MIN_MASKED_LENGTH || isPublicVariable(name)) continue;
    if (ENV_SECRET_NAME.test(name) || /URL|URI/i.test(name) && /:\/\/[^/\s]*@/.test(value)) out.push(value);
  }
  return out;
}
function configUrlsWithPasswords(value, out = []) {
  if (typeof value === "string") out.push(...value.match(URL_WITH_PASSWORD) ?? []);
  else if (Array.isArray(value)) for (const v of value) configUrlsWithPasswords(v, out);
  else if (value && typeof value === "object")
    for (const v of Object.values(value)) configUrlsWithPasswords(v, out);
  return out;
}
function registerSecrets(redactor, loaded, env, log) {
  const secretLooking = /* @__PURE__ */ new Set();
  for (const { name, value } of loaded.expanded) {
    if (isPublicVariable(name)) continue;
    const label = `\${${name}}`;
    if (ENV_SECRET_NAME.test(name)) secretLooking.add(label);
    redactor.add(value, label);
  }
  for (const url of configUrlsWithPasswords(loaded.config)) redactor.add(url, "a URL password in the config");
  for (const value of secretEnvValues(env)) redactor.add(value);
  for (const label of new Set(redactor.refused)) {
    if (label.startsWith("${") && !secretLooking.has(label)) continue;
    const warning = `${label} is too short to mask (under ${MIN_MASKED_LENGTH} characters): it is shown as is wherever it appears; use a longer secret`;
    log.say(`\u26A0\uFE0F ${warning}`);
    log.warn(warning);
  }
}

// src/engine/lifetime.ts
var SETTLE_MS = { deadline: 2e3, cancelled: 800, error: 800 };
var CANCEL_HOOKS_MS = 1e3;
var MAX_TIMER_MS = 2 ** 31 - 1;
var RunLifetime = class {
  /** Aborted when the run stops (deadline, cancel, unexpected error). */
  signal;
  /** Races the run's many promises against its signal with one listener. */
  race;
  deadline;
  controller = new AbortController();
  timeoutSeconds;
  cancel;
  timer;
  stopped;
  constructor(o) {
    this.signal = this.controller.signal;
    this.race = new AbortRace(this.signal);
    this.deadline = o.deadline;
    this.timeoutSeconds = o.timeoutSeconds;
    this.cancel = o.cancel;
    this.timer = setTimeout(this.onDeadline, Math.min(MAX_TIMER_MS, Math.max(0, o.deadline - Date.now())));
    o.cancel?.addEventListener("abort", this.onCancel, { once: true });
    if (o.cancel?.aborted) this.onCancel();
  }
  /** Why the run stopped, once it has. */
  get interruption() {
    return this.stopped?.interruption;
  }
  /** Stops the run (the first reason wins). */
  interrupt(i) {
    if (this.stopped) return;
    this.stopped = { interruption: i, at: Date.now() };
    this.controller.abort(new Error(i.detail));
  }
  /** The hard stop: waits for the work, or cuts it off a short settle time after the run is stopped. */
  async waitOrCutOff(work) {
    let settleTimer;
    let disarm = () => {
    };
    const cutOff = new Promise((resolve3) => {
      const arm = () => {
        settleTimer = setTimeout(resolve3, SETTLE_MS[this.interruption?.reason ?? "deadline"]);
      };
      if (this.signal.aborted) arm();
      else this.signal.addEventListener("abort", arm, { once: true });
      disarm = () => this.signal.removeEventListener("abort", arm);
    });
    await Promise.race([work, cutOff]);
    disarm();
    clearTimeout(settleTimer);
    clearTimeout(this.timer);
    this.cancel?.removeEventListener("abort", this.onCancel);
  }
  /** A check that held the main thread past the deadline finished before the timer could fire. */
  checkDeadline() {
    if (Date.now() >= this.deadline) this.onDeadline();
  }
  /** What is left of the settle time the stop gives in-flight work. */
  settleLeftMs() {
    if (!this.stopped) return 0;
    return this.stopped.at + SETTLE_MS[this.stopped.interruption.reason] - Date.now();
  }
  onDeadline = () => this.interrupt({ reason: "deadline", detail: deadlineMessage(this.timeoutSeconds) });
  onCancel = () => this.interrupt({ reason: "cancelled", detail: this.cancel ? abortReason(this.cancel) : "cancelled" });
};
async function stopUnfinished(processes, cancelHooks, errors, log) {
  const killed = processes.killAll("SIGKILL");
  if (killed.length) log.warn(`Killed ${killed.length} command process group(s) still running`);
  const hooks = [...cancelHooks];
  cancelHooks.clear();
  for (const hook of hooks) {
    const ran = Promise.resolve().then(hook).catch((e) => {
      errors.push(`cleanup after the stop failed: ${errorMessage(e)}`);
      log.error(`Cleanup after the stop failed: ${errorMessage(e)}`);
    });
    if (!await settlesWithin(ran, CANCEL_HOOKS_MS)) {
      errors.push(`cleanup after the stop did not finish within ${CANCEL_HOOKS_MS / 1e3}s`);
    }
  }
}

// src/engine/connections.ts
import { readFileSync as readFileSync2 } from "node:fs";
function dockerSettings(o, config) {
  const docker = config.targets.docker;
  const timeoutMs = docker.timeout_seconds * 1e3;
  if (!docker.hosts) {
    return {
      host: o.docker?.host ?? docker.host,
      tlsVerify: o.docker?.tlsVerify ?? docker.tls_verify,
      certPath: o.docker?.certPath ?? docker.cert_path,
      timeoutMs: o.docker?.timeoutMs ?? timeoutMs
    };
  }
  const hosts = /* @__PURE__ */ Object.create(null);
  for (const [name, h] of Object.entries(docker.hosts)) {
    hosts[name] = {
      host: h.host,
      ...h.tls ? { tls: { ...h.tls } } : {},
      timeoutMs: h.timeout_seconds !== void 0 ? h.timeout_seconds * 1e3 : timeoutMs
    };
  }
  const settings = { hosts, ...docker.default ? { default: docker.default } : {} };
  const given = Object.entries(o.docker ?? {}).filter(([, v]) => v !== void 0 && v !== "");
  if (given.length) {
    try {
      const d = resolveDockerHost(settings);
      hosts[d.name] = { ...d.settings, ...Object.fromEntries(given) };
    } catch {
    }
  }
  return settings;
}
function targetSettings(o, config) {
  return {
    docker: dockerSettings(o, config),
    postgresUrl: o.postgresUrl ?? config.targets.postgres.url,
    redisUrl: o.redisUrl ?? config.targets.redis.url
  };
}
function dockerTlsMaterial(config) {
  const out = [];
  for (const h of Object.values(config.targets.docker.hosts ?? {})) {
    for (const v of [h.tls?.ca, h.tls?.cert, h.tls?.key]) {
      if (v === void 0) continue;
      if (v.includes("-----BEGIN")) out.push(v);
      else {
        try {
          out.push(readFileSync2(v, "utf8"));
        } catch {
        }
      }
    }
  }
  return out;
}
function connectionUrls(o, config) {
  const tls = dockerTlsMaterial(config);
  const lines = tls.flatMap(
    (pem) => pem.split("\n").map((l) => l.trim()).filter((l) => l.length >= 16 && !l.startsWith("-----"))
  );
  return [o.postgresUrl, o.redisUrl, config.targets.postgres.url, config.targets.redis.url, ...tls, ...lines];
}

// src/engine/evaluate.ts
function newCheckState(check, selected, printed = false) {
  return { check, durationMs: 0, acted: false, selected, printed };
}
function checkErrorFinding(check, why) {
  return {
    code: "check_error",
    checkId: check.id,
    target: check.id,
    targetKey: `check:${check.id}`,
    message: `Check '${check.id}' (${check.type}) ${why}`,
    evidence: {},
    manual: `the ${check.type} check ${why}`
  };
}
var sameFinding = (a, b) => a.code === b.code && a.targetKey === b.targetKey;
function currentForm(check, findings, f) {
  return findings.find((x) => sameFinding(x, f)) ?? (check.exclusiveFindings ? findings.find((x) => x.targetKey === f.targetKey && (x.severity ?? "error") === "error") : void 0);
}
function createEvaluator({ ctx, race, stopped, onResult }) {
  const { signal, deadline } = ctx;
  const runOnce = (check, what) => race.race(check.run(ctx), what);
  return {
    evaluate(st) {
      st.first ??= (async () => {
        const t0 = Date.now();
        let result;
        try {
          result = await runOnce(st.check, `check ${st.check.id}`);
        } catch (e) {
          const stop = stopped();
          const why = stop ? `did not finish: ${stop}` : `could not run: ${errorMessage(e)}`;
          result = { findings: [checkErrorFinding(st.check, why)] };
        }
        st.durationMs = Date.now() - t0;
        st.result = result;
        onResult(st, result);
        return result;
      })();
      return st.first;
    },
    async retest(check, finding, timeoutMs) {
      const end = Math.min(Date.now() + timeoutMs, deadline);
      if (check.verify) {
        try {
          return await race.race(check.verify(finding, ctx, Math.max(0, end - Date.now())), "re-test");
        } catch (e) {
          return { ok: false, detail: `re-test failed: ${errorMessage(e)}` };
        }
      }
      let wait = 100;
      let last = "";
      for (; ; ) {
        try {
          const r = await runOnce(check, "re-test");
          const still = currentForm(check, r.findings, finding);
          if (!still)
            return { ok: true, detail: r.summary ? `${check.id}: ${r.summary}` : `${check.id} passed` };
          last = still.message;
        } catch (e) {
          last = errorMessage(e);
        }
        if (Date.now() + wait > end || signal.aborted) return { ok: false, detail: `still failing: ${last}` };
        await delay(wait, signal);
        wait = Math.min(wait * 2, 1e3);
      }
    },
    async redetect(check, finding) {
      try {
        const r = await runOnce(check, "re-check");
        return currentForm(check, r.findings, finding) ?? "gone";
      } catch {
        return finding;
      }
    },
    async redetectAll(check) {
      try {
        return (await runOnce(check, "re-check")).findings;
      } catch {
        return [];
      }
    }
  };
}

// src/engine/order.ts
var isError = (f) => (f.severity ?? "error") === "error";
async function composeDependencies(st, states, evaluator) {
  const compose = st.result?.facts?.compose;
  if (!compose?.dependsOn.length) return [];
  const out = [];
  for (const other of states.values()) {
    if (other === st || other.check.type !== st.check.type) continue;
    const oc = (await evaluator.evaluate(other)).facts?.compose;
    if (oc && oc.project === compose.project && compose.dependsOn.includes(oc.service))
      out.push(other.check.id);
  }
  return out;
}
function createResolver(oc) {
  const { states, evaluator, log, config, findings } = oc;
  const stableTimeoutMs = config.auto_healing.stabilization_timeout_seconds * 1e3;
  const resolve3 = (st, trail = []) => {
    st.resolution ??= (async () => {
      const result = await evaluator.evaluate(st);
      if (!st.selected) return !result.findings.some(isError);
      oc.print(st, true);
      const depIds = [
        .../* @__PURE__ */ new Set([...st.check.dependsOn, ...await composeDependencies(st, states, evaluator)])
      ].filter((d) => states.has(d) && !trail.includes(d));
      const brokenDeps = [];
      let rootActed = false;
      for (const d of depIds) {
        const dst = states.get(d);
        if (!await resolve3(dst, [...trail, st.check.id])) brokenDeps.push(d);
        if (dst.acted) rootActed = true;
      }
      const phase = st.check.phase;
      let allOk = true;
      const healAndRecord = async (f) => {
        const fr = await oc.heal(st, f, phase);
        findings.push(fr);
        if (fr.outcome !== "healed" && fr.outcome !== "recovered" && isError(f)) allOk = false;
      };
      for (const f of result.findings) {
        const d = dependencyDecision({
          code: f.code,
          brokenDeps,
          unselectedDeps: brokenDeps.filter((id) => !states.get(id).selected),
          preventCascade: config.safety_limits.prevent_cascade_restarts,
          rootActed,
          checkActed: st.acted
        });
        if (d.kind === "blocked") {
          const fr = oc.report(f, phase);
          fr.outcome = d.outcome;
          fr.action = null;
          fr.reason = d.reason;
          findings.push(fr);
          sayBlockedByDependency(log, f, brokenDeps);
          allOk = false;
          continue;
        }
        if (d.kind === "retest") {
          sayRetestFirst(
            log,
            d,
            st.check.id,
            formatMillisecondsAsSeconds(oc.retestBudgetMs(stableTimeoutMs))
          );
          const r = await evaluator.retest(st.check, f, d.waitForStabilization ? stableTimeoutMs : 0);
          if (r.ok) {
            const fr = oc.report(f, phase);
            fr.outcome = "recovered";
            fr.reason = d.recoveredReason;
            fr.retest = r.detail;
            fr.action = null;
            findings.push(fr);
            sayRecovered(log, f, r.detail);
            continue;
          }
        }
        await healAndRecord(f);
      }
      if (st.acted && !oc.signal.aborted) {
        const seen = result.findings;
        const again = await evaluator.redetectAll(st.check);
        for (const f of again.filter((x) => !seen.some((y) => sameFinding(x, y)))) {
          sayFoundAfterHealing(log, f);
          await healAndRecord(f);
        }
      }
      st.done = true;
      return allOk;
    })();
    return st.resolution;
  };
  return (st) => resolve3(st);
}

// src/engine/console.ts
function sayCheckResult(log, check, result, early) {
  const from = early ? ` (${check.phase}, checked early as a dependency)` : "";
  if (!result.findings.length) log.say(`\u2713 ${check.id}: ${result.summary ?? "passed"}${from}`);
  for (const f of result.findings) {
    log.say(`${f.severity === "warning" ? "\u26A0\uFE0F" : "\u274C"} ${f.message}${from}`);
    log.info(`Detected issue: ${f.code} (${f.target})`);
  }
}
function sayGuard(log, message, level, icon) {
  if (icon) log.say(`${icon} ${message}`);
  if (level === "warn") log.warn(message);
  else log.error(message);
}
function sayRunError(log, icon, message) {
  log.say(`${icon} ${message}`);
  log.error(message);
}

// src/engine/run-report.ts
function reportUnfinished(r, i, log) {
  const why = stopReason(i);
  const now = Date.now();
  for (const [fr, since] of r.ledger.inFlight) {
    fr.outcome = "failed";
    fr.reason = `interrupted while healing: ${why}`;
    fr.durationMs = now - since;
    r.findings.push(fr);
    log.say(`\u274C Not finished: ${fr.message} (${why})`);
    log.error(`${fr.code} on ${fr.target} not finished: ${why}`);
  }
  r.ledger.inFlight.clear();
  const known = new Set(r.findings.map((f) => f.id));
  for (const phase of r.plan) {
    for (const c of phase.checks) {
      const st = r.states.get(c.id);
      if (!st || st.done) continue;
      if (!st.result) {
        const f = checkErrorFinding(c, `did not finish: ${why}`);
        const fr = r.report(f, c.phase);
        fr.outcome = "not_healable";
        fr.reason = `did not finish: ${why}`;
        r.findings.push(fr);
        log.say(`\u274C ${f.message}`);
        log.error(f.message);
        continue;
      }
      for (const f of st.result.findings) {
        const fr = r.report(f, c.phase);
        if (known.has(fr.id)) continue;
        fr.reason = `not healed: ${why}`;
        r.findings.push(fr);
        known.add(fr.id);
      }
    }
  }
}
function phaseReports(r, now) {
  return r.plan.map((phase) => {
    const times = r.phaseTimes.get(phase.name);
    const checks = phase.checks.map((c) => {
      const st = r.states.get(c.id);
      const own = r.findings.filter((f) => f.checkId === c.id);
      const status = !own.length ? "passed" : own.every((f) => f.outcome === "healed" || f.outcome === "recovered" || f.severity === "warning") ? "healed" : "failed";
      return {
        id: c.id,
        type: c.type,
        phase: c.phase,
        status,
        summary: st.result?.summary,
        durationMs: st.durationMs,
        findings: own.map((f) => f.id),
        dependsOn: c.dependsOn
      };
    });
    return {
      name: phase.name,
      status: checks.some((c) => c.status === "failed") ? "failed" : checks.some((c) => c.status === "healed") ? "healed" : "passed",
      durationMs: times ? (times.ended ?? now) - times.started : 0,
      checks
    };
  });
}
function buildRunReport(r, mode, log, redactor) {
  log.endGroup();
  const { errors, ledger } = r;
  if (r.interruption) {
    reportUnfinished(r, r.interruption, log);
    if (!errors.includes(r.interruption.detail)) errors.push(r.interruption.detail);
  }
  const phases = phaseReports(r, Date.now());
  const checkCount = r.plan.reduce((n, p) => n + p.checks.length, 0);
  const nothingToRun = !mode.injected && checkCount === 0 && !r.planFailed;
  const nothingConfigured = nothingToRun && !mode.discovered;
  if (nothingConfigured) errors.push("No checks to run: the config has phases but no checks in them.");
  const nothingDiscovered = nothingToRun && mode.discovered;
  if (nothingDiscovered) {
    errors.push(
      "No containers found on the Docker host: nothing was checked. Check DOCKER_HOST / docker-host, or configure phases."
    );
  }
  const { verdict, deployment, counts, headline } = buildVerdict({
    findings: r.findings,
    failOn: mode.failOn,
    runFailed: r.planFailed || nothingConfigured || nothingDiscovered,
    errors,
    interrupted: r.interruption
  });
  const { actions } = ledger;
  const successful = actions.filter((a) => a.success).length;
  const finished = /* @__PURE__ */ new Date();
  log.say("");
  log.say(verdict === "blocked" ? `\u{1F6AB} ${headline}` : `\u2705 ${headline}`);
  log.info(headline);
  const report = {
    tool: { name: "orixoon", version: VERSION },
    startedAt: r.started.toISOString(),
    finishedAt: finished.toISOString(),
    durationMs: finished.getTime() - r.started.getTime(),
    verdict,
    deployment,
    headline,
    mode: {
      autoHeal: mode.autoHeal,
      dryRun: mode.dryRun,
      discovered: mode.discovered,
      configPath: mode.configPath,
      phases: mode.phases?.length ? mode.phases : null
    },
    run: mode.run,
    phases,
    findings: r.findings,
    actions,
    auto_healing: {
      summary: {
        total_actions: actions.length,
        successful,
        failed: actions.length - successful,
        success_rate: actions.length ? `${(successful / actions.length * 100).toFixed(1)}%` : "n/a"
      },
      actions: actions.map((a) => ({
        timestamp: a.timestamp,
        issue: a.issue,
        action: a.action,
        success: a.success,
        details: a.details
      }))
    },
    counts,
    recommendations: [...ledger.recommendations],
    errors,
    notes: r.notes,
    approvals: ledger.approvals,
    ...Object.keys(ledger.patterns).length ? { patterns: ledger.patterns } : {},
    ...r.interruption ? { interrupted: r.interruption } : {}
  };
  return redactor.redactValue(report);
}

// src/engine/run.ts
var actionApproveHint = (id) => `/orixoon approve ${id}  (or the approve input: ${id})`;
var CLOSE_TARGETS_MS = 1e3;
async function readFreeDisk(path = "/") {
  try {
    const fs = await statfs(path);
    return { path, freeMb: Math.floor(Number(fs.bavail) * Number(fs.bsize) / 1024 / 1024) };
  } catch (e) {
    return { path, error: errorMessage(e) };
  }
}
async function runEngine(o) {
  const started = /* @__PURE__ */ new Date();
  const env = o.env ?? process.env;
  const redactor = o.redactor ?? new Redactor();
  let open = true;
  const sinks = {
    line: o.sinks?.line && ((t) => open && o.sinks?.line?.(t)),
    event: o.sinks?.event && ((e) => open && o.sinks?.event?.(e)),
    debug: o.sinks?.debug && ((t) => open && o.sinks?.debug?.(t)),
    group: o.sinks?.group && ((t) => open && o.sinks?.group?.(t)),
    endGroup: o.sinks?.endGroup && (() => open && o.sinks?.endGroup?.())
  };
  const log = new Logger(redactor, sinks);
  const { config } = o.loaded;
  for (const url of connectionUrls(o, config)) redactor.add(url);
  registerSecrets(redactor, o.loaded, env, log);
  const timeoutSeconds = o.timeoutSeconds ?? 900;
  const deadline = o.deadline ?? started.getTime() + timeoutSeconds * 1e3;
  const lifetime = new RunLifetime({ deadline, timeoutSeconds, cancel: o.signal });
  const { signal, race } = lifetime;
  const targets = new Targets(targetSettings(o, config), redactor);
  const processes = o.processes ?? new ProcessGroups();
  const cancelHooks = /* @__PURE__ */ new Set();
  const ctx = {
    targets,
    log,
    signal,
    deadline,
    env,
    baseDir: o.loaded.baseDir,
    processes,
    onCancel: (hook) => {
      cancelHooks.add(hook);
      return () => void cancelHooks.delete(hook);
    }
  };
  const autoHeal = o.autoHeal ?? true;
  const dryRun = (o.dryRun ?? false) || config.auto_healing.dry_run;
  const findings = [];
  const errors = [];
  const notes = [];
  const ledger = newHealingLedger();
  const phaseTimes = /* @__PURE__ */ new Map();
  let plan = [];
  let allChecks = [];
  let planFailed = false;
  const states = /* @__PURE__ */ new Map();
  const pendingNotifications = [];
  const report = (f, phase) => newFindingReport(f, phase, o.sha);
  let failure;
  const work = execute().catch((error) => {
    failure = { error };
  });
  await lifetime.waitOrCutOff(work);
  if (failure && failure.error?.name === "ConfigError") {
    open = false;
    await settlesWithin(targets.close(), CLOSE_TARGETS_MS);
    throw failure.error;
  }
  if (failure) {
    const e = failure.error;
    const detail = `unexpected error: ${errorMessage(e)}`;
    errors.push(detail);
    sayRunError(log, "\u{1F4A5}", detail);
    if (e instanceof Error && e.stack) log.debug(e.stack);
    lifetime.interrupt({ reason: "error", detail });
  }
  lifetime.checkDeadline();
  const { interruption } = lifetime;
  if (interruption) {
    await settlesWithin(Promise.all([...ledger.running]), lifetime.settleLeftMs());
    await stopUnfinished(processes, cancelHooks, errors, log);
  }
  await settlesWithin(targets.close(), CLOSE_TARGETS_MS);
  const built = buildRunReport(
    { started, plan, planFailed, states, phaseTimes, findings, ledger, errors, notes, interruption, report },
    {
      autoHeal,
      dryRun,
      discovered: o.loaded.discovered,
      configPath: o.loaded.path,
      phases: o.phases,
      injected: !!o.injectedFindings,
      failOn: o.failOn,
      run: o.run
    },
    log,
    redactor
  );
  open = false;
  return built;
  async function execute() {
    if (o.loaded.discovered) {
      notes.push(
        o.loaded.path ? `Ran on discovered defaults: ${o.loaded.path} configures no phases, so every container on the Docker host was checked.` : "Ran on discovered defaults: no config file, so every container on the Docker host was checked with the default policy."
      );
    }
    log.info(`Orixoon ${VERSION} started (auto-heal ${autoHeal ? "on" : "off"}${dryRun ? ", dry run" : ""})`);
    const guards = {};
    guards.lowDisk = lowDiskGuard(await readFreeDisk(), config.safety_limits.min_free_disk_mb);
    if (guards.lowDisk) {
      errors.push(guards.lowDisk);
      sayGuard(log, guards.lowDisk, "warn", "\u26A0\uFE0F");
    }
    try {
      allChecks = o.injectedFindings ? [] : o.loaded.discovered ? await race.race(buildDiscoveredPlan(o.loaded, targets), "discovering containers") : buildConfiguredPlan(o.loaded);
      plan = filterPhases(allChecks, o.phases, o.loaded.path ?? "the config");
    } catch (e) {
      if (e.name === "ConfigError") throw e;
      const msg = `Could not build the plan: ${errorMessage(e)}`;
      planFailed = true;
      errors.push(msg);
      sayRunError(log, "\u274C", msg);
    }
    const selectedIds = new Set(plan.flatMap((p) => p.checks.map((c) => c.id)));
    for (const phase of allChecks)
      for (const check of phase.checks) states.set(check.id, newCheckState(check, selectedIds.has(check.id)));
    const failing = /* @__PURE__ */ new Set();
    let systemic;
    const currentGuards = () => {
      if (!systemic) {
        systemic = systemicGuard(failing.size, config.safety_limits.max_failing_services);
        if (systemic) {
          errors.push(systemic);
          sayGuard(log, systemic, "error", "\u{1F6D1}");
        }
      }
      return { ...guards, systemic };
    };
    const evaluator = createEvaluator({
      ctx,
      race,
      stopped: () => lifetime.interruption ? stopReason(lifetime.interruption) : void 0,
      onResult: (st, result) => {
        if (st.selected) for (const t of failingTargets(result.findings)) failing.add(t);
        for (const r of result.recommendations ?? []) ledger.recommendations.add(r);
      }
    });
    const print = (st, early = false) => {
      if (st.printed || !st.result) return;
      st.printed = true;
      sayCheckResult(log, st.check, st.result, early);
    };
    const emit = (event) => {
      if (!o.onHealingEvent) return;
      pendingNotifications.push(
        Promise.resolve().then(() => o.onHealingEvent?.(event)).catch((e) => {
          log.say(`\u26A0\uFE0F Notification failed (verdict unchanged): ${errorMessage(e)}`);
          log.warn(`Notification failed (verdict unchanged): ${errorMessage(e)}`);
        })
      );
    };
    const hc = {
      run: ctx,
      config,
      remedies: REMEDIES,
      session: o.session ?? newSessionState(),
      autoHeal,
      dryRun,
      approve: new Set((o.approve ?? []).map((a) => a.trim()).filter(Boolean)),
      approvalLookup: o.approvalLookup,
      approveHint: o.approveHint ?? actionApproveHint,
      sha: o.sha,
      ledger,
      race: (p, what) => race.race(p, what),
      sleep: (ms) => delay(ms, signal),
      retest: (check, finding, ms) => evaluator.retest(check, finding, ms),
      redetect: (check, finding) => evaluator.redetect(check, finding),
      // Never past the run's deadline.
      retestBudgetMs: (ms) => Math.max(0, Math.min(ms, deadline - Date.now())),
      emit,
      stateStore: o.stateStore,
      leaseHolder: leaseHolderFrom(env)
    };
    const heal2 = (st, f, phase) => healFinding(hc, st, f, phase, currentGuards());
    const resolveCheck = createResolver({
      states,
      evaluator,
      log,
      signal,
      config,
      findings,
      report,
      heal: heal2,
      print,
      retestBudgetMs: hc.retestBudgetMs
    });
    const guardChecks = [...states.values()].filter((st) => st.selected && reportsGuards(st.check.type));
    for (const r of await Promise.all(guardChecks.map((st) => evaluator.evaluate(st)))) {
      const raised = guardsFromFindings(r.findings);
      if (raised.lowDisk && !guards.lowDisk) {
        guards.lowDisk = raised.lowDisk;
        errors.push(guards.lowDisk);
        sayGuard(log, guards.lowDisk, "warn");
      }
    }
    if (o.injectedFindings) await healInjected(o.injectedFindings, evaluator.evaluate, heal2);
    for (const [index, phase] of plan.entries()) {
      const times = { started: Date.now(), ended: void 0 };
      phaseTimes.set(phase.name, times);
      log.group(`Phase ${index + 1}/${plan.length}: ${phase.name}`);
      log.info(`Phase ${phase.name}: running ${phase.checks.length} check(s)`);
      const sts = phase.checks.map((c) => states.get(c.id));
      await Promise.all(sts.map((st) => evaluator.evaluate(st)));
      for (const st of sts) print(st);
      currentGuards();
      for (const st of sts) await resolveCheck(st);
      times.ended = Date.now();
      log.endGroup();
    }
    await race.race(Promise.allSettled(pendingNotifications), "notifications").catch(() => {
      log.warn("Notifications still pending when the run stopped");
    });
  }
  async function healInjected(injected, evaluate, heal2) {
    log.group("Healing findings from the issue file");
    for (const { code: code2, check } of injected) {
      const st = newCheckState(check, true, true);
      const current = (await evaluate(st)).findings.filter(
        (f) => f.code === code2 || f.code === "check_error"
      );
      if (!current.length) {
        const note = `${code2} on ${check.id}: not present now, nothing to heal`;
        notes.push(note);
        log.say(`\u2713 ${note}`);
        continue;
      }
      for (const f of current) {
        log.say(`\u274C ${f.message}`);
        log.info(`Detected issue: ${f.code}`);
        findings.push(await heal2(st, f, check.phase));
      }
    }
    log.endGroup();
  }
}

// src/report/files.ts
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
function healingLog(events) {
  return events.map((e) => `${logTimestamp(e.time)} | ${e.level} | ${e.message}`).join("\n") + (events.length ? "\n" : "");
}
function stamp(iso) {
  return iso.replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}
function writeReportFiles(report, events, summary, reportDir, redactor) {
  let dir = resolve(reportDir, stamp(report.startedAt));
  for (let n = 2; taken(dir); n++) dir = resolve(reportDir, `${stamp(report.startedAt)}-${n}`);
  const reportPath = join(dir, "report.json");
  const logPath = join(dir, "healing_actions.log");
  const summaryPath = join(dir, "summary.md");
  writeFileSync(reportPath, JSON.stringify(redactor.redactValue(report), null, 2) + "\n");
  writeFileSync(logPath, redactor.redact(healingLog(events)));
  writeFileSync(summaryPath, redactor.redact(summary));
  return { dir, reportPath, logPath, summaryPath };
}
function taken(p) {
  mkdirSync(dirname(p), { recursive: true });
  try {
    mkdirSync(p);
    return false;
  } catch (e) {
    if (e.code === "EEXIST") return true;
    throw e;
  }
}

// src/report/vocabulary.ts
var OUTCOME_WORDS = {
  healed: { icon: "\u2705", word: "healed" },
  recovered: { icon: "\u2705", word: "recovered" },
  failed: { icon: "\u274C", word: "failed" },
  not_healable: { icon: "\u{1F6AB}", word: "not healable" },
  disabled: { icon: "\u23F8\uFE0F", word: "healing disabled" },
  limit_reached: { icon: "\u{1F6D1}", word: "limit reached" },
  budget_exhausted: { icon: "\u{1FAAB}", word: "heal budget exhausted" },
  awaiting_approval: { icon: "\u23F3", word: "awaiting approval" },
  dry_run: { icon: "\u{1F9EA}", word: "would heal (dry run)" },
  guarded: { icon: "\u{1F6E1}\uFE0F", word: "guarded" },
  blocked_by_dependency: { icon: "\u{1F517}", word: "blocked by dependency" },
  locked: { icon: "\u{1F512}", word: "locked by another run" }
};
var PASSED = { icon: "\u2705", word: "passed" };
var BLOCKING_ORDER = [
  "failed",
  "locked",
  "guarded",
  "budget_exhausted",
  "limit_reached",
  "not_healable",
  "awaiting_approval",
  "disabled",
  "dry_run",
  "blocked_by_dependency"
];
var OUTCOME_ORDER = [...BLOCKING_ORDER, "healed", "recovered"];
function isResolved(outcome) {
  return outcome === "healed" || outcome === "recovered";
}
function outcomeLabel(outcome) {
  const w = OUTCOME_WORDS[outcome];
  return w ? `${w.icon} ${w.word}` : String(outcome);
}
function outcomeCount(outcome, count) {
  const w = OUTCOME_WORDS[outcome] ?? { icon: "", word: String(outcome) };
  return `${w.icon}\xA0${count} ${w.word}`.trim();
}
function passedCount(count, of) {
  return `${PASSED.icon}\xA0${count}${of === void 0 ? "" : ` of ${of}`} check${(of ?? count) === 1 ? "" : "s"} passed`;
}
var PASSED_LABEL = `${PASSED.icon} ${PASSED.word}`;
var VERDICT_TITLE = {
  passed: "\u2705 Orixoon pre-deployment: passed",
  healed: "\u{1FA79} Orixoon pre-deployment: healed",
  blocked: "\u26D4 Orixoon pre-deployment: blocked"
};
function verdictTitle(report) {
  return report ? VERDICT_TITLE[report.verdict] : "\u26D4 Orixoon pre-deployment: blocked (configuration invalid)";
}
var HEADINGS = {
  blocking: "\u{1F6A7} Blocking the deployment",
  unresolved: "\u{1F6A7} Not healed",
  pending: "\u23F3 Pending approvals",
  dryRun: "\u{1F9EA} Dry-run plan",
  dependencies: "\u{1F517} Check dependencies",
  healed: "\u{1FA79} Healed",
  actions: "\u{1F527} Healing actions",
  timeline: "\u23F1\uFE0F Heal timeline",
  failures: "\u274C Failure reports",
  errors: "\u2757 Errors",
  fixes: "\u{1F4A1} Lasting fixes"
};
function alertKind(report) {
  if (!report || report.deployment === "blocked") return "CAUTION";
  return report.verdict === "blocked" ? "WARNING" : "TIP";
}
function checkOutcome(check, byId) {
  let best = "passed";
  let rank = Infinity;
  for (const id of check.findings) {
    const f = byId.get(id);
    if (!f) continue;
    const r = OUTCOME_ORDER.indexOf(f.outcome);
    if (r >= 0 && r < rank) {
      rank = r;
      best = f.outcome;
    }
  }
  return best;
}
function glance(report) {
  const parts = [];
  for (const outcome of OUTCOME_ORDER) {
    const n = report.findings.filter((f) => f.outcome === outcome).length;
    if (n) parts.push(outcomeCount(outcome, n));
  }
  const checks = report.phases.flatMap((p) => p.checks);
  if (checks.length) {
    const passed = checks.filter((c) => c.status === "passed").length;
    parts.push(passedCount(passed, checks.length));
  }
  return parts.join(" \xB7 ");
}
function byUrgency(findings) {
  return findings.map((f, i) => ({ f, i })).sort(
    (a, b) => (a.f.severity === "warning" ? 1 : 0) - (b.f.severity === "warning" ? 1 : 0) || OUTCOME_ORDER.indexOf(a.f.outcome) - OUTCOME_ORDER.indexOf(b.f.outcome) || a.i - b.i
  ).map((x) => x.f);
}

// src/report/mermaid.ts
var MAX_GRAPH_NODES = 50;
var MAX_TIMELINE_HEALS = 10;
var MAX_TIMELINE_TASKS = 40;
function mermaidText(value, max = 40) {
  let s = String(value ?? "").replace(/[^\p{L}\p{N} ._()'+,/-]/gu, " ").replace(/\s+/g, " ").trim();
  if (s.length > max) s = `${s.slice(0, max - 1).trimEnd()}\u2026`;
  return s || "?";
}
var GANTT_KEYWORDS = /^(click|section|title|dateformat|axisformat|tickinterval|excludes|includes|todaymarker|weekday|weekend|inclusiveenddates|topaxis|displaymode|acctitle|accdescr)\b/i;
function ganttText(value, max = 40) {
  const text = mermaidText(String(value ?? "").replace(/,/g, " "), max);
  return GANTT_KEYWORDS.test(text) ? `task ${text}` : text;
}
var NODE_STYLE = {
  passed: "fill:#dafbe1,stroke:#1a7f37,color:#1f2328",
  healed: "fill:#ddf4ff,stroke:#0969da,color:#1f2328",
  recovered: "fill:#ddf4ff,stroke:#0969da,color:#1f2328",
  failed: "fill:#ffebe9,stroke:#cf222e,color:#1f2328,stroke-width:2px",
  guarded: "fill:#fff1e5,stroke:#bc4c00,color:#1f2328",
  locked: "fill:#fff1e5,stroke:#bc4c00,color:#1f2328",
  limit_reached: "fill:#fff1e5,stroke:#bc4c00,color:#1f2328",
  budget_exhausted: "fill:#ffebe9,stroke:#cf222e,color:#1f2328",
  not_healable: "fill:#ffebe9,stroke:#cf222e,color:#1f2328",
  disabled: "fill:#f6f8fa,stroke:#59636e,color:#1f2328",
  awaiting_approval: "fill:#fff8c5,stroke:#9a6700,color:#1f2328",
  dry_run: "fill:#fbefff,stroke:#8250df,color:#1f2328",
  blocked_by_dependency: "fill:#f6f8fa,stroke:#59636e,color:#1f2328,stroke-dasharray:5 3"
};
function fence(body) {
  return ["```mermaid", ...body, "```"].join("\n");
}
function dependencyGraph(report, maxNodes = MAX_GRAPH_NODES) {
  const checks = report.phases.flatMap((p) => p.checks);
  const byCheckId = new Map(checks.map((c) => [c.id, c]));
  const byFindingId = new Map(report.findings.map((f) => [f.id, f]));
  const state = new Map(checks.map((c) => [c, checkOutcome(c, byFindingId)]));
  const broken = (c) => {
    const s = state.get(c);
    return s !== "passed" && !isResolved(s);
  };
  const edges = [];
  for (const to of checks) {
    for (const dep of new Set(to.dependsOn)) {
      const from = byCheckId.get(dep);
      if (from && from !== to) edges.push({ from, to });
    }
  }
  if (!edges.length) return void 0;
  const ranked = edges.map((e, i) => ({ e, i, rank: broken(e.from) || broken(e.to) ? 0 : 1 })).sort((a, b) => a.rank - b.rank || a.i - b.i).map((x) => x.e);
  const nodes = [];
  for (const e of ranked) {
    const adds = [e.from, e.to].filter((c, i, a) => !nodes.includes(c) && a.indexOf(c) === i);
    if (nodes.length + adds.length <= maxNodes) nodes.push(...adds);
  }
  const drawn = edges.filter((e) => nodes.includes(e.from) && nodes.includes(e.to));
  nodes.sort((a, b) => checks.indexOf(a) - checks.indexOf(b));
  const inGraph = new Set(edges.flatMap((e) => [e.from, e.to]));
  const id = (c) => `c${nodes.indexOf(c)}`;
  const body = ["flowchart LR"];
  for (const c of nodes) {
    const s = state.get(c);
    body.push(`  ${id(c)}["${mermaidText(c.id)}<br/>${s === "passed" ? PASSED_LABEL : outcomeLabel(s)}"]`);
  }
  const redLinks = [];
  drawn.sort(
    (a, b) => nodes.indexOf(a.to) - nodes.indexOf(b.to) || nodes.indexOf(a.from) - nodes.indexOf(b.from)
  ).forEach((e, i) => {
    body.push(`  ${id(e.from)} --> ${id(e.to)}`);
    if (broken(e.from)) redLinks.push(i);
  });
  const used = [...new Set(nodes.map((c) => state.get(c)))];
  for (const s of used) {
    body.push(`  classDef ${s} ${NODE_STYLE[s]}`);
    body.push(
      `  class ${nodes.filter((c) => state.get(c) === s).map(id).join(",")} ${s}`
    );
  }
  if (redLinks.length) body.push(`  linkStyle ${redLinks.join(",")} stroke:#cf222e,stroke-width:2px`);
  const left = inGraph.size - nodes.length;
  const note = left ? `

_${left} more check${left === 1 ? "" : "s"} with dependencies not drawn (diagram size limit); the tables list every finding._` : "";
  return fence(body) + note;
}
function heals(report) {
  const out = /* @__PURE__ */ new Map();
  for (const a of report.actions) {
    if (!Number.isFinite(Date.parse(a.timestamp))) continue;
    const key = `${a.checkId}\0${a.code}`;
    let h = out.get(key);
    if (!h) out.set(key, h = { checkId: a.checkId, code: a.code, actions: [] });
    h.actions.push(a);
  }
  for (const h of out.values()) h.actions.sort((a, b) => a.attempt - b.attempt);
  return [...out.values()];
}
function tickInterval(spanMs) {
  const steps = [
    [100, "100millisecond"],
    [250, "250millisecond"],
    [500, "500millisecond"],
    [1e3, "1second"],
    [2e3, "2second"],
    [5e3, "5second"],
    [1e4, "10second"],
    [15e3, "15second"],
    [3e4, "30second"],
    [6e4, "1minute"],
    [12e4, "2minute"],
    [3e5, "5minute"],
    [6e5, "10minute"],
    [18e5, "30minute"]
  ];
  for (const [ms, name] of steps) if (spanMs / ms <= 10) return name;
  return "1hour";
}
function healTimeline(report, maxHeals = MAX_TIMELINE_HEALS, maxTasks = MAX_TIMELINE_TASKS) {
  const all = heals(report);
  if (!all.length) return void 0;
  const tasks = [];
  let longest = 0;
  let first = Infinity;
  let last = -Infinity;
  let shown = 0;
  let taskCount = 0;
  for (const h of all) {
    const lines = [];
    let from = Infinity;
    let to = -Infinity;
    const section = ganttText(h.checkId, 20);
    lines.push(`  section ${section}`);
    h.actions.forEach((a, i) => {
      const start = Date.parse(a.timestamp);
      const total = Math.max(1, a.durationMs);
      const acted = typeof a.actionMs === "number" && a.actionMs >= 0 && a.actionMs < total ? a.actionMs : void 0;
      const name = ganttText(a.action, 28);
      const verdict = a.success ? "passed" : "failed";
      const tag = a.success ? "done" : "crit";
      if (acted === void 0) {
        lines.push(`  ${name} try ${a.attempt} and re-test ${verdict} :${tag}, ${start}, ${start + total}`);
      } else {
        lines.push(`  ${name} try ${a.attempt} :active, ${start}, ${start + Math.max(1, acted)}`);
        lines.push(`  re-test ${verdict} :${tag}, ${start + Math.max(1, acted)}, ${start + total}`);
      }
      const next = h.actions[i + 1];
      const nextStart = next ? Date.parse(next.timestamp) : NaN;
      if (next && nextStart > start + total) lines.push(`  retry delay :${start + total}, ${nextStart}`);
      from = Math.min(from, start);
      to = Math.max(to, start + total);
    });
    if (shown >= maxHeals || taskCount + lines.length - 1 > maxTasks) break;
    first = Math.min(first, from);
    last = Math.max(last, to);
    tasks.push(...lines);
    taskCount += lines.length - 1;
    longest = Math.max(longest, section.length);
    shown++;
  }
  if (!shown) return void 0;
  const body = [
    "---",
    "config:",
    "  gantt:",
    `    leftPadding: ${Math.min(150, Math.max(75, Math.ceil(longest * 6.5) + 24))}`,
    "---",
    "gantt",
    "  dateFormat x",
    "  axisFormat %H:%M:%S",
    "  todayMarker off",
    `  tickInterval ${tickInterval(last - first)}`,
    ...tasks
  ];
  const left = all.length - shown;
  const note = left ? `

_${left} more heal${left === 1 ? "" : "s"} not drawn (diagram size limit); the actions table lists every action._` : "";
  return fence(body) + note;
}

// src/report/markdown.ts
var WORD_SEPARATOR = /([\s|<>`]+)/;
var LINKY = /:\/\/|^www\.|@|#\d|^GH-\d/i;
var INLINE_SYNTAX = /[\\`*[\]~|$]/g;
var LOOSE_UNDERSCORE = /(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])/gu;
var LINE_START = /^(\s*)([#=+-]|\d+[.)])/;
function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
function codeSpan(value, opts = {}) {
  let clean = value.replace(/\r\n|\r|\n/g, " ");
  if (!clean) return "` `";
  if (opts.table) clean = clean.replace(/\|/g, "\\|");
  const longest = Math.max(0, ...[...clean.matchAll(/`+/g)].map((m) => m[0].length));
  const fence2 = "`".repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(clean) ? " " : "";
  return `${fence2}${pad}${clean}${pad}${fence2}`;
}
function inert(value) {
  const text = String(value ?? "").replace(/\r\n|\r|\n/g, " ");
  const plain = (s) => escapeHtml(s.replace(INLINE_SYNTAX, "\\$&").replace(LOOSE_UNDERSCORE, "\\_"));
  const out = text.split(WORD_SEPARATOR).map((part, i) => i % 2 === 0 && LINKY.test(part) ? codeSpan(part) : plain(part)).join("");
  return out.replace(LINE_START, "$1\\$2");
}
function codeBlock(text) {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence2 = "`".repeat(Math.max(3, longest + 1));
  return `${fence2}text
${text.replace(/\r\n|\r/g, "\n")}
${fence2}`;
}
function cell(value, limit = 1e3) {
  let s = String(value ?? "").replace(/\r\n|\r|\n/g, " ").trim();
  if (s.length > limit) s = `${s.slice(0, limit - 1)}\u2026`;
  return inert(s);
}
function table(headers, rows) {
  const head = `| ${headers.join(" | ")} |
| ${headers.map(() => "---").join(" | ")} |
`;
  return head + rows.map((r) => `| ${r.join(" | ")} |`).join("\n") + "\n";
}
function closers(text) {
  let fence2;
  let details = 0;
  for (const line of text.split("\n")) {
    if (fence2) {
      if (line.startsWith(fence2) && /^`+\s*$/.test(line)) fence2 = void 0;
      continue;
    }
    const open = /^(`{3,})/.exec(line);
    if (open) fence2 = open[1];
    else if (line.startsWith("<details>")) details++;
    else if (line.startsWith("</details>")) details = Math.max(0, details - 1);
  }
  return (fence2 ? `
${fence2}` : "") + "\n</details>".repeat(details);
}
function truncate(text, maxBytes, pointer) {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let reserve = 0;
  for (; ; ) {
    const room = maxBytes - Buffer.byteLength(pointer) - 2 - reserve;
    let lo = 0;
    let hi = text.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (Buffer.byteLength(text.slice(0, mid)) <= room) lo = mid;
      else hi = mid - 1;
    }
    const cut = text.lastIndexOf("\n", lo);
    const kept = text.slice(0, cut > 0 ? cut : lo);
    const close = closers(kept);
    const out = `${kept}${close}

${pointer}`;
    if (Buffer.byteLength(out) <= maxBytes || reserve >= maxBytes) return out;
    reserve = Buffer.byteLength(close);
  }
}

// src/report/document.ts
var CELL_LIMIT = 300;
function cell2(text, limit = CELL_LIMIT) {
  if (text === null || text === void 0 || text === "") return "\u2014";
  return cell(text, limit);
}
function code(text, opts = {}) {
  return codeSpan(text, opts);
}
function approveCommand(id) {
  return `/orixoon approve ${id}`;
}
var T = { table: true };
function login(by) {
  return /^[A-Za-z0-9][A-Za-z0-9-]*(\[bot\])?$/.test(by) ? `@${by}` : code(`@${by}`, T);
}
var SAYS_WHY = /* @__PURE__ */ new Set([
  "recovered",
  "blocked_by_dependency",
  "locked",
  "limit_reached",
  "budget_exhausted",
  "guarded",
  "not_healable",
  "disabled"
]);
var FINDINGS_HEAD = ["| Outcome | Finding | Action |", "|---|---|---|"].join("\n");
function glued(label) {
  return label.replace(" ", "&nbsp;");
}
function tries(n) {
  return n === 0 ? "not run" : n === 1 ? "1 try" : `${n} tries`;
}
function findingRow(f, limit = CELL_LIMIT) {
  let outcome = glued(outcomeLabel(f.outcome));
  if (f.approval?.by) outcome += `<br><sub>approved by ${login(f.approval.by.slice(0, 60))}</sub>`;
  else if (f.approval) outcome += "<br><sub>approved</sub>";
  const why = SAYS_WHY.has(f.outcome) && f.reason ? `${cell2(f.reason, limit)} \xB7 ` : "";
  const finding = `${cell2(f.message, limit)}<br><sub>${why}${code(f.code, T)} \xB7 check ${code(f.checkId, T)}</sub>`;
  const how = f.action ? [`${cell2(f.risk)} risk`, tries(f.attempts), f.attempts ? formatMilliseconds(f.durationMs) : void 0] : [f.outcome === "recovered" ? "no action of its own" : void 0, formatMilliseconds(f.durationMs)];
  return `| ${outcome} | ${finding} | ${f.action ? code(f.action, T) : "\u2014"}<br><sub>${how.filter(Boolean).join(" \xB7 ")}</sub> |`;
}
function wrap(text, width) {
  const out = [];
  for (const line of text.replace(/\r\n|\r/g, "\n").split("\n")) {
    if (line.length <= width) {
      out.push(line);
      continue;
    }
    const indent = " ".repeat(Math.min(8, (/^ */.exec(line)?.[0].length ?? 0) + 5));
    let rest = line;
    let first = true;
    while (rest.length > (first ? width : width - indent.length)) {
      const room = first ? width : width - indent.length;
      let at = rest.lastIndexOf(" ", room);
      if (at <= room / 2) at = room;
      out.push((first ? "" : indent) + rest.slice(0, at).trimEnd());
      rest = rest.slice(at).trimStart();
      first = false;
    }
    if (rest) out.push((first ? "" : indent) + rest);
  }
  return out.join("\n");
}
function failureReport2(f, limit) {
  const r = f.failure;
  if (!r) return void 0;
  const bound = (s) => s.length > limit ? `${s.slice(0, limit - 1)}\u2026` : s;
  return codeBlock(
    wrap(
      [
        `\u274C HEALING FAILED: ${bound(f.message)}`,
        `   Attempted: ${bound(r.attempted)}`,
        `   Error: ${bound(r.lastError)}`,
        `   Recommendation: ${bound(r.recommendation)}`,
        "   Deployment: BLOCKED for safety"
      ].join("\n"),
      76
    )
  );
}
var LIMITS = {
  summary: { cell: 1e3, text: 4e3, list: 1e3 },
  comment: { cell: CELL_LIMIT, text: 1e3, list: 100 }
};
function orderedFindings(report) {
  const blocking = report.findings.filter((f) => !isResolved(f.outcome) && f.outcome !== "dry_run");
  return [
    ...byUrgency(blocking),
    ...report.findings.filter((f) => f.outcome === "dry_run"),
    ...report.findings.filter((f) => isResolved(f.outcome))
  ];
}
function alert(report) {
  const lines = [
    `> [!${alertKind(report)}]`,
    `> ### ${verdictTitle(report)}`,
    `> **${cell2(report.headline, 500)}**`
  ];
  const counts = glance(report);
  if (counts) lines.push(">", `> ${counts}`);
  return lines;
}
function modeLine(report) {
  const parts = [];
  if (report.mode.dryRun) parts.push("\u{1F9EA} **Dry run**: nothing was changed; the tables show the plan.");
  if (!report.mode.autoHeal) parts.push("Auto-heal is off: findings are reported, not healed.");
  if (report.mode.discovered) parts.push("Ran on discovered defaults (no config file).");
  return parts.length ? parts.join(" ") : void 0;
}
function notesAlert(inertNotes, ownNotes, max) {
  const items = [
    ...inertNotes.slice(0, max).map((n) => `> - ${cell2(n, 1e3)}`),
    ...ownNotes.slice(0, max).map((n) => `> - ${n.replace(/\r\n|\r|\n/g, " ")}`)
  ];
  return items.length ? ["> [!NOTE]", ...items] : [];
}
function pendingSection(pending, sha, max) {
  const listed = pending.slice(0, max);
  const lines = [
    `### ${HEADINGS.pending} (${pending.length})`,
    "",
    `These actions need confirmation${sha ? ` for commit ${code(sha.slice(0, 7))}` : ""}. A user with write access approves one by commenting the command on this PR, then re-runs the workflow (a new push needs a new approval):`,
    "",
    "| Finding | Action | Approve with |",
    "|---|---|---|",
    ...listed.map(
      (f) => `| ${cell2(f.message)} | ${f.action ? code(f.action, T) : "\u2014"}<br><sub>${cell2(f.risk)} risk</sub> | ${code(approveCommand(f.id), T)} |`
    )
  ];
  if (pending.length > listed.length) lines.push("", `_\u2026 and ${pending.length - listed.length} more._`);
  lines.push(
    "",
    `To approve every pending action at once: ${code("/orixoon approve all")}. The step's ${code("approve")} input takes the same ids.`
  );
  return lines.join("\n");
}
function dryRunSection(plans, limits) {
  return [
    `### ${HEADINGS.dryRun} (${plans.length})`,
    "",
    table(
      ["Finding", "Would do", "Risk"],
      plans.map((f) => [cell2(f.message, limits.cell), cell2(f.plan ?? f.action, limits.cell), cell2(f.risk)])
    )
  ].join("\n");
}
function actionsTable(report, limits) {
  const groups = /* @__PURE__ */ new Map();
  for (const a of report.actions) {
    const key = `${a.checkId}\0${a.code}`;
    groups.set(key, [...groups.get(key) ?? [], a]);
  }
  const lastErrors = new Map(
    report.findings.filter((f) => f.failure).map((f) => [`${f.checkId}\0${f.code}`, f.failure.lastError])
  );
  const rows = [];
  for (const [key, attempts] of groups) {
    attempts.forEach((a, i) => {
      if (rows.length >= limits.list) return;
      const previous = attempts.slice(0, i).find((p) => p.details === a.details);
      const details = !a.success && i === attempts.length - 1 && lastErrors.get(key) === a.details ? "_as in the failure report above_" : previous ? `_same as try ${previous.attempt}_` : cell2(a.details, Math.min(limits.cell, 400));
      rows.push([
        `${code(a.action, T)}<br><sub>check ${code(a.checkId, T)} \xB7 try ${a.attempt}</sub>`,
        `${glued(outcomeLabel(a.success ? "healed" : "failed"))}<br><sub>${formatMilliseconds(a.durationMs)}</sub>`,
        details
      ]);
    });
  }
  const more = report.actions.length - rows.length;
  return table(["Action", "Result", "What happened"], rows) + (more ? `
_\u2026 and ${more} more actions._
` : "");
}
function passedDetails(report, limits) {
  const passed = report.phases.flatMap((p) => p.checks.filter((c) => c.status === "passed"));
  if (!passed.length) return void 0;
  const listed = passed.slice(0, limits.list);
  const rows = listed.map((c) => [
    code(c.id, T),
    cell2(c.type),
    cell2(c.phase),
    cell2(c.summary, Math.min(limits.cell, 200)),
    formatMilliseconds(c.durationMs)
  ]);
  return [
    `<details><summary>${passedCount(passed.length)}</summary>`,
    "",
    table(["Check", "Type", "Phase", "Result", "Time"], rows) + (passed.length > listed.length ? `
_\u2026 and ${passed.length - listed.length} more._
` : ""),
    "</details>"
  ].join("\n");
}
function renderBody(report, opts) {
  return bodyRenderer(report, opts)(opts.rows);
}
function flakySection(report, t) {
  const flaky = (report.history ?? []).filter((h) => h.flaky);
  if (!flaky.length) return void 0;
  return [
    `### \u{1F501} Flaky targets (${flaky.length})`,
    "",
    "Healed again and again: their actions now need approval whatever their risk. Fix the cause.",
    "",
    "| Target | Recent runs, oldest first | Heal budget |",
    "|---|---|---|",
    ...flaky.map((h) => {
      const budget = h.budget.max === null ? `${h.budget.used} in ${h.budget.windowHours} h` : `${h.budget.left} of ${h.budget.max} left (${h.budget.windowHours} h)`;
      return `| ${cell2(h.target)}<br><sub>check ${code(h.checkId, t)}</sub> | ${h.strip}<br><sub>healed in ${h.healedRuns} of ${h.ofRuns} runs</sub> | ${budget} |`;
    })
  ].join("\n");
}
function bodyRenderer(report, opts) {
  const limits = LIMITS[opts.kind];
  const ordered = orderedFindings(report);
  const isBlocking = (f) => !isResolved(f.outcome) && f.outcome !== "dry_run";
  const once = (make) => {
    let value;
    return () => (value ??= { v: make() }).v;
  };
  const rowText = new Map(ordered.map((f) => [f, findingRow(f, limits.cell)]));
  const failureText = new Map(ordered.filter(isBlocking).map((f) => [f, failureReport2(f, limits.text)]));
  const graph = once(() => dependencyGraph(report));
  const timeline = once(() => healTimeline(report));
  const actions = once(() => actionsTable(report, limits));
  const passed = once(() => passedDetails(report, limits));
  const pending = report.findings.filter((f) => f.outcome === "awaiting_approval");
  const pendingText = /* @__PURE__ */ new Map();
  const blockingTotal = ordered.filter(isBlocking).length;
  const healedTotal = report.findings.filter((f) => isResolved(f.outcome)).length;
  const head = [...alert(report)];
  const add = (into, ...lines) => {
    const present = lines.filter((l) => l !== void 0);
    if (present.length) into.push("", ...present);
  };
  const mode = modeLine(report);
  const meta = opts.kind === "summary" ? [
    report.mode.discovered ? "discovered defaults" : `config ${code(String(report.mode.configPath ?? "default"))}`,
    `auto-heal ${report.mode.autoHeal ? "on" : "off"}`,
    report.mode.phases?.length ? `phases ${report.mode.phases.map((p) => inert(p)).join(", ")}` : void 0,
    `ran ${formatMilliseconds(report.durationMs)}`
  ].filter(Boolean).join(" \xB7 ") : void 0;
  add(head, mode, meta && mode ? "" : void 0, meta);
  const notes = notesAlert([...report.notes, ...opts.notes ?? []], opts.ownNotes ?? [], 20);
  if (notes.length) add(head, ...notes);
  if (report.errors.length) {
    add(
      head,
      `### ${HEADINGS.errors}`,
      "",
      ...report.errors.slice(0, opts.kind === "comment" ? 20 : limits.list).map((e) => `- ${cell2(e, 1e3)}`)
    );
  }
  const flaky = flakySection(report, T);
  if (flaky) add(head, flaky);
  if (!report.findings.length && !report.errors.length && !report.interrupted)
    add(head, "Every check passed; nothing needed healing.");
  return (wanted) => {
    const rows = Math.max(0, Math.min(wanted ?? ordered.length, ordered.length));
    const shown = ordered.slice(0, rows);
    const full = rows === ordered.length;
    const out = [...head];
    const section = (...lines) => add(out, ...lines);
    const blocking = shown.filter(isBlocking);
    if (blocking.length) {
      const heading = report.deployment === "blocked" ? HEADINGS.blocking : HEADINGS.unresolved;
      section(
        `### ${heading} (${blockingTotal})`,
        "",
        FINDINGS_HEAD,
        ...blocking.map((f) => rowText.get(f))
      );
      const reports = blocking.map((f) => failureText.get(f)).filter((r) => r !== void 0).slice(0, opts.kind === "comment" ? 20 : limits.list);
      if (reports.length) section(`#### ${HEADINGS.failures}`, "", reports.join("\n\n"));
    }
    if (pending.length) {
      const max = full ? 200 : 50;
      if (!pendingText.has(max))
        pendingText.set(max, pendingSection(pending, opts.sha ?? report.run?.sha, max));
      section(pendingText.get(max));
    }
    if (opts.afterPending) section(opts.afterPending);
    const plans = shown.filter((f) => f.outcome === "dry_run");
    if (plans.length) section(dryRunSection(plans, limits));
    const picture = full ? graph() : void 0;
    if (picture) section(`### ${HEADINGS.dependencies}`, "", picture);
    const healed = shown.filter((f) => isResolved(f.outcome));
    if (healed.length) {
      section(
        `### ${HEADINGS.healed} (${healedTotal})`,
        "",
        FINDINGS_HEAD,
        ...healed.map((f) => rowText.get(f))
      );
    }
    if (!full) section(`_\u2026 ${ordered.length - rows} more findings not shown._ ${opts.pointer ?? ""}`.trim());
    if (full && report.actions.length) {
      const s = report.auto_healing.summary;
      section(
        `### ${HEADINGS.actions} (${report.actions.length})`,
        "",
        actions(),
        `Total actions ${s.total_actions}, successful ${s.successful}, failed ${s.failed}, success rate ${inert(s.success_rate)}.`
      );
      const gantt = timeline();
      if (gantt) section(`#### ${HEADINGS.timeline}`, "", gantt);
    }
    if (full) section(passed());
    if (full && report.recommendations.length) {
      const fixes = report.recommendations.slice(0, opts.kind === "comment" ? 30 : limits.list);
      const list = fixes.map((r) => `- ${cell2(r, 1e3)}`);
      if (opts.kind === "comment") {
        section(`<details><summary>${HEADINGS.fixes}</summary>`, "", ...list, "", "</details>");
      } else section(`### ${HEADINGS.fixes}`, "", ...list);
    }
    if (opts.kind === "summary" && report.approvals.length) {
      section(
        "### Approvals used",
        "",
        ...report.approvals.map(
          (a) => `- ${codeSpan(a.id)} via ${a.via}${a.by ? ` by ${codeSpan(`@${a.by}`)}` : ""}${a.at ? ` at ${inert(a.at)}` : ""}`
        )
      );
    }
    return out.join("\n");
  };
}

// src/report/paths.ts
function workspaceDir(env = process.env, cwd = process.cwd()) {
  return env.GITHUB_WORKSPACE?.trim() || cwd;
}
function trimSeparators(dir) {
  return dir.replace(/[\\/]+$/, "");
}
function usable(workspace) {
  if (!workspace) return void 0;
  const dir = trimSeparators(workspace.trim());
  return /[\\/]/.test(dir) && !/^[A-Za-z]:$/.test(dir) ? dir : void 0;
}
function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function workspacePattern(dir) {
  const body = escapeRegExp(dir).replace(/\\\\|\//g, "[\\\\/]");
  return new RegExp(`(?<![\\w.~-])${body}(?:[\\\\/]+|(?![^\\s'"\`),;:\\]}>]))`, "g");
}
function relativePath(path, workspace) {
  const dir = usable(workspace);
  if (!dir) return path;
  const p = path.trim();
  if (trimSeparators(p) === dir) return ".";
  for (const sep of ["/", "\\"]) {
    if (p.startsWith(dir + sep)) return p.slice(dir.length).replace(/^[\\/]+/, "") || ".";
  }
  return path;
}
function textRelativizer(workspace) {
  const dir = usable(workspace);
  if (!dir) return (text) => text;
  const pattern = workspacePattern(dir);
  return (text) => text.replace(pattern, (m) => /[\\/]$/.test(m) ? "" : ".");
}
function relativizeText(text, workspace) {
  return textRelativizer(workspace)(text);
}
function relativizeReport(value, workspace) {
  if (!usable(workspace)) return value;
  const relative = textRelativizer(workspace);
  const walk = (v) => {
    if (typeof v === "string") return relative(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

// src/report/summary.ts
var SUMMARY_LIMIT = 1024 * 1024 - 16 * 1024;
function renderSummary(report, extraNotes = [], opts = {}) {
  const relative = relativizeReport(report, opts.workspace ?? workspaceDir());
  return truncate(
    renderBody(relative, { kind: "summary", ownNotes: extraNotes }),
    SUMMARY_LIMIT,
    "_Summary truncated to fit GitHub's 1 MiB limit: the full report is in report.json._"
  );
}

// src/state/history-block.ts
async function historyBlock(store, report, settings, now = Date.now()) {
  const seen = /* @__PURE__ */ new Map();
  for (const f of report.findings) {
    const t = { checkId: f.checkId, target: f.target, host: hostOf(f) };
    seen.set(JSON.stringify(t), t);
  }
  const blocks = [];
  for (const t of seen.values()) {
    const h = await store.targetHistory(t, {
      since: historySince(now, settings),
      lastRuns: settings.flakyRuns
    });
    const g = gateHeal(h, now, settings);
    const next = g.decision === "budget_exhausted" ? g.budget.freesAt : g.decision === "backoff" ? g.nextAllowedAt : null;
    blocks.push({
      ...t,
      strip: g.flaky.strip,
      flaky: g.flaky.flaky,
      healedRuns: g.flaky.healedRuns,
      ofRuns: g.flaky.ofRuns,
      budget: {
        used: g.budget.used,
        max: g.budget.max,
        left: g.budget.left,
        windowHours: g.budget.windowHours
      },
      nextHealAllowedAt: next === null ? null : new Date(next).toISOString(),
      next: g.decision,
      reason: g.decision === "allow" ? "" : g.reason
    });
  }
  return blocks;
}

// src/session.ts
function loadSessionConfig(opts) {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (opts.configPath && !(opts.configIsDefault && !existsSync(resolve2(cwd, opts.configPath)))) {
    return loadConfigFile(resolve2(cwd, opts.configPath), env);
  }
  return resolveConfig(void 0, env, cwd);
}
function reportDirOf(opts) {
  return resolve2(opts.cwd ?? process.cwd(), opts.reportDir);
}
function reportDirProblem(dir) {
  try {
    mkdirSync2(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    return void 0;
  } catch (e) {
    return `report-dir ${dir} cannot be written (${errorMessage(e)})`;
  }
}
async function runSession(opts, loaded = loadSessionConfig(opts)) {
  const events = [];
  const sinks = {
    ...opts.sinks,
    event: (e) => {
      events.push(e);
      opts.sinks?.event?.(e);
    }
  };
  const startedAt = /* @__PURE__ */ new Date();
  const opened = opts.openedState ?? await openSessionState(opts, loaded);
  try {
    for (const w of opened.warnings) opts.sinks?.line?.(opts.redactor.redact(`\u26A0\uFE0F ${w}`));
    let report = opened.blocking ? storeBlockedReport(
      opts,
      loaded,
      startedAt,
      opened.warnings.at(-1) ?? "the state store cannot be used"
    ) : await runEngine({
      ...opts,
      loaded,
      sinks,
      redactor: opts.redactor,
      stateStore: opened.store ?? void 0
    });
    report = await withHistory(opts, loaded, report, opened);
    return await finishSession(opts, loaded, report, events);
  } finally {
    if (!opts.openedState) await opened.store?.close();
  }
}
function sessionStateConfig(config, override) {
  const cfg = { ...config };
  if (override?.path) {
    cfg.path = override.path;
    delete cfg.url;
  }
  if (override?.url) cfg.url = override.url;
  return cfg;
}
function openSessionState(opts, loaded) {
  return openStateStore({
    config: sessionStateConfig(loaded.config.state, opts.state),
    cwd: opts.cwd ?? process.cwd(),
    redactor: opts.redactor
  });
}
function storeBlockedReport(opts, loaded, startedAt, detail) {
  const base = blockedReport({
    startedAt,
    interrupted: { reason: "error", detail },
    autoHeal: opts.autoHeal,
    dryRun: opts.dryRun,
    configPath: loaded.path,
    phases: opts.phases,
    run: opts.run,
    failOn: opts.failOn
  });
  const { interrupted: _cut, ...rest } = base;
  const verdict = buildVerdict({ findings: [], failOn: opts.failOn, runFailed: true, errors: [detail] });
  return { ...rest, ...verdict, errors: [detail, "Nothing was checked or changed."] };
}
async function withHistory(opts, loaded, report, opened) {
  const notes = [...report.notes, ...opened.warnings.map((w) => opts.redactor.redact(w))];
  const store = opened.store;
  if (!store || opened.blocking) return { ...report, notes };
  const recorded = await recordReport(store, report);
  notes.push(...recorded.warnings.map((w) => opts.redactor.redact(w)));
  if (!recorded.recorded) return { ...report, notes };
  try {
    const history = await historyBlock(store, report, budgetSettingsOf(loaded.config.safety_limits));
    return { ...report, notes, history: opts.redactor.redactValue(history) };
  } catch (e) {
    notes.push(
      opts.redactor.redact(
        `The heal history could not be read back from the state store: ${errorMessage(e)}`
      )
    );
    return { ...report, notes };
  }
}
async function failedSession(opts, loaded, interrupted, startedAt) {
  const report = opts.redactor.redactValue(
    blockedReport({
      startedAt,
      interrupted,
      autoHeal: opts.autoHeal,
      dryRun: opts.dryRun,
      configPath: loaded?.path ?? opts.configPath ?? null,
      phases: opts.phases,
      run: opts.run,
      failOn: opts.failOn
    })
  );
  return finishSession(opts, loaded, report, []);
}
async function finishSession(opts, loaded, report, events) {
  const notes = [];
  try {
    notes.push(...await opts.summaryNotes?.(report) ?? []);
  } catch (e) {
    notes.push(`GitHub reporting failed: ${errorMessage(e)}`);
  }
  let summary;
  try {
    summary = renderSummary(report, notes);
  } catch (e) {
    summary = [
      `## \u{1F6AB} Orixoon: ${report.verdict.toUpperCase()}`,
      "",
      `**${report.headline}**`,
      "",
      `> The full summary could not be rendered: ${errorMessage(e)}`,
      ...notes.map((n) => `> ${n}`),
      ""
    ].join("\n");
  }
  summary = opts.redactor.redact(summary);
  const dir = reportDirOf(opts);
  let written;
  try {
    written = writeReportFiles(report, events, summary, dir, opts.redactor);
  } catch (e) {
    const fallback = join2(opts.env?.RUNNER_TEMP || tmpdir(), "orixoon-reports");
    const note = `report-dir ${dir} could not be written (${errorMessage(e)}): reports written to ${fallback} instead`;
    report = { ...report, errors: [...report.errors, note] };
    summary = `${summary}
> \u2757 ${opts.redactor.redact(note)}
`;
    opts.sinks?.line?.(opts.redactor.redact(`\u26A0\uFE0F ${note}`));
    written = writeReportFiles(report, events, summary, fallback, opts.redactor);
  }
  return { loaded, report, written, summary, events };
}

export {
  deadlineMessage,
  blockedReport,
  Logger,
  verdictTitle,
  cell2 as cell,
  code,
  bodyRenderer,
  workspaceDir,
  relativePath,
  relativizeText,
  relativizeReport,
  isIssueCode,
  newSessionState,
  buildConfiguredPlan,
  loadSessionConfig,
  reportDirOf,
  reportDirProblem,
  runSession,
  openSessionState,
  failedSession
};
