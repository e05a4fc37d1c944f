import * as __orixoonModule from 'node:module';
import { fileURLToPath as __orixoonFileURLToPath } from 'node:url';
import { dirname as __orixoonDirname } from 'node:path';
__orixoonModule.enableCompileCache?.();
const require = __orixoonModule.createRequire(import.meta.url);
const __filename = __orixoonFileURLToPath(import.meta.url);
const __dirname = __orixoonDirname(__filename);
import {
  Logger,
  blockedReport,
  bodyRenderer,
  cell,
  code,
  deadlineMessage,
  failedSession,
  loadSessionConfig,
  relativePath,
  relativizeReport,
  relativizeText,
  reportDirOf,
  reportDirProblem,
  runSession,
  verdictTitle,
  workspaceDir
} from "./chunk-LLQ7VGHH.js";
import {
  ConfigError,
  MAX_RUN_SECONDS,
  errorMessage,
  formatProblem,
  redisUrlProblem
} from "./chunk-NBNSFWGK.js";
import {
  Redactor
} from "./chunk-NX6JUITK.js";
import "./chunk-GZM7BHQG.js";
import "./chunk-KW6K4AAY.js";
import "./chunk-BWS4LX76.js";
import "./chunk-KVU4AOYW.js";
import "./chunk-VQUWAF73.js";
import {
  GitHubApiError,
  STATE,
  createGitHubClient,
  readGitHubContext
} from "./chunk-AXVKJHID.js";
import {
  debug,
  endGroup,
  error,
  getInput,
  info,
  saveState,
  setFailed,
  setOutput,
  setSecret,
  startGroup,
  summary,
  warning
} from "./chunk-QBMVHA3P.js";
import {
  OVERRUN_GRACE_MS
} from "./chunk-V5A3BZ4W.js";
import "./chunk-KJRLVASL.js";
import "./chunk-WQ37B3FA.js";

// src/github/bounded.ts
var PUBLISH_MIN_MS = 5e3;
var PUBLISH_CANCELLED_MS = 700;
function githubCallTimeoutMs(timeoutSeconds) {
  return Math.round(Math.min(15e3, Math.max(1e3, timeoutSeconds * 1e3 / 3)));
}
async function within(p, ms) {
  let timer;
  try {
    return await Promise.race([
      p,
      new Promise((resolve) => timer = setTimeout(() => resolve(void 0), Math.max(0, ms)))
    ]);
  } finally {
    clearTimeout(timer);
  }
}
async function startWithinDeadline(github, o) {
  const starting = github.start().catch((e) => o.log.debug(`GitHub start: ${e instanceof Error ? e.message : String(e)}`));
  await within(
    github.headSha().catch(() => void 0),
    Math.min(githubCallTimeoutMs(o.timeoutSeconds), (o.deadline - Date.now()) / 4)
  );
  return async (report, problems) => {
    const budget = o.signal?.aborted ? PUBLISH_CANCELLED_MS : Math.max(o.deadline - Date.now(), PUBLISH_MIN_MS);
    const notes = await within(
      starting.then(() => github.publish(report, problems)),
      budget
    );
    if (notes) return notes;
    const note = `GitHub did not answer within ${Math.round(budget / 100) / 10}s: the PR comment and the check run may be missing or out of date; this summary and report.json are complete.`;
    o.log.say(`\u26A0\uFE0F ${note}`);
    return [note];
  };
}

// src/github/check-run.ts
import { isAbsolute, relative } from "node:path";

// src/report/pr-comment.ts
var COMMENT_LIMIT = 65536;
var CHECK_OUTPUT_LIMIT = 65535;
function problemLine(p, workspace) {
  const file = relativePath(p.file, workspace);
  const where = `${file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ""}` : ""}`;
  return `${cell(where, 1e3)} ${p.key ? `${code(p.key)}: ` : ""}${cell(relativizeText(p.message, workspace), 1e3)}`;
}
function rejectedSection(rejected) {
  const listed = rejected.slice(0, 20).map(
    (r) => `- A [comment](${encodeURI(r.url)}) by ${code(`@${r.by.slice(0, 60)}`)} was not understood as an approval: ${cell(r.reason, 500)}. The line: ${code(r.line.slice(0, 300))}`
  );
  return [
    `### \u26A0\uFE0F Approval comments not understood (${rejected.length})`,
    "",
    `Nothing was approved by these comments. A command stands on a line of its own, outside code blocks and quotes: ${code("/orixoon approve <id> \u2026")} with only pending ids, or ${code("/orixoon approve all")}.`,
    "",
    ...listed,
    ...rejected.length > listed.length ? ["", `_\u2026 and ${rejected.length - listed.length} more._`] : []
  ].join("\n");
}
function fit(build, totalRows, max, pointer) {
  const full = build(totalRows);
  if (full.length <= max) return full;
  let lo = 0;
  let hi = totalRows;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (build(mid).length <= max) lo = mid;
    else hi = mid - 1;
  }
  const fitted = build(lo);
  if (fitted.length <= max) return fitted;
  return `${fitted.slice(0, Math.max(0, max - pointer.length - 4))}

${pointer}`;
}
function renderPrComment(input2, maxChars = COMMENT_LIMIT - 1) {
  const { sha, runUrl } = input2;
  const workspace = input2.workspace ?? workspaceDir();
  const report = input2.report && relativizeReport(input2.report, workspace);
  const summaryLink = runUrl ? `[job summary](${runUrl})` : "job summary of the workflow run";
  const footerParts = [
    sha ? `Commit ${code(sha.slice(0, 7))}` : void 0,
    runUrl ? `[workflow run](${runUrl})` : void 0,
    report ? `finished ${report.finishedAt}` : void 0,
    report ? `Orixoon ${report.tool.version}` : "Orixoon"
  ].filter(Boolean);
  const footer = `<sub>${footerParts.join(" \xB7 ")}</sub>`;
  const budget = maxChars - footer.length - 2;
  const pointer = `\u26A0\uFE0F _This comment was shortened to fit GitHub's size limit: the full report is in the ${summaryLink}._`;
  if (!report) {
    const problems = input2.problems ?? [];
    const build2 = (rows) => [
      "> [!CAUTION]",
      `> ### ${verdictTitle(null)}`,
      "> **Deployment: BLOCKED**: the configuration was rejected before anything was touched.",
      "",
      ...problems.slice(0, rows).map((p) => `- ${problemLine(p, workspace)}`),
      ...rows < problems.length ? ["", pointer] : [],
      ...input2.notes?.length ? ["", "> [!NOTE]", ...input2.notes.map((n) => `> - ${cell(relativizeText(n, workspace), 1e3)}`)] : []
    ].join("\n");
    return { content: fit(build2, problems.length, budget, pointer), footer };
  }
  const rejected = input2.rejectedApprovals?.length ? rejectedSection(input2.rejectedApprovals) : void 0;
  const notes = (input2.notes ?? []).map((n) => relativizeText(n, workspace));
  const build = bodyRenderer(report, { kind: "comment", pointer, sha, notes, afterPending: rejected });
  return { content: fit(build, report.findings.length, budget, pointer), footer };
}
function renderCheckRunOutput(report, problems, runUrl) {
  if (!report) {
    const count = problems?.length ?? 0;
    return {
      title: `Blocked: configuration invalid (${count} problem${count === 1 ? "" : "s"})`,
      summary: renderPrComment({ report, problems, runUrl }, CHECK_OUTPUT_LIMIT - 1).content
    };
  }
  const { content, footer } = renderPrComment({ report, runUrl }, CHECK_OUTPUT_LIMIT - 1);
  const title = report.headline.replace(/\s+/g, " ").trim();
  return {
    title: title.length > 250 ? `${title.slice(0, 249)}\u2026` : title,
    summary: `${content}

${footer}`
  };
}

