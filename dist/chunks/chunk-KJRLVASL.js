import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);

// src/targets/exec.ts
import { spawn } from "node:child_process";
var ABORT_KILL_GRACE_MS = 500;
var ProcessGroups = class {
  live = /* @__PURE__ */ new Set();
  /** Told of every change (the process guard keeps its watchdog's list of groups to kill). */
  onChange;
  add(pgid) {
    this.live.add(pgid);
    this.onChange?.();
  }
  delete(pgid) {
    if (this.live.delete(pgid)) this.onChange?.();
  }
  /** The groups still listed. */
  list() {
    return [...this.live];
  }
  /** Sends `signal` to every listed group; returns the groups that still had a process. */
  killAll(signal) {
    const hit = [];
    for (const pgid of this.live) {
      if (processGroupAlive(pgid)) hit.push(pgid);
      killGroup(pgid, signal);
    }
    return hit;
  }
};
var TailBuffer = class {
  constructor(limit) {
    this.limit = limit;
  }
  limit;
  chunks = [];
  size = 0;
  truncated = false;
  push(chunk) {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0];
      const excess = this.size - this.limit;
      this.truncated = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }
  text() {
    return Buffer.concat(this.chunks).toString("utf8").replace(/^\uFFFD+/, "");
  }
};
function killGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
  }
}
function processGroupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
function runShell(command, options) {
  const keep = new TailBuffer(options.keepBytes ?? 2048);
  const grace = options.killGraceMs ?? 2e3;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      // own process group, so a timeout can end the whole tree
      stdio: ["ignore", "pipe", "pipe"]
    });
    let timedOut = false;
    let aborted = false;
    let exit;
    let settled = false;
    let killTimer;
    let drainTimer;
    if (child.pid !== void 0) options.processes?.add(child.pid);
    const stop = (why) => {
      if (exit || child.pid === void 0) return;
      if (why === "timeout") timedOut = true;
      else aborted = true;
      killGroup(child.pid, "SIGTERM");
      killTimer = setTimeout(
        () => {
          if (child.pid !== void 0) killGroup(child.pid, "SIGKILL");
        },
        why === "abort" ? Math.min(grace, ABORT_KILL_GRACE_MS) : grace
      );
    };
    const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
    const onAbort = () => stop("abort");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
    const finish = () => {
      if (settled || !exit) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(drainTimer);
      options.signal?.removeEventListener("abort", onAbort);
      if ((timedOut || aborted) && child.pid !== void 0 && processGroupAlive(child.pid)) {
        killGroup(child.pid, "SIGKILL");
      }
      if (child.pid !== void 0) options.processes?.delete(child.pid);
      clearTimeout(killTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      resolve({
        exitCode: exit.code,
        signal: exit.signal,
        timedOut,
        aborted,
        output: keep.text(),
        truncated: keep.truncated,
        durationMs: Date.now() - started,
        pid: child.pid
      });
    };
    child.stdout?.on("data", (c) => keep.push(c));
    child.stderr?.on("data", (c) => keep.push(c));
    child.on("error", (err) => {
      clearTimeout(timer);
      if (child.pid !== void 0) options.processes?.delete(child.pid);
      options.signal?.removeEventListener("abort", onAbort);
      if (!settled) {
        settled = true;
        reject(new Error(`Could not start bash for command: ${err.message}`));
      }
    });
    child.on("exit", (code, signal) => {
      exit = { code, signal };
      drainTimer = setTimeout(finish, 500);
    });
    child.on("close", () => finish());
  });
}
function describeEnd(r, timeoutMs) {
  if (r.timedOut) return `timed out after ${formatSeconds(timeoutMs)}`;
  if (r.aborted) return "stopped: the run deadline passed";
  if (r.exitCode !== null) return `exit ${r.exitCode}`;
  return `killed by ${r.signal ?? "a signal"}`;
}
function formatSeconds(ms) {
  const s = ms / 1e3;
  return Number.isInteger(s) ? `${s}s` : `${s.toFixed(1)}s`;
}

export {
  ProcessGroups,
  runShell,
  describeEnd,
  formatSeconds
};
