import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  formatSeconds
} from "./chunk-KVU4AOYW.js";

// src/healing/budget.ts
function budgetSettingsOf(limits) {
  return {
    maxHealsPerTarget: limits.max_heals_per_target,
    windowHours: limits.budget_window_hours,
    cooldownSeconds: limits.cooldown_seconds,
    backoffMaxSeconds: limits.backoff_max_seconds,
    backoffResetHours: limits.backoff_reset_hours,
    flakyRuns: limits.flaky_runs,
    flakyHeals: limits.flaky_heals
  };
}
function isHeal(e) {
  return e.action != null && e.attempts > 0;
}
function healsOf(events) {
  return events.filter(isHeal).sort((a, b) => b.at - a.at);
}
var HOUR = 36e5;
function when(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace(/:\d\d\.\d+Z$/, " UTC");
}
function inTime(ms) {
  return ms <= 0 ? "now" : `in ${formatSeconds(Math.ceil(ms / 1e3))}`;
}
function checkBudget(events, now, s) {
  const start = now - s.windowHours * HOUR;
  const history = healsOf(events).filter((e) => e.at > start && e.at <= now);
  const used = history.length;
  const max = s.maxHealsPerTarget ?? null;
  if (max === null) {
    return {
      exhausted: false,
      max,
      used,
      left: null,
      windowHours: s.windowHours,
      history,
      freesAt: null,
      reason: "",
      advice: ""
    };
  }
  const exhausted = used >= max;
  const freeing = exhausted && max > 0 ? history[max - 1] : void 0;
  const freesAt = exhausted ? freeing ? freeing.at + s.windowHours * HOUR : null : null;
  const list = history.slice(0, 5).map((e) => `${when(e.at)} ${e.action} ${e.outcome}`).join("; ");
  return {
    exhausted,
    max,
    used,
    left: Math.max(0, max - used),
    windowHours: s.windowHours,
    history,
    freesAt,
    reason: exhausted ? `heal budget exhausted: healed ${used} time${used === 1 ? "" : "s"} in the last ${s.windowHours} h (max_heals_per_target: ${max})${list ? `: ${list}` : ""}` : "",
    advice: exhausted ? `Healing keeps this target up but something keeps breaking it: fix the cause.` + (freesAt !== null ? ` The next heal is allowed ${inTime(freesAt - now)} (${when(freesAt)}).` : "") : ""
  };
}
function checkBackoff(events, now, s) {
  const heals = healsOf(events).filter((e) => e.at <= now);
  const resetMs = s.backoffResetHours * HOUR;
  const last = heals[0];
  if (!last || s.backoffMaxSeconds <= 0 || now - last.at >= resetMs) {
    return { allowed: true, streak: 0, delaySeconds: 0, nextAllowedAt: null, message: "" };
  }
  let streak = 1;
  while (streak < heals.length && heals[streak - 1].at - heals[streak].at < resetMs) streak++;
  const delaySeconds = Math.min(s.cooldownSeconds * 2 ** Math.min(streak - 1, 40), s.backoffMaxSeconds);
  const nextAllowedAt = last.at + delaySeconds * 1e3;
  const allowed = now >= nextAllowedAt;
  return {
    allowed,
    streak,
    delaySeconds,
    nextAllowedAt,
    message: allowed ? "" : `next heal allowed ${inTime(nextAllowedAt - now)} (backoff ${formatSeconds(delaySeconds)} after ${streak} heal${streak === 1 ? "" : "s"} in a row)`
  };
}
function runMark(run) {
  if (run.outcomes.includes("healed")) return "\u{1F527}";
  return run.outcomes.every((o) => o === "recovered") ? "\u2705" : "\u274C";
}
function checkFlaky(runs, s) {
  const last = runs.slice(0, s.flakyRuns);
  const marks = last.map(runMark);
  const healedRuns = marks.filter((m) => m === "\u{1F527}").length;
  const flaky = healedRuns >= s.flakyHeals;
  const strip = [...marks].reverse().join("");
  return {
    flaky,
    healedRuns,
    ofRuns: last.length,
    strip,
    reason: flaky ? `flaky: healed in ${healedRuns} of its last ${last.length} runs (${strip}); its actions need confirmation` : ""
  };
}
function gateHeal(history, now, s) {
  const budget = checkBudget(history.events, now, s);
  const backoff = checkBackoff(history.events, now, s);
  const flaky = checkFlaky(history.runs, s);
  const all = { budget, backoff, flaky };
  if (budget.exhausted)
    return { decision: "budget_exhausted", reason: budget.reason, advice: budget.advice, ...all };
  if (!backoff.allowed)
    return { decision: "backoff", reason: backoff.message, nextAllowedAt: backoff.nextAllowedAt, ...all };
  if (flaky.flaky)
    return { decision: "needs_confirmation", reason: flaky.reason, strip: flaky.strip, ...all };
  return { decision: "allow", ...all };
}
function historySince(now, s) {
  return now - Math.max(s.windowHours, s.backoffResetHours) * HOUR;
}

export {
  budgetSettingsOf,
  checkBudget,
  gateHeal,
  historySince
};