// src/github/keys.ts
var CHECK_NAME = "Orixoon pre-deployment";
var STICKY_MARKER = "<!-- orixoon:sticky -->";
var COMMENT_HEADER_RE = /^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$/;
function stickyMarker(header) {
  return header ? `<!-- orixoon:sticky:${header} -->` : STICKY_MARKER;
}

// src/github/check-run.ts
var ANNOTATIONS_PER_REQUEST = 50;
function problemAnnotations(problems, workspace) {
  return problems.map((p) => {
    let path = p.file;
    if (workspace && isAbsolute(path)) {
      const rel = relative(workspace, path);
      if (!rel.startsWith("..") && !isAbsolute(rel)) path = rel;
    }
    const line = p.line && p.line > 0 ? p.line : 1;
    const annotation = {
      path: path.replace(/\\/g, "/"),
      start_line: line,
      end_line: line,
      annotation_level: "failure",
      message: p.message.slice(0, 64e3),
      title: p.key ? `Invalid config: ${p.key}`.slice(0, 255) : "Invalid config"
    };
    if (p.line && p.column && p.column > 0) {
      annotation.start_column = p.column;
      annotation.end_column = p.column;
    }
    return annotation;
  });
}
function chunk(items, size) {
  const out = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
function createCheckPublisher(options) {
  const { client, sha, runUrl, redact, say } = options;
  const name = options.name ?? CHECK_NAME;
  let htmlUrl;
  let checkRunId;
  let mode = "check";
  async function setStatus(state, description) {
    try {
      await client.createCommitStatus(sha, {
        state,
        context: name,
        description: redact(description).slice(0, 140),
        target_url: runUrl
      });
      say(`\u{1F3F7}\uFE0F Commit status '${name}' set to ${state} on ${sha.slice(0, 7)}`);
      return void 0;
    } catch (err) {
      mode = "off";
      if (err instanceof GitHubApiError && err.forbidden) {
        return `Check run and commit status skipped: the token may write neither checks nor statuses (HTTP ${err.status}); a fork PR's token is read-only, otherwise give the job \`checks: write\` or \`statuses: write\`.`;
      }
      return `Commit status not set: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
  function forbiddenChecks(err) {
    return err instanceof GitHubApiError && err.forbidden;
  }
  return {
    url: () => mode === "check" ? htmlUrl : void 0,
    async start() {
      if (mode !== "check" || checkRunId !== void 0) return void 0;
      try {
        const created = await client.createCheckRun(name, sha, {
          status: "in_progress",
          started_at: (/* @__PURE__ */ new Date()).toISOString(),
          details_url: runUrl,
          output: { title: "Running pre-deployment checks", summary: "Orixoon is checking the environment\u2026" }
        });
        checkRunId = created.id;
        htmlUrl = created.htmlUrl;
        options.onCheckRun?.(created.id, "in_progress");
        say(`\u{1F3F7}\uFE0F Check run '${name}' started on ${sha.slice(0, 7)}`);
        return void 0;
      } catch (err) {
        if (forbiddenChecks(err)) {
          mode = "status";
          say(
            `\u26A0\uFE0F The token may not create check runs (HTTP ${err.status}); using a commit status instead`
          );
          return setStatus("pending", "Running pre-deployment checks\u2026");
        }
        say(`\u26A0\uFE0F Check run not started: ${err instanceof Error ? err.message : String(err)}`);
        return void 0;
      }
    },
    async complete(report, problems = []) {
      if (mode === "off") return void 0;
      const success = !!report && report.deployment !== "blocked";
      const headline = report ? report.headline : `Deployment: BLOCKED (configuration invalid)`;
      if (mode === "status") return setStatus(success ? "success" : "failure", headline);
      const output = renderCheckRunOutput(report, problems, runUrl);
      const title = redact(output.title);
      const summary2 = redact(output.summary);
      const batches = chunk(problemAnnotations(problems, options.workspace), ANNOTATIONS_PER_REQUEST).map(
        (b) => b.map((a) => ({ ...a, message: redact(a.message), path: redact(a.path) }))
      );
      const final = {
        status: "completed",
        conclusion: success ? "success" : "failure",
        completed_at: (/* @__PURE__ */ new Date()).toISOString(),
        details_url: runUrl,
        output: { title, summary: summary2, ...batches[0] ? { annotations: batches[0] } : {} }
      };
      try {
        if (checkRunId === void 0) {
          const created = await client.createCheckRun(name, sha, final);
          checkRunId = created.id;
          htmlUrl = created.htmlUrl;
        } else {
          await client.updateCheckRun(checkRunId, final);
        }
        for (const batch of batches.slice(1)) {
          await client.updateCheckRun(checkRunId, { output: { title, summary: summary2, annotations: batch } });
        }
        options.onCheckRun?.(checkRunId, "completed");
        say(`\u{1F3F7}\uFE0F Check run '${name}' completed: ${final.conclusion}`);
        return void 0;
      } catch (err) {
        if (forbiddenChecks(err)) {
          mode = "status";
          return setStatus(success ? "success" : "failure", headline);
        }
        return `Check run not completed: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
  };
}

// src/github/sticky-comment.ts
import { createHash } from "node:crypto";
var META_PREFIX = "<!-- orixoon:meta ";
var META_RE = /<!-- orixoon:meta (\{.*?\}) -->/s;
function isBotAccount(user) {
  if (!user) return false;
  return user.type === "Bot" || /\[bot\]$/i.test(user.login);
}
function formatMetadata(meta) {
  const json = JSON.stringify(meta).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
  return `${META_PREFIX}${json} -->`;
}
function parseMetadata(body) {
  const m = META_RE.exec(body);
  if (!m?.[1]) return void 0;
  try {
    const raw = JSON.parse(m[1]);
    if (!raw || typeof raw !== "object") return void 0;
    const obj = raw;
    const proposals = {};
    if (obj.proposals && typeof obj.proposals === "object") {
      for (const [id, at] of Object.entries(obj.proposals)) {
        if (typeof at === "string" && !Number.isNaN(Date.parse(at))) proposals[id] = at;
      }
    }
    return {
      v: 1,
      sha: typeof obj.sha === "string" ? obj.sha : void 0,
      proposals,
      content: typeof obj.content === "string" ? obj.content : void 0
    };
  } catch {
    return void 0;
  }
}
function contentHash(content) {
  return createHash("sha256").update(content).digest("hex").slice(0, 16);
}
function composeBody(rendered, meta, header) {
  const title = header ? `<sub>Orixoon \xB7 ${header}</sub>

` : "";
  return `${stickyMarker(header)}
${formatMetadata(meta)}
${title}${rendered.content}

${rendered.footer}
`;
}
function isOwnComment(comment, identity) {
  const user = comment.user;
  if (!user || user.login.toLowerCase() !== identity.login.toLowerCase()) return false;
  if (!identity.installation) return true;
  if (user.type !== "Bot") return false;
  const app = comment.performed_via_github_app?.slug;
  return !app || `${app}[bot]`.toLowerCase() === identity.login.toLowerCase();
}
function isOwnSticky(comment, identity, header) {
  return comment.body.includes(stickyMarker(header)) && isOwnComment(comment, identity);
}
function findStickyComments(comments, identity, header) {
  return comments.filter((c) => isOwnSticky(c, identity, header));
}
function trustedProposals(sticky, meta, headSha) {
  const out = /* @__PURE__ */ new Map();
  if (!sticky || !meta?.sha || !headSha || meta.sha !== headSha) return out;
  const created = Date.parse(sticky.created_at);
  const updated = Date.parse(sticky.updated_at);
  if (Number.isNaN(created)) return out;
  const latest = Number.isNaN(updated) ? created : Math.max(created, updated);
  for (const [id, at] of Object.entries(meta.proposals)) {
    const t = Date.parse(at);
    if (!Number.isNaN(t)) out.set(id, Math.min(Math.max(t, created), latest));
  }
  return out;
}
function nextProposals(previous, sha, pendingIds, now) {
  const keep = previous && previous.sha === sha ? previous.proposals : {};
  const out = {};
  for (const id of pendingIds) out[id] = keep[id] ?? now.toISOString();
  return out;
}

// src/github/approvals.ts
var APPROVING_ROLES = /* @__PURE__ */ new Set(["admin", "maintain", "write"]);
var COMMAND_START = /^\/orixoon\b/i;
var APPROVE = /^\/orixoon\s+approve(?=\s|$)(.*)$/i;
var APPROVAL_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
var FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
var HTML_BLOCK = /^ {0,3}(?:<\/?(?:address|article|aside|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|pre|script|search|section|style|summary|table|tbody|td|textarea|tfoot|th|thead|title|tr|track|ul)(?:[\s/>]|$)|<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>\s*$)/i;
var GRAMMAR = "write `/orixoon approve <id> \u2026` or `/orixoon approve all` on a line of its own";
function parseCommandLine(line) {
  const m = APPROVE.exec(line);
  if (!m) return { line, reason: `not an approve command (${GRAMMAR})` };
  const tokens = (m[1] ?? "").split(/[\s,]+/).map((t) => t.replace(/^`+|`+$/g, "")).filter(Boolean);
  if (!tokens.length) return { line, reason: `names no approval id (${GRAMMAR})` };
  const bad = tokens.find((t) => t.toLowerCase() !== "all" && !APPROVAL_ID.test(t));
  if (bad !== void 0) return { line, reason: `\`${bad}\` is not an approval id (${GRAMMAR})` };
  if (tokens.some((t) => t.toLowerCase() === "all")) {
    if (tokens.length > 1)
      return { line, reason: "`all` must stand alone on the line (`/orixoon approve all`)" };
    return { line, ids: ["all"] };
  }
  return { line, ids: tokens };
}
function parseApproveComment(body) {
  const commands = [];
  const rejected = [];
  let fence;
  let htmlComment = false;
  let htmlBlock = false;
  let afterQuote = false;
  const reject = (text, reason) => {
    const line = text.trim();
    if (COMMAND_START.test(line)) rejected.push({ line, reason: `${reason}; ${GRAMMAR}` });
  };
  for (const raw of body.split(/\r\n|\r|\n/)) {
    const blank = raw.trim() === "";
    if (htmlComment) {
      if (raw.includes("-->")) htmlComment = false;
      else reject(raw, "inside an HTML comment");
      continue;
    }
    if (fence) {
      const close = FENCE.exec(raw);
      const run2 = close?.[1] ?? "";
      if (run2[0] === fence.char && run2.length >= fence.length && !close?.[2]?.trim()) fence = void 0;
      else reject(raw, "inside a code block");
      continue;
    }
    if (blank) {
      afterQuote = false;
      htmlBlock = false;
      continue;
    }
    const open = FENCE.exec(raw);
    if (open && !(open[1][0] === "`" && open[2].includes("`"))) {
      fence = { char: open[1][0], length: open[1].length };
      afterQuote = false;
      continue;
    }
    const quote = /^ {0,3}>/.exec(raw);
    if (quote || afterQuote) {
      afterQuote = true;
      reject(raw.replace(/^(\s*>)+/, ""), "quoted");
      continue;
    }
    if (htmlBlock) {
      reject(raw, "inside an HTML block");
      continue;
    }
    const commentStart = raw.indexOf("<!--");
    if (commentStart >= 0 && raw.indexOf("-->", commentStart + 4) < 0) {
      htmlComment = true;
      reject(raw.slice(commentStart + 4), "inside an HTML comment");
      continue;
    }
    if (HTML_BLOCK.test(raw)) {
      htmlBlock = true;
      continue;
    }
    if (/^( {4,}|\t)/.test(raw)) {
      reject(raw, "indented (four spaces or a tab make it code)");
      continue;
    }
    const line = raw.trim();
    if (!COMMAND_START.test(line)) continue;
    const parsed = parseCommandLine(line);
    if ("ids" in parsed) commands.push(parsed);
    else rejected.push(parsed);
  }
  return { commands, rejected };
}
function hasWriteAccess(p) {
  return APPROVING_ROLES.has(p.roleName ?? "") || p.permission === "admin" || p.permission === "write";
}
function shortSha(sha) {
  return sha?.slice(0, 7) ?? "(unknown)";
}
function unknownIds(command, proposals) {
  return command.ids.filter((id) => id !== "all" && !proposals.has(id));
}
function notUnderstood(source) {
  if (!source.proposals.size) return [];
  const since = Math.min(...source.proposals.values());
  const out = [];
  for (const c of source.comments) {
    if (c.id === source.stickyId || !c.user || isBotAccount(c.user)) continue;
    if (!(Date.parse(c.created_at) > since)) continue;
    const parsed = parseApproveComment(c.body);
    const problems = [
      ...parsed.rejected,
      ...parsed.commands.flatMap((cmd) => {
        const unknown = unknownIds(cmd, source.proposals);
        return unknown.length ? [
          {
            line: cmd.line,
            reason: `${unknown.map((id) => `\`${id}\``).join(", ")} ${unknown.length === 1 ? "is" : "are"} not pending for commit ${shortSha(source.headSha)}, so nothing on the line counts`
          }
        ] : [];
      })
    ];
    for (const p of problems) out.push({ by: c.user.login, url: c.html_url, at: c.created_at, ...p });
  }
  return out;
}
async function findCommentApproval(id, source, permissionOf) {
  const denied = [];
  const candidates = [];
  for (const c of source.comments) {
    if (c.id === source.stickyId) continue;
    for (const command of parseApproveComment(c.body).commands) {
      if (command.ids.includes(id) || command.ids.includes("all")) candidates.push({ c, command });
    }
  }
  if (!candidates.length) return { denied };
  const proposedAt = source.proposals.get(id);
  for (const { c, command } of candidates) {
    const who = c.user?.login ?? "unknown user";
    const where = `comment by @${who} at ${c.created_at}`;
    if (proposedAt === void 0) {
      denied.push(
        `${where}: ${id} was not proposed for the current head commit ${shortSha(source.headSha)} (a push after the proposal needs a new approval)`
      );
      continue;
    }
    const unknown = unknownIds(command, source.proposals);
    if (unknown.length) {
      denied.push(
        `${where}: not understood as an approval: ${unknown.join(", ")} ${unknown.length === 1 ? "is" : "are"} not pending for commit ${shortSha(source.headSha)}, so nothing on the line counts`
      );
      continue;
    }
    if (!(Date.parse(c.created_at) > proposedAt)) {
      denied.push(`${where}: made before the action was proposed (${new Date(proposedAt).toISOString()})`);
      continue;
    }
    if (!c.user || isBotAccount(c.user)) {
      denied.push(`${where}: bots cannot approve`);
      continue;
    }
    let permission;
    try {
      permission = await permissionOf(c.user.login);
    } catch (err) {
      denied.push(
        `${where}: could not read the user's permission (${err instanceof Error ? err.message : String(err)})`
      );
      continue;
    }
    if (!hasWriteAccess(permission)) {
      denied.push(
        `${where}: needs write, maintain or admin permission (has ${permission.roleName ?? permission.permission})`
      );
      continue;
    }
    return { approval: { id, via: "comment", by: c.user.login, at: c.created_at, url: c.html_url }, denied };
  }
  return { denied };
}

// src/github/comment.ts
function describe(err) {
  return err instanceof Error ? err.message : String(err);
}
function createCommentPublisher(o) {
  const { client, gh, redactor, log, resolveHeadSha } = o;
  const settings = o;
  const permissions = /* @__PURE__ */ new Map();
  let commentState;
  let commentUrl;
  const say = (text) => log.say(text);
  const warn = (note) => {
    log.say(`\u26A0\uFE0F ${note}`);
    return note;
  };
  async function resolveIdentity(c) {
    let userProblem;
    try {
      const user = await c.authenticatedUser();
      return { login: user.login, installation: user.type === "Bot" || /\[bot\]$/i.test(user.login) };
    } catch (err) {
      userProblem = describe(err);
      log.debug(`GET /user unavailable (${userProblem}): asking GraphQL viewer (an installation token)`);
    }
    try {
      const login = await c.viewerLogin();
      return { login, installation: /\[bot\]$/i.test(login) };
    } catch (err) {
      return `${userProblem}; ${describe(err)}`;
    }
  }
  function loadCommentState(c, pr) {
    commentState ??= (async () => {
      const [identity, comments, head] = await Promise.all([
        resolveIdentity(c),
        c.listIssueComments(pr),
        resolveHeadSha()
      ]);
      if (typeof identity === "string") {
        say(
          `\u26A0\uFE0F Could not tell which account this token comments as (${identity}): no PR comment is trusted as Orixoon's own, and approvals by comment are not available`
        );
        return { identityProblem: identity, comments, stickies: [], proposals: /* @__PURE__ */ new Map(), notUnderstood: [] };
      }
      const stickies = findStickyComments(comments, identity, settings.commentHeader);
      const sticky = stickies[0];
      const meta = sticky ? parseMetadata(sticky.body) : void 0;
      const proposals = trustedProposals(sticky, meta, head);
      const problems = notUnderstood({ comments, stickyId: sticky?.id, proposals, headSha: head });
      for (const p of problems) {
        say(`\u2139\uFE0F A comment by @${p.by} (${p.url}) was not understood as an approval: ${p.reason}`);
      }
      log.debug(
        `PR #${pr}: ${comments.length} comments, sticky ${sticky ? `#${sticky.id}` : "none"} (identity ${identity.login})`
      );
      return { identity, comments, stickies, meta, proposals, notUnderstood: problems };
    })();
    return commentState;
  }
  function permissionOf(c, login) {
    let p = permissions.get(login);
    if (!p) {
      p = c.collaboratorPermission(login);
      permissions.set(login, p);
    }
    return p;
  }
  const approvalLookup = async (finding) => {
    if (!client || !gh.pr) return void 0;
    const c = client;
    try {
      const state = await loadCommentState(c, gh.pr);
      const decision = await findCommentApproval(
        finding.id,
        {
          comments: state.comments,
          stickyId: state.stickies[0]?.id,
          proposals: state.proposals,
          headSha: await resolveHeadSha()
        },
        (login) => permissionOf(c, login)
      );
      for (const reason of decision.denied) say(`\u2139\uFE0F Approval of ${finding.id} not counted: ${reason}`);
      if (decision.approval)
        say(`\u{1F44D} ${finding.id} approved by @${decision.approval.by} (${decision.approval.url})`);
      return decision.approval;
    } catch (err) {
      say(`\u26A0\uFE0F Could not read approvals from PR #${gh.pr}: ${describe(err)}`);
      return void 0;
    }
  };
  function commentFailure(err) {
    if (err instanceof GitHubApiError && err.forbidden) {
      return gh.fork ? `PR comment skipped: fork PR with a read-only token (HTTP ${err.status}); the report is in the job summary.` : `PR comment skipped: the token may not read or write PR comments (HTTP ${err.status}: ${err.detail}); give the job \`pull-requests: write\`.`;
    }
    return `PR comment not written: ${describe(err)}`;
  }
  function remember(state, written, meta) {
    if (state.identity && !isOwnComment(written, state.identity)) {
      log.debug(
        `PR comment #${written.id} is by ${written.user?.login ?? "nobody"}, not ${state.identity.login}`
      );
    }
    const comments = [...state.comments.filter((x) => x.id !== written.id), written];
    const stickies = [written, ...state.stickies.filter((x) => x.id !== written.id)];
    commentState = Promise.resolve({ ...state, comments, stickies, meta });
  }
  async function publishComment(report, problems) {
    const pendingIds = report?.findings.filter((f) => f.outcome === "awaiting_approval").map((f) => f.id) ?? [];
    const approvalHint = pendingIds.length ? " Approval by PR comment is not available for this run: approve with the `approve` input." : "";
    if (settings.comment === "never") {
      return gh.pr && pendingIds.length ? [warn(`PR comment off (comment: never).${approvalHint}`)] : [];
    }
    if (!gh.pr) return [];
    if (!client) return [warn(`PR comment skipped: no github-token.${approvalHint}`)];
    const c = client;
    const pr = gh.pr;
    let state;
    try {
      state = await loadCommentState(c, pr);
    } catch (err) {
      return [warn(commentFailure(err) + approvalHint)];
    }
    if (!state.identity) {
      return [
        warn(
          `PR comment skipped: could not tell which account this token comments as (${state.identityProblem ?? "unknown"}).${approvalHint}`
        )
      ];
    }
    const sha = await resolveHeadSha();
    const existing = state.stickies[0];
    const previous = state.meta;
    const proposals = nextProposals(previous, sha, pendingIds, /* @__PURE__ */ new Date());
    const metaBudget = formatMetadata({ v: 1, sha, proposals, content: "0".repeat(16) }).length + composeBody({ content: "", footer: "" }, { v: 1, proposals: {} }, settings.commentHeader).length;
    const rendered = renderPrComment(
      {
        report,
        problems,
        sha,
        runUrl: gh.runUrl,
        rejectedApprovals: pendingIds.length ? state.notUnderstood : []
      },
      Math.max(4e3, COMMENT_LIMIT - 1 - metaBudget)
    );
    const content = redactor.redact(rendered.content);
    const footer = redactor.redact(rendered.footer);
    const meta = { v: 1, sha, proposals, content: contentHash(content) };
    const body = composeBody({ content, footer }, meta, settings.commentHeader);
    const held = !report || report.deployment === "blocked";
    const cleanPass = !!report && report.counts.findings === 0 && report.verdict !== "blocked";
    if (!existing) {
      if (settings.comment === "on-failure" && !held) {
        log.debug("PR comment not created: comment is on-failure and the deployment is not blocked");
        return [];
      }
      if (settings.comment === "on-change" && cleanPass) {
        log.debug("PR comment not created: comment is on-change and every check passed");
        return [];
      }
      try {
        const created = await c.createIssueComment(pr, body);
        remember(state, created, meta);
        commentUrl = created.html_url;
        say(`\u{1F4AC} PR comment created: ${created.html_url}`);
        return [];
      } catch (err) {
        return [warn(commentFailure(err) + approvalHint)];
      }
    }
    const unchanged = settings.comment === "on-change" ? previous?.content === meta.content && JSON.stringify(previous?.proposals) === JSON.stringify(proposals) : existing.body === body;
    if (unchanged) {
      commentUrl = existing.html_url;
      say(`\u{1F4AC} PR comment unchanged: ${existing.html_url}`);
      return [];
    }
    try {
      const updated = await c.updateIssueComment(existing.id, body);
      remember(state, updated, meta);
      commentUrl = updated.html_url;
      say(`\u{1F4AC} PR comment updated: ${updated.html_url}`);
      return [];
    } catch (err) {
      return [warn(commentFailure(err) + approvalHint)];
    }
  }
  return {
    approvalLookup,
    url: () => commentUrl,
    publish: (report, problems) => publishComment(report, problems)
  };
}

// src/github/index.ts
var DEFAULT_TIMEOUT_MS = 15e3;
function describe2(err) {
  return err instanceof Error ? err.message : String(err);
}
function createGitHubIntegration(settings, deps) {
  const { redactor, log, env } = deps;
  redactor.add(settings.token);
  const gh = readGitHubContext(env);
  const context = {
    repository: gh.repository,
    sha: gh.sha,
    pr: gh.pr,
    runUrl: gh.runUrl,
    workflow: gh.workflow,
    eventName: gh.eventName
  };
  const client = settings.token && gh.owner && gh.repo ? createGitHubClient({
    token: settings.token,
    owner: gh.owner,
    repo: gh.repo,
    apiUrl: gh.apiUrl,
    timeoutMs: settings.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    debug: (t) => log.debug(t)
  }) : void 0;
  let headSha;
  let checks;
  const startNotes = [];
  const say = (text) => log.say(text);
  const warn = (note) => {
    log.say(`\u26A0\uFE0F ${note}`);
    return note;
  };
  function resolveHeadSha() {
    headSha ??= (async () => {
      if (gh.sha) return gh.sha;
      if (!client || !gh.pr) return void 0;
      try {
        const sha = await client.pullRequestHeadSha(gh.pr);
        context.sha = sha;
        return sha;
      } catch (err) {
        log.debug(`PR head commit unknown: ${describe2(err)}`);
        return void 0;
      }
    })();
    return headSha;
  }
  const comments = createCommentPublisher({
    client,
    gh,
    comment: settings.comment,
    commentHeader: settings.commentHeader,
    redactor,
    log,
    resolveHeadSha
  });
  async function ensureChecks() {
    if (!settings.checkRun) return void 0;
    if (checks) return checks;
    if (!client)
      return `Check run skipped: ${settings.token ? "GITHUB_REPOSITORY is not set" : "no github-token"}.`;
    const sha = await resolveHeadSha();
    if (!sha) return "Check run skipped: the head commit of this run is unknown.";
    checks = createCheckPublisher({
      client,
      sha,
      runUrl: gh.runUrl,
      workspace: gh.workspace,
      name: settings.checkName,
      redact: (t) => redactor.redact(t),
      say,
      onCheckRun: settings.onCheckRun
    });
    return checks;
  }
  return {
    context,
    approvalLookup: comments.approvalLookup,
    headSha: resolveHeadSha,
    links: () => ({ comment: comments.url(), checkRun: checks?.url() }),
    async start() {
      try {
        await resolveHeadSha();
        const publisher = await ensureChecks();
        if (typeof publisher === "string") startNotes.push(warn(publisher));
        else if (publisher) {
          const note = await publisher.start();
          if (note) startNotes.push(warn(note));
        }
      } catch (err) {
        startNotes.push(warn(`GitHub integration could not start: ${describe2(err)}`));
      }
    },
    async publish(rawReport, rawProblems) {
      const report = rawReport && redactor.redactValue(rawReport);
      const problems = rawProblems && redactor.redactValue(rawProblems);
      const notes = [...startNotes];
      startNotes.length = 0;
      try {
        notes.push(...await comments.publish(report, problems));
      } catch (err) {
        notes.push(warn(`PR comment not written: ${describe2(err)}`));
      }
      try {
        const publisher = await ensureChecks();
        if (typeof publisher === "string") {
          if (!notes.includes(publisher)) notes.push(warn(publisher));
        } else if (publisher) {
          const note = await publisher.complete(report, problems);
          if (note) notes.push(warn(note));
        }
      } catch (err) {
        notes.push(warn(`Check run not completed: ${describe2(err)}`));
      }
      return notes.map((n) => redactor.redact(n));
    }
  };
}

// src/inputs.ts
var DEFAULT_INPUTS = {
  config: ".github/orixoon.yml",
  "auto-heal": "true",
  "dry-run": "false",
  comment: "on-change",
  "check-run": "false",
  "check-name": CHECK_NAME,
  "fail-on": "blocked",
  "report-dir": "orixoon-reports",
  "timeout-seconds": "900"
};
var InputError = class extends Error {
  constructor(message) {
    super(message);
    this.name = "InputError";
  }
};
function input(name) {
  return getInput(name).trim();
}
function bool(name) {
  const v = (input(name) || DEFAULT_INPUTS[name]).toLowerCase();
  if (["true", "yes", "1", "on"].includes(v)) return true;
  if (["false", "no", "0", "off"].includes(v)) return false;
  throw new InputError(`Input ${name} must be true or false, got "${v}"`);
}
function oneOf(name, allowed) {
  const v = (input(name) || DEFAULT_INPUTS[name]).toLowerCase();
  if (allowed.includes(v)) return v;
  throw new InputError(`Input ${name} must be one of ${allowed.join(", ")}, got "${v}"`);
}
function list(raw) {
  return raw.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
}
function commentHeader() {
  const v = input("comment-header");
  if (!v) return void 0;
  if (!COMMENT_HEADER_RE.test(v)) {
    throw new InputError(
      `Input comment-header must be 1-64 letters, digits, spaces or . _ / : - (starting with a letter or digit), got "${v}"`
    );
  }
  return v;
}
function checkName() {
  const v = input("check-name") || DEFAULT_INPUTS["check-name"];
  if (v.length > 100 || [...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127)) {
    throw new InputError(
      `Input check-name must be one line of at most 100 characters, got "${v.slice(0, 120)}"`
    );
  }
  return v;
}
function getInputs() {
  const config = input("config");
  const timeout = Number(input("timeout-seconds") || DEFAULT_INPUTS["timeout-seconds"]);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > MAX_RUN_SECONDS) {
    throw new InputError(
      `Input timeout-seconds must be a number of seconds above 0 and at most ${MAX_RUN_SECONDS} (24 h), got "${input("timeout-seconds")}"`
    );
  }
  const secret = (name) => {
    const v = input(name);
    if (v) setSecret(v);
    return v || void 0;
  };
  const redisUrl = secret("redis-url");
  const redisProblem = redisUrl && redisUrlProblem(redisUrl);
  if (redisProblem) throw new InputError(`Input redis-url: ${redisProblem}`);
  return {
    config: config || DEFAULT_INPUTS.config,
    configIsDefault: !config || config === DEFAULT_INPUTS.config,
    autoHeal: bool("auto-heal"),
    dryRun: bool("dry-run"),
    phases: list(input("phases")),
    approve: list(input("approve")),
    githubToken: secret("github-token"),
    comment: oneOf("comment", ["always", "on-failure", "on-change", "never"]),
    commentHeader: commentHeader(),
    checkRun: bool("check-run"),
    checkName: checkName(),
    failOn: oneOf("fail-on", ["blocked", "warning", "never"]),
    reportDir: input("report-dir") || DEFAULT_INPUTS["report-dir"],
    timeoutSeconds: timeout,
    dockerHost: input("docker-host") || void 0,
    postgresUrl: secret("postgres-url"),
    redisUrl,
    statePath: input("state-path") || void 0
  };
}

// src/report/annotations.ts
var ANNOTATION_LIMITS = { error: 9, warning: 10 };
var fixed = (f) => f.outcome === "healed" || f.outcome === "recovered";
function messageOf(f) {
  const lines = [f.message, `${f.outcome.replace(/_/g, " ")}: ${f.reason || "not healed"}`];
  if (f.outcome === "awaiting_approval") {
    lines.push(`Approve with a PR comment: /orixoon approve ${f.id} (or the approve input: ${f.id})`);
  }
  if (f.failure) lines.push(`Recommendation: ${f.failure.recommendation}`);
  return lines.join("\n");
}
function findingAnnotations(report, failOn = "blocked") {
  const all = report.findings.filter((f) => !fixed(f)).map((f) => {
    const blocks = failOn !== "never" && (f.severity === "error" || failOn === "warning");
    return { level: blocks ? "error" : "warning", title: `${f.checkId}: ${f.code}`, message: messageOf(f) };
  });
  const out = [];
  for (const level of ["error", "warning"]) {
    const these = all.filter((a) => a.level === level);
    const limit = ANNOTATION_LIMITS[level];
    if (these.length <= limit) {
      out.push(...these);
      continue;
    }
    const rest = these.length - (limit - 1);
    out.push(...these.slice(0, limit - 1), {
      level,
      title: `${rest} more ${level === "error" ? "blocking" : "warning"} findings`,
      message: `${these.slice(limit - 1).map((a) => a.title).join(", ")}: see the job summary and report.json`
    });
  }
  return out;
}

// src/report/config-problems.ts
function renderConfigProblems(problems, notes = []) {
  return [
    "## \u{1F6AB} Orixoon: BLOCKED \u2014 invalid configuration",
    "",
    "Nothing was checked or changed. Fix these and re-run:",
    "",
    ...problems.map((p) => `- \`${formatProblem(p)}\``),
    ...notes.map((n) => `> ${n}`),
    ""
  ].join("\n");
}

// src/github/step.ts
async function writeJobSummary(markdown) {
  try {
    await summary.addRaw(markdown).write();
  } catch (e) {
    warning(`Job summary not written: ${errorMessage(e)}`);
  }
}
function setLinkOutputs(links) {
  setOutput("comment-url", links.comment ?? "");
  setOutput("check-run-url", links.checkRun ?? "");
}
async function publishStep(run2, links, failOn, redactor) {
  const { report } = run2;
  await writeJobSummary(run2.summary);
  setOutput("status", report.verdict);
  setOutput("healed", String(report.counts.healed + report.counts.recovered));
  setOutput("failed", String(report.counts.failed));
  setOutput("awaiting-approval", String(report.counts.awaitingApproval));
  setOutput("success-rate", report.auto_healing.summary.success_rate);
  setOutput("report", run2.reportPath);
  setOutput("summary-path", run2.summaryPath);
  setLinkOutputs(links);
  for (const a of findingAnnotations(report, failOn)) {
    const props = { title: redactor.redact(a.title) };
    if (a.level === "error") error(redactor.redact(a.message), props);
    else warning(redactor.redact(a.message), props);
  }
  info(`Report: ${run2.reportPath}`);
  if (report.deployment === "blocked") {
    setFailed(`${report.headline}. See the job summary and ${run2.reportPath}.`);
  }
}
function annotateConfigProblems(problems, redactor) {
  for (const p of problems) {
    const message = redactor.redact(`${p.key ? `${p.key}: ` : ""}${p.message}`);
    error(message, { title: "Orixoon config", file: p.file, startLine: p.line, startColumn: p.column });
    info(redactor.redact(formatProblem(p)));
  }
}
async function publishConfigProblems(problems, notes, links, redactor) {
  setOutput("status", "blocked");
  setLinkOutputs(links);
  await writeJobSummary(redactor.redact(renderConfigProblems(problems, notes)));
  setFailed(
    `Invalid Orixoon config (${problems.length} problem${problems.length === 1 ? "" : "s"}). Deployment: BLOCKED`
  );
}

// src/report/notify.ts
var EVENT_NAME = {
  attempt: "healing_attempt",
  success: "healing_success",
  failure: "healing_failure"
};
var SUPPORTED = ["slack", "webhook"];
function webhookPayload(e, run2 = {}) {
  return {
    event: EVENT_NAME[e.kind],
    finding: {
      code: e.finding.code,
      check_id: e.finding.checkId,
      target: e.finding.target,
      message: e.finding.message,
      severity: e.finding.severity,
      evidence: e.finding.evidence
    },
    action: e.action,
    attempt: e.attempt,
    details: e.details,
    timestamp: e.timestamp,
    ...run2.repository ? { repository: run2.repository } : {},
    ...run2.sha ? { sha: run2.sha } : {},
    ...run2.runUrl ? { run_url: run2.runUrl } : {}
  };
}
function slackEscape(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
function slackPayload(e, run2 = {}) {
  const msg = e.finding.message;
  const text = e.kind === "attempt" ? `\u{1F527} HEALING: ${msg}: running ${e.action} (attempt ${e.attempt})` : e.kind === "success" ? `\u2705 HEALED: ${msg}: ${e.details}` : `\u274C HEALING FAILED: ${msg}: ${e.action} attempt ${e.attempt}: ${e.details}`;
  const context = [
    run2.repository ? `*${slackEscape(run2.repository)}*` : void 0,
    run2.sha ? `\`${run2.sha.slice(0, 7)}\`` : void 0,
    run2.runUrl ? `<${run2.runUrl}|workflow run>` : void 0,
    `check \`${slackEscape(e.finding.checkId)}\``,
    e.timestamp
  ].filter(Boolean);
  return {
    text: `Orixoon ${text}`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: slackEscape(text) } },
      { type: "context", elements: [{ type: "mrkdwn", text: context.join(" \xB7 ") }] }
    ]
  };
}
function usableUrl(raw) {
  if (!raw || /\$\{[^}]*\}/.test(raw)) return void 0;
  try {
    const u = new URL(raw);
    return u.protocol === "https:" || u.protocol === "http:" ? raw : void 0;
  } catch {
    return void 0;
  }
}
function failureReason(err, timeoutMs, signal) {
  if (signal.aborted) return `no answer within ${timeoutMs / 1e3} s`;
  if (err instanceof Error) {
    const cause = err.cause;
    if (cause && typeof cause === "object" && "code" in cause && typeof cause.code === "string")
      return cause.code;
    return err.message;
  }
  return String(err);
}
async function postOnce(url, body, timeoutMs) {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "orixoon-action" },
      body,
      signal,
      redirect: "error"
    });
    await res.arrayBuffer().catch(() => void 0);
    if (res.ok) return { retry: false };
    return { error: `HTTP ${res.status}`, retry: res.status >= 500 || res.status === 429 };
  } catch (err) {
    return { error: failureReason(err, timeoutMs, signal), retry: true };
  }
}
function createNotifier(cfg, deps) {
  const { redactor, log, env } = deps;
  const warn = (message) => {
    log.say(`\u26A0\uFE0F ${message}`);
    log.warn(message);
  };
  const rawSlack = cfg.slack_webhook_url || env.ORIXOON_SLACK_WEBHOOK_URL || void 0;
  const rawWebhook = cfg.webhook_url || env.ORIXOON_WEBHOOK_URL || void 0;
  redactor.add(rawSlack);
  redactor.add(rawWebhook);
  const urls = {
    slack: usableUrl(rawSlack),
    webhook: usableUrl(rawWebhook)
  };
  const listed = cfg.notification_channels.map((c) => c.trim().toLowerCase()).filter(Boolean);
  const wanted = listed.length ? listed : SUPPORTED.filter((c) => c === "slack" ? rawSlack : rawWebhook);
  const channels = [];
  for (const name of new Set(wanted)) {
    if (!SUPPORTED.includes(name)) {
      warn(`Notification channel '${name}' is not supported (use slack or webhook); it is ignored`);
      continue;
    }
    const channel = name;
    const key = channel === "slack" ? "slack_webhook_url" : "webhook_url";
    const envName = channel === "slack" ? "ORIXOON_SLACK_WEBHOOK_URL" : "ORIXOON_WEBHOOK_URL";
    if (!urls[channel]) {
      const raw = channel === "slack" ? rawSlack : rawWebhook;
      warn(
        raw ? `${channel} notifications disabled: notifications.${key} is not an http(s) URL (an unset \${VAR}?)` : `${channel} notifications disabled: set notifications.${key} or ${envName}`
      );
      continue;
    }
    channels.push(channel);
  }
  const enabled = {
    attempt: cfg.notify_on_healing_attempt,
    success: cfg.notify_on_healing_success,
    failure: cfg.notify_on_healing_failure
  };
  const timeoutMs = Math.max(100, Math.round(cfg.timeout_seconds * 1e3));
  const gh = readGitHubContext(env);
  const run2 = { repository: gh.repository, sha: gh.sha, runUrl: gh.runUrl };
  async function send(channel, e) {
    const url = urls[channel];
    if (!url) return;
    const payload = channel === "slack" ? slackPayload(e, run2) : webhookPayload(e, run2);
    const body = JSON.stringify(redactor.redactValue(payload));
    let attempts = 1;
    let result = await postOnce(url, body, timeoutMs);
    if (result.error && result.retry) {
      attempts = 2;
      result = await postOnce(url, body, timeoutMs);
    }
    if (result.error) {
      warn(
        `${channel} notification (${EVENT_NAME[e.kind]}) not delivered after ${attempts} attempt${attempts > 1 ? "s" : ""}: ${result.error}`
      );
    } else {
      log.debug(`${channel} notification sent: ${EVENT_NAME[e.kind]} for ${e.finding.checkId}`);
    }
  }
  return async (e) => {
    if (!channels.length || !enabled[e.kind]) return;
    try {
      await Promise.all(channels.map((c) => send(c, e)));
    } catch (err) {
      warn(`Notification failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
}

// src/main.ts
async function run(env = process.env, guard) {
  const startedAt = /* @__PURE__ */ new Date();
  let settings;
  try {
    settings = getInputs();
  } catch (e) {
    setOutput("status", "blocked");
    setFailed(`${e.message}. Deployment: BLOCKED (fix the step's \`with:\` inputs).`);
    guard?.written();
    return;
  }
  const clockStart = guard ? Math.round(performance.timeOrigin) : startedAt.getTime();
  const deadline = clockStart + settings.timeoutSeconds * 1e3;
  const redactor = new Redactor((s) => setSecret(s));
  for (const s of [settings.githubToken, settings.postgresUrl, settings.redisUrl]) redactor.add(s);
  const log = new Logger(redactor, { line: (t) => info(t), debug: (t) => debug(t) });
  const base = {
    autoHeal: settings.autoHeal,
    dryRun: settings.dryRun,
    configPath: settings.config,
    phases: settings.phases,
    failOn: settings.failOn
  };
  guard?.onSignal((sig) => saveState(STATE.cancelledBy, sig));
  guard?.arm(deadline + OVERRUN_GRACE_MS, {
    reportDir: reportDirOf({ reportDir: settings.reportDir }),
    report: blockedReport({
      startedAt,
      interrupted: { reason: "deadline", detail: deadlineMessage(settings.timeoutSeconds) },
      ...base
    }),
    githubOutput: env.GITHUB_OUTPUT,
    stepSummary: env.GITHUB_STEP_SUMMARY
  });
  const github = createGitHubIntegration(
    {
      token: settings.githubToken,
      comment: settings.comment,
      commentHeader: settings.commentHeader,
      checkRun: settings.checkRun,
      checkName: settings.checkName,
      approveInput: settings.approve,
      timeoutMs: githubCallTimeoutMs(settings.timeoutSeconds),
      onCheckRun: (id, status) => {
        saveState(STATE.checkRunId, String(id));
        saveState(STATE.checkRunStatus, status);
      }
    },
    { redactor, log, env }
  );
  const publish = await startWithinDeadline(github, {
    deadline,
    timeoutSeconds: settings.timeoutSeconds,
    log,
    signal: guard?.signal
  });
  let loaded = null;
  const opts = {
    approve: settings.approve,
    autoHeal: settings.autoHeal,
    dryRun: settings.dryRun,
    phases: settings.phases,
    timeoutSeconds: settings.timeoutSeconds,
    deadline,
    signal: guard?.signal,
    processes: guard?.processes,
    failOn: settings.failOn,
    configPath: settings.config,
    docker: settings.dockerHost ? { host: settings.dockerHost } : void 0,
    postgresUrl: settings.postgresUrl,
    redisUrl: settings.redisUrl,
    reportDir: settings.reportDir,
    redactor,
    state: { path: settings.statePath },
    env,
    // Each phase is a foldable group of the log.
    sinks: {
      line: (t) => info(t),
      debug: (t) => debug(t),
      group: (t) => startGroup(t),
      endGroup: () => endGroup()
    },
    sha: github.context.sha,
    run: {
      repository: github.context.repository,
      sha: github.context.sha,
      pr: github.context.pr,
      url: github.context.runUrl,
      workflow: github.context.workflow
    },
    approvalLookup: github.approvalLookup,
    // The PR comment and check run are published before the summary is written, so the summary can
    // say why a comment was skipped (fork PR, read-only token).
    summaryNotes: (r) => publish(r)
  };
  let result;
  try {
    try {
      loaded = loadSessionConfig({
        configPath: settings.config,
        configIsDefault: settings.configIsDefault,
        env
      });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      await reportConfigProblems(e.problems, publish, redactor, github);
      guard?.written();
      return;
    }
    const cfg = loaded;
    const dirProblem = reportDirProblem(reportDirOf(opts));
    if (dirProblem) {
      const detail = `${dirProblem}: fix the report-dir input; nothing was checked or changed`;
      log.say(`\u274C ${detail}`);
      result = await failedSession(opts, cfg, { reason: "error", detail }, startedAt);
    } else {
      result = await runSession(
        { ...opts, onHealingEvent: createNotifier(cfg.config.notifications, { redactor, log, env }) },
        cfg
      );
    }
  } catch (e) {
    if (e instanceof ConfigError) {
      await reportConfigProblems(e.problems, publish, redactor, github);
      guard?.written();
      return;
    }
    const interrupted = { reason: "error", detail: `unexpected error: ${errorMessage(e)}` };
    log.say(`\u{1F4A5} ${interrupted.detail}`);
    if (e instanceof Error && e.stack) debug(e.stack);
    result = await failedSession(opts, loaded, interrupted, startedAt);
  }
  await publishStep(
    {
      report: result.report,
      reportPath: result.written.reportPath,
      summaryPath: result.written.summaryPath,
      summary: result.summary
    },
    github.links(),
    settings.failOn,
    redactor
  );
  guard?.written();
}
async function reportConfigProblems(problems, publish, redactor, github) {
  annotateConfigProblems(problems, redactor);
  const notes = await publish(null, problems);
  await publishConfigProblems(problems, notes, github.links(), redactor);
}
export {
  InputError,
  run
};
