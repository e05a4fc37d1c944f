import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import "./chunk-S4PUUNGO.js";
import {
  Redactor
} from "./chunk-FHSF7E7D.js";
import {
  lazyImport
} from "./chunk-K4DJR2Z7.js";
import {
  formatMilliseconds
} from "./chunk-KVU4AOYW.js";
import "./chunk-WQ37B3FA.js";

// src/cli/history.ts
import { existsSync as existsSync2 } from "node:fs";
import { isAbsolute as isAbsolute2, resolve as resolve2 } from "node:path";
import { parseArgs } from "node:util";

// src/state/index.ts
import { isAbsolute, resolve } from "node:path";

// src/state/rows.ts
var MAX_ERROR_CHARS = 500;
function oneLine(text) {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > MAX_ERROR_CHARS ? `${line.slice(0, MAX_ERROR_CHARS - 1)}\u2026` : line;
}
function cleanRows(redactor, run, checks, events) {
  const r = (s) => redactor.redact(s);
  const rn = (s) => s == null ? null : r(s);
  return {
    run: {
      ...run,
      repository: rn(run.repository),
      workflow: rn(run.workflow),
      runId: rn(run.runId),
      commit: rn(run.commit)
    },
    checks: checks.map((c) => ({ ...c, checkId: r(c.checkId) })),
    events: events.map((e) => ({
      ...e,
      checkId: r(e.checkId),
      target: r(e.target),
      host: r(e.host),
      code: r(e.code),
      action: rn(e.action),
      attempts: Math.max(0, Math.round(e.attempts)),
      durationMs: Math.max(0, Math.round(e.durationMs)),
      error: e.error == null ? null : oneLine(r(e.error))
    }))
  };
}

