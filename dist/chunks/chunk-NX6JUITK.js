import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  DEFAULT_STATE_PATH,
  lazyImport
} from "./chunk-GZM7BHQG.js";

// src/support/redact.ts
var URL_USERINFO = /\b[a-z][a-z0-9+.-]*:\/\/([^:/?#@\s]*):([^@\s/]+)@/gi;
var URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*:)([^@\s/]+)(@)/gi;
var AUTH_HEADER = /(\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?(?:basic|bearer|token|digest|negotiate)\s+)[A-Za-z0-9+/=._~-]+/gi;
var BASE64_WORD = /[A-Za-z0-9+/_-]{6,}={0,2}/g;
var MASK = "***";
var MIN_MASKED_LENGTH = 3;
var MASKED_ANYWHERE_LENGTH = 8;
var MIN_BASE64_FRAGMENT = 6;
function escapeRegExp(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
function base64Fragment(value, shift, url = false) {
  const encoded = Buffer.concat([Buffer.alloc(shift), value]).toString(url ? "base64url" : "base64");
  const start = Math.ceil(8 * shift / 6);
  const end = Math.floor(8 * (shift + value.length) / 6);
  return end > start ? encoded.slice(start, end) : "";
}
function encodedForms(value) {
  const forms = /* @__PURE__ */ new Set([value]);
  const uri = encodeURIComponent(value);
  const lower = uri.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase());
  for (const u of [uri, lower]) {
    forms.add(u);
    forms.add(u.replace(/%20/g, "+"));
  }
  forms.add(JSON.stringify(value).slice(1, -1));
  const bytes = Buffer.from(value);
  forms.add(bytes.toString("base64"));
  forms.add(bytes.toString("base64url"));
  return [...forms].filter(Boolean);
}
var Redactor = class {
  /** Every value ever given to `add`. */
  seen = /* @__PURE__ */ new Set();
  /** Text to mask → true when only as a token of its own. */
  patterns = /* @__PURE__ */ new Map();
  fragments = /* @__PURE__ */ new Set();
  tooShort = [];
  compiled;
  regexCache = /* @__PURE__ */ new Map();
  onAdd;
  /**
   * `onAdd` is told each value masked anywhere (8+ characters), e.g. `core.setSecret`: the runner
   * masks substrings, which for a shorter value would blank out parts of ordinary words.
   */
  constructor(onAdd) {
    this.onAdd = onAdd;
  }
  /**
   * Registers a secret value. `label` names where it came from (a variable name, never the value) for
   * the warning when it is too short to mask.
   */
  add(secret, label) {
    if (!secret || this.seen.has(secret)) return;
    this.seen.add(secret);
    for (const m of secret.matchAll(URL_USERINFO)) {
      const [user = "", password = ""] = [m[1], m[2]];
      let decoded = password;
      try {
        decoded = decodeURIComponent(password);
      } catch {
      }
      for (const pw of /* @__PURE__ */ new Set([password, decoded])) {
        this.add(pw, label);
        if (user) this.add(`${safeDecode(user)}:${pw}`, label);
      }
    }
    if (/[\r\n]/.test(secret)) {
      for (const line of secret.split(/\r?\n/)) if (line.trim()) this.add(line.trim(), label);
    }
    if (secret.length < MIN_MASKED_LENGTH) {
      this.tooShort.push(label ?? `a ${secret.length}-character value`);
      return;
    }
    const tokenOnly = secret.length < MASKED_ANYWHERE_LENGTH;
    for (const form of encodedForms(secret)) {
      if (!this.patterns.has(form) || this.patterns.get(form)) this.patterns.set(form, tokenOnly);
    }
    const bytes = Buffer.from(secret);
    for (const shift of [0, 1, 2]) {
      for (const url of [false, true]) {
        const fragment = base64Fragment(bytes, shift, url);
        if (fragment.length >= MIN_BASE64_FRAGMENT) this.fragments.add(fragment);
      }
    }
    this.compiled = void 0;
    this.regexCache.clear();
    if (!tokenOnly) this.onAdd?.(secret);
  }
  /** Where the values too short to mask came from (labels, never values), for a warning. */
  get refused() {
    return this.tooShort;
  }
  compile() {
    if (this.compiled) return this.compiled;
    const patterns = [...this.patterns.entries()].sort((a, b) => b[0].length - a[0].length).map(([text, tokenOnly]) => ({
      text,
      source: tokenOnly ? `(?<![A-Za-z0-9])${escapeRegExp(text)}(?![A-Za-z0-9])` : escapeRegExp(text)
    }));
    this.compiled = { patterns, fragments: [...this.fragments] };
    return this.compiled;
  }
  /** One regular expression for a set of present values (cached: the same few recur in every line). */
  patternFor(present) {
    const key = present.map((p) => p.source).join("|");
    let re = this.regexCache.get(key);
    if (!re) {
      if (this.regexCache.size >= 256) this.regexCache.clear();
      re = new RegExp(key, "g");
      this.regexCache.set(key, re);
    }
    re.lastIndex = 0;
    return re;
  }
  redact(text) {
    const { patterns, fragments } = this.compile();
    let out = text.replace(URL_PASSWORD, `$1${MASK}$3`).replace(AUTH_HEADER, `$1${MASK}`);
    const present = patterns.filter((p) => out.includes(p.text));
    if (present.length) out = out.replace(this.patternFor(present), MASK);
    const encoded = fragments.filter((f) => out.includes(f));
    if (encoded.length) {
      out = out.replace(BASE64_WORD, (word) => encoded.some((f) => word.includes(f)) ? MASK : word);
    }
    return out;
  }
  /** Deep-redacts every string (and object key) of a JSON-like value. */
  redactValue(value) {
    if (typeof value === "string") return this.redact(value);
    if (Array.isArray(value)) return value.map((v) => this.redactValue(v));
    if (value && typeof value === "object" && !(value instanceof Date)) {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[this.redact(k)] = this.redactValue(v);
      return out;
    }
    return value;
  }
};
function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

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
var pgModule = lazyImport(() => import("./esm-LJLOSSTB.js"));
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

export {
  MIN_MASKED_LENGTH,
  Redactor,
  openStateStore
};