// src/state/sql.ts
var ACTION_TRIED = "action IS NOT NULL AND attempts > 0";
function migrations(prefix, kind) {
  const id = kind === "sqlite" ? "INTEGER PRIMARY KEY" : "BIGSERIAL PRIMARY KEY";
  const ref = kind === "sqlite" ? "INTEGER" : "BIGINT";
  return [
    `CREATE TABLE ${prefix}runs (
       id ${id},
       repository TEXT, workflow TEXT, run_id TEXT, commit_sha TEXT,
       started_at BIGINT NOT NULL, ended_at BIGINT NOT NULL, verdict TEXT NOT NULL, recorded_at BIGINT NOT NULL);
     CREATE INDEX runs_started ON ${prefix}runs (started_at);
     CREATE TABLE ${prefix}checks (
       run ${ref} NOT NULL REFERENCES ${prefix}runs(id) ON DELETE CASCADE,
       check_id TEXT NOT NULL, status TEXT NOT NULL, started_at BIGINT NOT NULL);
     CREATE INDEX checks_by_check ON ${prefix}checks (check_id, started_at);
     CREATE TABLE ${prefix}events (
       id ${id},
       run ${ref} NOT NULL REFERENCES ${prefix}runs(id) ON DELETE CASCADE,
       at BIGINT NOT NULL, check_id TEXT NOT NULL, target TEXT NOT NULL, host TEXT NOT NULL DEFAULT '',
       code TEXT NOT NULL, action TEXT, outcome TEXT NOT NULL, attempts INTEGER NOT NULL,
       duration_ms INTEGER NOT NULL, error TEXT);
     CREATE INDEX events_by_target ON ${prefix}events (check_id, target, host, at, outcome, attempts, action, duration_ms);
     CREATE INDEX events_by_time ON ${prefix}events (at);
     CREATE INDEX events_by_run ON ${prefix}events (run);`
  ];
}
var queries = (p) => ({
  insertRun: `INSERT INTO ${p}runs (repository, workflow, run_id, commit_sha, started_at, ended_at, verdict, recorded_at)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  insertCheck: `INSERT INTO ${p}checks (run, check_id, status, started_at) VALUES (?, ?, ?, ?)`,
  insertEvent: `INSERT INTO ${p}events (run, at, check_id, target, host, code, action, outcome, attempts, duration_ms, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  targetEvents: `SELECT * FROM ${p}events WHERE check_id = ? AND target = ? AND host = ? AND at >= ?
                 ORDER BY at DESC, id DESC`,
  checkRuns: `SELECT run, started_at, status FROM ${p}checks WHERE check_id = ?
              ORDER BY started_at DESC, run DESC LIMIT ?`,
  runOutcomes: (n) => `SELECT run, outcome FROM ${p}events WHERE check_id = ? AND target = ? AND host = ?
     AND run IN (${Array.from({ length: n }, () => "?").join(", ")})`,
  summary: (byCheck) => `SELECT check_id, target, host, COUNT(*) AS findings,
            SUM(CASE WHEN ${ACTION_TRIED} THEN 1 ELSE 0 END) AS actions,
            SUM(CASE WHEN outcome = 'healed' THEN 1 ELSE 0 END) AS healed,
            AVG(CASE WHEN outcome = 'healed' THEN duration_ms END) AS mean_heal_ms,
            MAX(at) AS last_at
     FROM ${p}events WHERE at >= ?${byCheck ? " AND check_id = ?" : ""}
     GROUP BY check_id, target, host ORDER BY last_at DESC`,
  /** One target's last actions: an index seek per target beats a window over every row. */
  targetLastActions: `SELECT * FROM ${p}events WHERE check_id = ? AND target = ? AND host = ? AND at >= ? AND ${ACTION_TRIED}
                      ORDER BY at DESC, id DESC LIMIT ?`
});
var num = (v) => Number(v);
var str = (v) => v == null ? "" : String(v);
function eventOf(r) {
  return {
    run: num(r.run),
    at: num(r.at),
    checkId: str(r.check_id),
    target: str(r.target),
    host: str(r.host),
    code: str(r.code),
    action: r.action == null ? null : String(r.action),
    outcome: str(r.outcome),
    attempts: num(r.attempts),
    durationMs: num(r.duration_ms),
    error: r.error == null ? null : String(r.error)
  };
}
var keyOf = (r) => JSON.stringify([r.checkId, r.target, r.host]);
function summariesOf(groups, actions) {
  const last = /* @__PURE__ */ new Map();
  for (const a of actions.map(eventOf)) {
    const k = keyOf(a);
    const list = last.get(k);
    if (list) list.push(a);
    else last.set(k, [a]);
  }
  return groups.map((g) => {
    const checkId = str(g.check_id);
    const target = str(g.target);
    const host = str(g.host);
    const actionsTried = num(g.actions);
    const healed = num(g.healed);
    return {
      checkId,
      target,
      host,
      findings: num(g.findings),
      actions: actionsTried,
      healed,
      successRate: actionsTried ? healed / actionsTried : null,
      meanTimeToHealMs: g.mean_heal_ms == null ? null : Math.round(num(g.mean_heal_ms)),
      lastAt: num(g.last_at),
      lastActions: last.get(keyOf({ checkId, target, host })) ?? []
    };
  });
}
function targetRuns(runs, outcomes) {
  const byRun = /* @__PURE__ */ new Map();
  for (const o of outcomes) {
    const k = Number(o.run);
    byRun.set(k, [...byRun.get(k) ?? [], String(o.outcome)]);
  }
  return runs.map((r) => ({
    run: Number(r.run),
    startedAt: Number(r.started_at),
    status: String(r.status),
    outcomes: byRun.get(Number(r.run)) ?? []
  }));
}

// src/state/postgres.ts
var pgModule = lazyImport(() => import("./esm-RPFRLWTR.js"));
var SCHEMA = "orixoon";
var MIGRATION_LOCK = 1908736001;
var CONNECT_TIMEOUT_MS = 5e3;
var QUERY_TIMEOUT_MS = 15e3;
var q = queries(`${SCHEMA}.`);
function numbered(sql) {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}
function safeLocation(url) {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "postgres://(unparsable URL)";
  }
}
async function migrate(client) {
  const steps = migrations(`${SCHEMA}.`, "postgres");
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`
    );
    const { rows } = await client.query(
      `SELECT max(version) AS v FROM ${SCHEMA}.migrations`
    );
    for (let v = rows[0]?.v ?? 0; v < steps.length; v++) {
      await client.query(steps[v]);
      await client.query(`INSERT INTO ${SCHEMA}.migrations (version) VALUES ($1)`, [v + 1]);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK").catch(() => void 0);
    throw e;
  }
}
async function openPostgresStore(url, redactor) {
  const { default: pgLib } = await pgModule();
  const client = new pgLib.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    application_name: "orixoon-state"
  });
  client.on("error", () => void 0);
  try {
    await client.connect();
    await client.query("SET work_mem = '32MB'");
    await migrate(client);
  } catch (e) {
    await client.end().catch(() => void 0);
    throw e;
  }
  return new PostgresStore(client, safeLocation(url), redactor);
}
var PostgresStore = class {
  constructor(client, location, redactor) {
    this.client = client;
    this.location = location;
    this.redactor = redactor;
  }
  client;
  location;
  redactor;
  kind = "postgres";
  /** One client: its queries run one after another; a transaction must not interleave with another. */
  queue = Promise.resolve();
  serial(work) {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => void 0);
    return next;
  }
  async all(sql, args) {
    return (await this.client.query(numbered(sql), args)).rows;
  }
  recordRun(raw, rawChecks, rawEvents) {
    const { run, checks, events } = cleanRows(this.redactor, raw, rawChecks, rawEvents);
    return this.serial(async () => {
      await this.client.query("BEGIN");
      try {
        const [row] = await this.all(`${q.insertRun} RETURNING id`, [
          run.repository,
          run.workflow,
          run.runId,
          run.commit,
          run.startedAt,
          run.endedAt,
          run.verdict,
          Date.now()
        ]);
        const key = Number(row.id);
        if (checks.length) {
          await this.client.query(
            `INSERT INTO ${SCHEMA}.checks (run, check_id, status, started_at)
             SELECT $1, c, s, $2 FROM unnest($3::text[], $4::text[]) AS t(c, s)`,
            [key, run.startedAt, checks.map((c) => c.checkId), checks.map((c) => c.status)]
          );
        }
        if (events.length) {
          const col = (k) => events.map((e) => e[k]);
          await this.client.query(
            `INSERT INTO ${SCHEMA}.events (run, at, check_id, target, host, code, action, outcome, attempts, duration_ms, error)
             SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                      $8::text[], $9::int[], $10::int[], $11::text[])`,
            [
              key,
              col("at"),
              col("checkId"),
              col("target"),
              col("host"),
              col("code"),
              col("action"),
              col("outcome"),
              col("attempts"),
              col("durationMs"),
              col("error")
            ]
          );
        }
        await this.client.query("COMMIT");
        return key;
      } catch (e) {
        await this.client.query("ROLLBACK").catch(() => void 0);
        throw e;
      }
    });
  }
  targetHistory(t, opts) {
    const host = t.host ?? "";
    return this.serial(async () => {
      const events = (await this.all(q.targetEvents, [t.checkId, t.target, host, opts.since])).map(eventOf);
      const runs = await this.all(q.checkRuns, [t.checkId, opts.lastRuns]);
      const outcomes = runs.length ? await this.all(q.runOutcomes(runs.length), [
        t.checkId,
        t.target,
        host,
        ...runs.map((r) => Number(r.run))
      ]) : [];
      return { events, runs: targetRuns(runs, outcomes) };
    });
  }
  summary(h) {
    const args = [h.since ?? 0, ...h.checkId ? [h.checkId] : []];
    return this.serial(async () => {
      const groups = await this.all(q.summary(!!h.checkId), args);
      const actions = groups.length ? await this.all(
        `SELECT e.* FROM unnest(?::text[], ?::text[], ?::text[]) AS g(check_id, target, host)
             CROSS JOIN LATERAL (
               SELECT * FROM ${SCHEMA}.events e
               WHERE e.check_id = g.check_id AND e.target = g.target AND e.host = g.host AND e.at >= ?
                 AND e.action IS NOT NULL AND e.attempts > 0
               ORDER BY e.at DESC, e.id DESC LIMIT ?) e`,
        [
          groups.map((g) => String(g.check_id)),
          groups.map((g) => String(g.target)),
          groups.map((g) => String(g.host)),
          h.since ?? 0,
          h.lastActions ?? 3
        ]
      ) : [];
      return summariesOf(groups, actions);
    });
  }
  takeNotices() {
    return [];
  }
  close() {
    return this.serial(() => this.client.end());
  }
};

// src/state/sqlite.ts
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
var BUSY_TIMEOUT_MS = 1e4;
var q2 = queries("");
var CORRUPT = /SQLITE_NOTADB|SQLITE_CORRUPT|file is not a database|malformed|disk image/i;
function isCorruption(e) {
  const err = e;
  const base = typeof err?.errcode === "number" ? err.errcode & 255 : -1;
  return base === 26 || base === 11 || CORRUPT.test(String(err?.message ?? e));
}
function migrate2(db) {
  const steps = migrations("", "sqlite");
  const version = () => Number(db.prepare("PRAGMA user_version").get().user_version);
  if (version() >= steps.length) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    for (let v = version(); v < steps.length; v++) {
      db.exec(steps[v]);
      db.exec(`PRAGMA user_version = ${v + 1}`);
    }
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}
function open(path) {
  const db = new DatabaseSync(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA foreign_keys = ON");
    db.prepare("SELECT count(*) AS n FROM sqlite_master").get();
    migrate2(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
function moveAside(path, now) {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const aside = `${path}.corrupt-${stamp}`;
  renameSync(path, aside);
  for (const ext of ["-wal", "-shm", "-journal"]) {
    if (existsSync(path + ext)) renameSync(path + ext, aside + ext);
  }
  return aside;
}
var movedAsideMessage = (path, aside) => `The state file ${path} could not be read as a database: moved aside to ${aside} (kept) and a new one started.`;
function openSqliteStore(path, redactor, now = /* @__PURE__ */ new Date()) {
  mkdirSync(dirname(path), { recursive: true });
  try {
    return { store: new SqliteStore(open(path), path, redactor) };
  } catch (e) {
    if (!isCorruption(e)) throw e;
    const aside = moveAside(path, now);
    return { store: new SqliteStore(open(path), path, redactor), movedAside: aside };
  }
}
var SqliteStore = class {
  constructor(db, location, redactor) {
    this.db = db;
    this.location = location;
    this.redactor = redactor;
  }
  db;
  location;
  redactor;
  kind = "sqlite";
  notices = [];
  takeNotices() {
    return this.notices.splice(0);
  }
  recordRun(run, checks, events) {
    try {
      try {
        return Promise.resolve(this.recordSync(run, checks, events));
      } catch (e) {
        if (!isCorruption(e)) throw e;
        if (this.db.isOpen) this.db.close();
        const aside = moveAside(this.location, /* @__PURE__ */ new Date());
        this.db = open(this.location);
        this.notices.push(movedAsideMessage(this.location, aside));
        return Promise.resolve(this.recordSync(run, checks, events));
      }
    } catch (e) {
      return Promise.reject(e);
    }
  }
  recordSync(raw, rawChecks, rawEvents) {
    const { run, checks, events } = cleanRows(this.redactor, raw, rawChecks, rawEvents);
    const db = this.db;
    db.exec("BEGIN IMMEDIATE");
    try {
      const key = Number(
        db.prepare(q2.insertRun).run(
          run.repository,
          run.workflow,
          run.runId,
          run.commit,
          run.startedAt,
          run.endedAt,
          run.verdict,
          Date.now()
        ).lastInsertRowid
      );
      const check = db.prepare(q2.insertCheck);
      for (const c of checks) check.run(key, c.checkId, c.status, run.startedAt);
      const event = db.prepare(q2.insertEvent);
      for (const e of events) {
        event.run(
          key,
          e.at,
          e.checkId,
          e.target,
          e.host,
          e.code,
          e.action,
          e.outcome,
          e.attempts,
          e.durationMs,
          e.error
        );
      }
      db.exec("COMMIT");
      return key;
    } catch (e) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw e;
    }
  }
  targetHistory(t, opts) {
    const host = t.host ?? "";
    const events = this.db.prepare(q2.targetEvents).all(t.checkId, t.target, host, opts.since).map(
      eventOf
    );
    const runs = this.db.prepare(q2.checkRuns).all(t.checkId, opts.lastRuns);
    const outcomes = runs.length ? this.db.prepare(q2.runOutcomes(runs.length)).all(t.checkId, t.target, host, ...runs.map((r) => Number(r.run))) : [];
    return Promise.resolve({ events, runs: targetRuns(runs, outcomes) });
  }
  summary(h) {
    const args = [h.since ?? 0, ...h.checkId ? [h.checkId] : []];
    const groups = this.db.prepare(q2.summary(!!h.checkId)).all(...args);
    const last = this.db.prepare(q2.targetLastActions);
    const actions = groups.flatMap(
      (g) => last.all(String(g.check_id), String(g.target), String(g.host), args[0], h.lastActions ?? 3)
    );
    return Promise.resolve(summariesOf(groups, actions));
  }
  close() {
    if (this.db.isOpen) this.db.close();
    return Promise.resolve();
  }
};

// src/state/types.ts
var DEFAULT_STATE_PATH = ".orixoon/state.db";

// src/state/index.ts
function reason(e) {
  return e instanceof Error ? e.message : String(e);
}
function urlPassword(url) {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : null;
  } catch {
    return null;
  }
}
async function openStateStore(opts) {
  const redactor = opts.redactor ?? new Redactor();
  const cfg = opts.config ?? {};
  const required = cfg.required ?? false;
  if (cfg.url) redactor.add(urlPassword(cfg.url));
  const where = cfg.url ? `PostgreSQL state store ${safeLocation(cfg.url)}` : `state file ${cfg.path ?? DEFAULT_STATE_PATH}`;
  try {
    if (cfg.url) return { store: await openPostgresStore(cfg.url, redactor), warnings: [], blocking: false };
    const raw = cfg.path ?? DEFAULT_STATE_PATH;
    const path = isAbsolute(raw) ? raw : resolve(opts.cwd, raw);
    const { store, movedAside } = openSqliteStore(path, redactor, opts.now);
    const warnings = movedAside ? [movedAsideMessage(path, movedAside)] : [];
    return { store, warnings, blocking: false };
  } catch (e) {
    const what = redactor.redact(`The ${where} cannot be used: ${reason(e)}.`);
    return required ? { store: null, warnings: [`${what} state.required is true: the run is blocked.`], blocking: true } : {
      store: null,
      warnings: [
        `${what} Heal history, budgets and backoff across runs are off for this run; session limits still hold.`
      ],
      blocking: false
    };
  }
}

// src/cli/history.ts
var HISTORY_HELP = `orixoon history [--check ID] [--since 7d] [--json] [--state F | --state-url U] [--config F]

Per-target heal history from the state store: findings, heals, success rate, mean time to heal, last actions.

  --check ID       only this check's targets
  --since D        how far back: 30m, 12h, 7d, 2w or a date (default 7d)
  --json           print the history as JSON
  --state F        the SQLite state file (default: state.path of the config, else ${DEFAULT_STATE_PATH})
  --state-url U    a PostgreSQL state store (default: state.url of the config)
  --config F       the config to take state.path / state.url from (default .github/orixoon.yml when present)
  --last N         last actions shown per target (default 3)
  -h, --help       this help`;
var UNITS = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 7 * 864e5 };
function parseSince(raw, now) {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(raw.trim());
  if (m) return now - Number(m[1]) * UNITS[m[2]];
  const t = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}/.test(raw) && Number.isFinite(t)) return t;
  return `--since must be a duration like 30m, 12h, 7d, 2w or a date like 2026-01-31, got "${raw}"`;
}
var iso = (ms) => new Date(ms).toISOString();
var when = (ms) => iso(ms).replace("T", " ").replace(/:\d\d\.\d+Z$/, " UTC");
var pct = (r) => r === null ? "\u2014" : `${Math.round(r * 100)}%`;
function actionLine(a) {
  const tail = a.outcome === "healed" ? "" : a.error ? `: ${a.error}` : "";
  return `${when(a.at)}  ${a.action} \u2192 ${a.outcome} (${a.attempts}\xD7, ${formatMilliseconds(a.durationMs)})${tail}`;
}
function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...r[i]].length)));
  return rows.map(
    (r) => r.map((c, i) => i === r.length - 1 ? c : c + " ".repeat(widths[i] - [...c].length)).join("  ").trimEnd()
  );
}
function renderHistory(targets, since, where) {
  const lines = [`Heal history since ${when(since)} (${where})`, ""];
  if (!targets.length) return [...lines, "No findings recorded in that time."];
  lines.push(
    ...table([
      ["TARGET", "CHECK", "FINDINGS", "HEALS", "SUCCESS", "MEAN TIME TO HEAL", "LAST SEEN"],
      ...targets.map((t) => [
        t.host ? `${t.target} @ ${t.host}` : t.target,
        t.checkId,
        String(t.findings),
        String(t.actions),
        pct(t.successRate),
        t.meanTimeToHealMs === null ? "\u2014" : formatMilliseconds(t.meanTimeToHealMs),
        when(t.lastAt)
      ])
    ])
  );
  const withActions = targets.filter((t) => t.lastActions.length);
  if (withActions.length) lines.push("", "Last actions:");
  for (const t of withActions) {
    lines.push(`  ${t.checkId} / ${t.target}${t.host ? ` @ ${t.host}` : ""}`);
    for (const a of t.lastActions) lines.push(`    ${actionLine(a)}`);
  }
  return lines;
}
function historyJson(targets, since, store) {
  return {
    since: iso(since),
    store,
    targets: targets.map((t) => ({
      ...t,
      lastAt: iso(t.lastAt),
      lastActions: t.lastActions.map(({ run, ...a }) => ({ ...a, run, at: iso(a.at) }))
    }))
  };
}
async function historyCommand(argv, io, now = Date.now()) {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        check: { type: "string" },
        since: { type: "string" },
        json: { type: "boolean" },
        state: { type: "string" },
        "state-url": { type: "string" },
        config: { type: "string" },
        last: { type: "string" },
        help: { type: "boolean", short: "h" }
      }
    }).values;
  } catch (e) {
    io.err(`orixoon: ${e.message}`);
    io.err("Run `orixoon history --help` for its options.");
    return 2;
  }
  if (values.help) {
    io.out(HISTORY_HELP);
    return 0;
  }
  const since = parseSince(values.since ?? "7d", now);
  const last = values.last === void 0 ? 3 : Number(values.last);
  const usage = typeof since === "string" ? since : !Number.isInteger(last) || last < 0 || last > 1e3 ? `--last must be a whole number from 0 to 1000, got "${values.last}"` : values.state && values["state-url"] ? "--state and --state-url are two different stores: give one" : null;
  if (usage) {
    io.err(`orixoon: ${usage}`);
    return 2;
  }
  let state = {};
  if (!values.state && !values["state-url"]) {
    const { ConfigError, formatProblem, resolveConfig } = await import("./load-AKEEIDW6.js");
    try {
      const loaded = resolveConfig(values.config, io.env, io.cwd);
      state = loaded.config.state ?? {};
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) io.err(`error: ${formatProblem(p)}`);
      return 2;
    }
  }
  const config = values["state-url"] ? { url: values["state-url"] } : values.state ? { path: values.state } : state;
  const redactor = new Redactor();
  if (!config.url) {
    const raw = config.path ?? DEFAULT_STATE_PATH;
    const path = isAbsolute2(raw) ? raw : resolve2(io.cwd, raw);
    if (!existsSync2(path)) {
      if (values.json)
        io.out(JSON.stringify(historyJson([], since, { kind: "sqlite", location: path }), null, 2));
      else io.out(`No history yet: ${path} does not exist (a run with the state store writes it).`);
      return 0;
    }
  }
  const opened = await openStateStore({ config: { ...config, required: true }, cwd: io.cwd, redactor });
  for (const w of opened.warnings)
    io.err(redactor.redact(w.replace(/ state\.required is true: the run is blocked\./, "")));
  if (!opened.store) return 1;
  try {
    const targets = await opened.store.summary({
      checkId: values.check,
      since,
      lastActions: last
    });
    const where = `${opened.store.kind === "sqlite" ? "state file" : "PostgreSQL store"} ${opened.store.location}`;
    if (values.json) {
      io.out(
        JSON.stringify(
          historyJson(targets, since, { kind: opened.store.kind, location: opened.store.location }),
          null,
          2
        )
      );
    } else {
      for (const line of renderHistory(targets, since, where)) io.out(line);
    }
    return 0;
  } finally {
    await opened.store.close();
  }
}
export {
  HISTORY_HELP,
  historyCommand,
  historyJson,
  parseSince,
  renderHistory
};
