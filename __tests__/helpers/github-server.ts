// A local stand-in for the GitHub REST API on 127.0.0.1 (there is no GitHub here). It answers the
// endpoints Orixoon uses the way GitHub does (status codes, shapes, limits), records every request,
// and can refuse (403) or never answer a group of endpoints, to play fork PRs and read-only tokens.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildVerdict, type FailOn } from '../../src/report/build.js';
import type { FindingReport, RunReport } from '../../src/report/model.js';
import type { Redactor } from '../../src/support/redact.js';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { capturingLogger } from './context.js';
import { LocalServer } from './local-server.js';
import {
  createGitHubIntegration,
  type GitHubIntegration,
  type GitHubSettings,
} from '../../src/github/index.js';

export interface FakeUser {
  login: string;
  type: 'User' | 'Bot';
}

/**
 * What a token is: whose identity, whether it is an installation token (GET /user → 403, GraphQL
 * `viewer` answers), and the app its comments are made through (`performed_via_github_app`).
 */
export interface FakeToken {
  user: FakeUser;
  installation: boolean;
  app?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  token?: string;
  rawBody: string;
  body: unknown;
  at: number;
}

export interface StoredComment {
  id: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  html_url: string;
  performed_via_github_app: { slug: string } | null;
}

export interface StoredCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  output?: { title?: string; summary?: string; text?: string };
  annotations: Array<Record<string, unknown>>;
  details_url?: string;
  updates: number;
}

export interface StoredStatus {
  sha: string;
  state: string;
  context: string;
  description?: string;
  target_url?: string;
}

/** Endpoint groups that can be refused or made to hang. */
export type EndpointGroup =
  'user' | 'graphql' | 'comments:read' | 'comments:write' | 'permission' | 'checks' | 'statuses' | 'pulls';

export const ACTIONS_TOKEN = 'ghs_fakeActionsToken0123456789';
export const PAT_TOKEN = 'ghp_fakePersonalToken0123456789';
export const ACTIONS_BOT: FakeUser = { login: 'github-actions[bot]', type: 'Bot' };
export const PAT_USER: FakeUser = { login: 'deploy-bot-user', type: 'User' };
/** A GitHub App's installation token: its comments are by `<slug>[bot]`, made through the app. */
export const APP_TOKEN = 'ghs_fakeAppInstallationToken0123';
export const APP_BOT: FakeUser = { login: 'orixoon-deployer[bot]', type: 'Bot' };

const SERVER_PORTS = { first: 59000, last: 59049 };

/** What an endpoint's handler gets: the response to write, and the request as parsed. */
interface RouteCall {
  res: ServerResponse;
  url: URL;
  body: Record<string, unknown>;
  identity: FakeToken;
  params: string[];
}
type RouteHandler = (call: RouteCall) => void;

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  readonly requests: RecordedRequest[] = [];
  readonly tokens = new Map<string, FakeToken>([
    [ACTIONS_TOKEN, { user: ACTIONS_BOT, installation: true, app: 'github-actions' }],
    [PAT_TOKEN, { user: PAT_USER, installation: false }],
    [APP_TOKEN, { user: APP_BOT, installation: true, app: 'orixoon-deployer' }],
  ]);
  /** login → permission answer. Unknown logins read as `read`. */
  readonly permissions = new Map<string, { permission: string; role_name: string }>();
  readonly comments: StoredComment[] = [];
  readonly checkRuns = new Map<number, StoredCheckRun>();
  readonly statuses: StoredStatus[] = [];
  /** PR number → head sha (GET /pulls/:n). */
  readonly pulls = new Map<number, string>();
  readonly forbidden = new Set<EndpointGroup>();
  readonly hanging = new Set<EndpointGroup>();
  private readonly http = new LocalServer();
  private nextId = 1000;
  port = 0;

  constructor(opts: { owner?: string; repo?: string } = {}) {
    this.owner = opts.owner ?? 'acme';
    this.repo = opts.repo ?? 'shop';
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.port = await this.http.listen((req, res) => void this.handle(req, res), SERVER_PORTS);
    return this;
  }

  async stop(): Promise<void> {
    await this.http.close();
  }

  setPermission(login: string, permission: 'admin' | 'write' | 'read' | 'none', role?: string): void {
    this.permissions.set(login, { permission, role_name: role ?? permission });
  }

  /**
   * A comment by a person or bot, as if made on github.com (created now, or at `createdAt`); `app`
   * is the GitHub App a bot's comment was made through.
   */
  addComment(pr: number, user: FakeUser, body: string, createdAt?: Date, app?: string): StoredComment {
    const at = (createdAt ?? new Date()).toISOString();
    const id = this.nextId++;
    const comment: StoredComment = {
      id,
      body,
      user,
      created_at: at,
      updated_at: at,
      html_url: `https://github.example/${this.owner}/${this.repo}/pull/${pr}#issuecomment-${id}`,
      performed_via_github_app: app ? { slug: app } : null,
    };
    this.commentsByPr(pr).push(comment);
    this.comments.push(comment);
    return comment;
  }

  private readonly prComments = new Map<number, StoredComment[]>();
  private commentsByPr(pr: number): StoredComment[] {
    let list = this.prComments.get(pr);
    if (!list) {
      list = [];
      this.prComments.set(pr, list);
    }
    return list;
  }

  /** Comments on a PR, oldest first. */
  prCommentList(pr: number): StoredComment[] {
    return [...this.commentsByPr(pr)];
  }

  /** Requests matching method and a path regex. */
  find(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** Every request body sent, as text (for "no secret in any body" assertions). */
  allBodies(): string {
    return this.requests.map((r) => r.rawBody).join('\n');
  }

  private send(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization ?? '';
    const token = auth.replace(/^(token|bearer)\s+/i, '') || undefined;
    let body: unknown;
    try {
      body = rawBody ? JSON.parse(rawBody) : undefined;
    } catch {
      body = rawBody;
    }
    const method = req.method ?? 'GET';
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      token,
      rawBody,
      body,
      at: Date.now(),
    });

    const identity = token ? this.tokens.get(token) : undefined;
    if (!identity) return this.send(res, 401, { message: 'Bad credentials' });

    const route = this.route(method, url.pathname);
    if (!route) return this.send(res, 404, { message: 'Not Found' });
    if (this.hanging.has(route.group)) return; // never answers; destroyed on stop()
    if (this.forbidden.has(route.group)) {
      return this.send(res, 403, { message: 'Resource not accessible by integration' });
    }
    if (route.group === 'user' && identity.installation) {
      return this.send(res, 403, { message: 'Resource not accessible by integration' });
    }
    route.handler({
      res,
      url,
      body: (body ?? {}) as Record<string, unknown>,
      identity,
      params: route.params,
    });
  }

  private route(
    method: string,
    path: string,
  ):
    | {
        group: EndpointGroup;
        params: string[];
        handler: RouteHandler;
      }
    | undefined {
    const repoBase = `/repos/${this.owner}/${this.repo}`;
    const table: Array<[string, RegExp, EndpointGroup, RouteHandler]> = [
      [
        'GET',
        /^\/user$/,
        'user',
        ({ res, identity }) =>
          this.send(res, 200, { login: identity.user.login, type: identity.user.type, id: 1 }),
      ],
      [
        'POST',
        /^\/graphql$/,
        'graphql',
        ({ res, body, identity }) => {
          // Only the `viewer { login }` query is modelled; it answers for user and installation tokens.
          if (!/\bviewer\s*\{\s*login\s*\}/.test(String(body.query ?? ''))) {
            return this.send(res, 200, { errors: [{ message: 'query not modelled by the fake API' }] });
          }
          this.send(res, 200, { data: { viewer: { login: identity.user.login } } });
        },
      ],
      [
        'GET',
        new RegExp(`^${repoBase}/issues/(\\d+)/comments$`),
        'comments:read',
        (c) => this.listComments(c),
      ],
      [
        'POST',
        new RegExp(`^${repoBase}/issues/(\\d+)/comments$`),
        'comments:write',
        (c) => this.createComment(c),
      ],
      [
        'PATCH',
        new RegExp(`^${repoBase}/issues/comments/(\\d+)$`),
        'comments:write',
        (c) => this.updateComment(c),
      ],
      [
        'GET',
        new RegExp(`^${repoBase}/collaborators/([^/]+)/permission$`),
        'permission',
        ({ res, params }) => {
          const login = decodeURIComponent(params[0]!);
          const p = this.permissions.get(login) ?? { permission: 'read', role_name: 'read' };
          this.send(res, 200, { permission: p.permission, role_name: p.role_name, user: { login } });
        },
      ],
      [
        'GET',
        new RegExp(`^${repoBase}/pulls/(\\d+)$`),
        'pulls',
        ({ res, params }) => {
          const sha = this.pulls.get(Number(params[0]));
          if (!sha) return this.send(res, 404, { message: 'Not Found' });
          this.send(res, 200, { number: Number(params[0]), head: { sha } });
        },
      ],
      ['POST', new RegExp(`^${repoBase}/check-runs$`), 'checks', (c) => this.createCheckRun(c)],
      ['PATCH', new RegExp(`^${repoBase}/check-runs/(\\d+)$`), 'checks', (c) => this.updateCheckRun(c)],
      [
        'POST',
        new RegExp(`^${repoBase}/statuses/([0-9a-f]+)$`),
        'statuses',
        ({ res, body, params }) => {
          const status: StoredStatus = {
            sha: params[0]!,
            state: String(body.state),
            context: String(body.context ?? 'default'),
            description: body.description as string | undefined,
            target_url: body.target_url as string | undefined,
          };
          if (status.description && status.description.length > 140) {
            return this.send(res, 422, {
              message: 'Validation Failed: description is too long (maximum is 140 characters)',
            });
          }
          this.statuses.push(status);
          this.send(res, 201, { id: this.nextId++, ...status });
        },
      ],
    ];
    for (const [m, re, group, handler] of table) {
      const match = m === method ? re.exec(path) : null;
      if (match) return { group, params: match.slice(1), handler };
    }
    return undefined;
  }

  private listComments({ res, url, params }: RouteCall): void {
    const pr = Number(params[0]);
    const perPage = Math.min(100, Number(url.searchParams.get('per_page') ?? 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1));
    const list = this.commentsByPr(pr);
    const slice = list.slice((page - 1) * perPage, page * perPage);
    const headers: Record<string, string> = {};
    if (page * perPage < list.length) {
      headers.link = `<${this.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
    }
    this.send(res, 200, slice, headers);
  }

  private createComment({ res, body, identity, params }: RouteCall): void {
    const text = String(body.body ?? '');
    if (!text) return this.send(res, 422, { message: 'Validation Failed: body is missing' });
    if (text.length >= 65_536) {
      return this.send(res, 422, {
        message: 'Validation Failed: body is too long (maximum is 65536 characters)',
      });
    }
    const pr = Number(params[0]);
    const c = this.addComment(pr, identity.user, text, undefined, identity.app);
    this.send(res, 201, c);
  }

  private updateComment({ res, body, identity, params }: RouteCall): void {
    const c = this.comments.find((x) => x.id === Number(params[0]));
    if (!c) return this.send(res, 404, { message: 'Not Found' });
    if (c.user.login !== identity.user.login) {
      return this.send(res, 403, { message: 'Resource not accessible by integration' });
    }
    const text = String(body.body ?? '');
    if (text.length >= 65_536) {
      return this.send(res, 422, {
        message: 'Validation Failed: body is too long (maximum is 65536 characters)',
      });
    }
    c.body = text;
    c.updated_at = new Date().toISOString();
    this.send(res, 200, c);
  }

  private createCheckRun({ res, body }: RouteCall): void {
    const error = this.validateOutput(body);
    if (error) return this.send(res, 422, { message: error });
    const id = this.nextId++;
    const output = body.output as StoredCheckRun['output'] & { annotations?: Array<Record<string, unknown>> };
    const run: StoredCheckRun = {
      id,
      name: String(body.name),
      head_sha: String(body.head_sha),
      status: String(body.status ?? 'queued'),
      conclusion: (body.conclusion as string | undefined) ?? null,
      output: output ? { title: output.title, summary: output.summary, text: output.text } : undefined,
      annotations: [...(output?.annotations ?? [])],
      details_url: body.details_url as string | undefined,
      updates: 0,
    };
    if (body.conclusion) run.status = 'completed';
    this.checkRuns.set(id, run);
    this.send(res, 201, { ...run, html_url: `https://github.example/${this.owner}/${this.repo}/runs/${id}` });
  }

  private updateCheckRun({ res, body, params }: RouteCall): void {
    const run = this.checkRuns.get(Number(params[0]));
    if (!run) return this.send(res, 404, { message: 'Not Found' });
    const error = this.validateOutput(body);
    if (error) return this.send(res, 422, { message: error });
    const output = body.output as StoredCheckRun['output'] & { annotations?: Array<Record<string, unknown>> };
    if (body.status) run.status = String(body.status);
    if (body.conclusion) {
      run.conclusion = String(body.conclusion);
      run.status = 'completed';
    }
    if (output) {
      run.output = { title: output.title, summary: output.summary, text: output.text };
      run.annotations.push(...(output.annotations ?? []));
    }
    run.updates++;
    this.send(res, 200, {
      ...run,
      html_url: `https://github.example/${this.owner}/${this.repo}/runs/${run.id}`,
    });
  }

  /** GitHub's limits on check-run output. */
  private validateOutput(body: Record<string, unknown>): string | undefined {
    const output = body.output as
      { title?: string; summary?: string; text?: string; annotations?: unknown[] } | undefined;
    if (!output) return undefined;
    if (!output.title || !output.summary) return 'Validation Failed: output needs title and summary';
    if (output.summary.length > 65_535) return 'Validation Failed: summary is too long';
    if (output.text && output.text.length > 65_535) return 'Validation Failed: text is too long';
    if (output.annotations && output.annotations.length > 50) {
      return 'Validation Failed: only 50 annotations are allowed per request';
    }
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The runner's environment for a pull_request event, and hand-built RunReports.

export interface PrEventOptions {
  pr?: number;
  headSha?: string;
  mergeSha?: string;
  fork?: boolean;
  eventName?: string;
  runId?: string;
}

export const HEAD_SHA = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
export const MERGE_SHA = 'ffff0000eeee1111dddd2222cccc3333bbbb4444';

/** GITHUB_* variables as the runner sets them for a pull_request event, pointed at the fake API. */
export function prEnv(gh: FakeGitHub, opts: PrEventOptions = {}): NodeJS.ProcessEnv {
  const dir = mkdtempSync(join(tmpdir(), 'oxg-event-'));
  const eventPath = join(dir, 'event.json');
  const full = `${gh.owner}/${gh.repo}`;
  const pr = opts.pr ?? 7;
  const payload = {
    action: 'synchronize',
    number: pr,
    pull_request: {
      number: pr,
      head: {
        sha: opts.headSha ?? HEAD_SHA,
        ref: 'feature',
        repo: { full_name: opts.fork ? `outsider/${gh.repo}` : full },
      },
      base: { sha: '0'.repeat(40), ref: 'main', repo: { full_name: full } },
    },
    repository: { full_name: full, name: gh.repo, owner: { login: gh.owner } },
  };
  writeFileSync(eventPath, JSON.stringify(payload));
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.eventName ?? 'pull_request',
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_REPOSITORY: full,
    GITHUB_SHA: opts.mergeSha ?? MERGE_SHA,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: opts.runId ?? '4242',
    GITHUB_WORKFLOW: 'deploy',
  };
}

export function makeFinding(over: Partial<FindingReport> = {}): FindingReport {
  return {
    id: `redis-container_not_running-${HEAD_SHA.slice(0, 7)}`,
    code: 'container_not_running',
    checkId: 'redis',
    phase: 'infrastructure',
    target: 'redis',
    message: "Docker container 'redis' not running",
    severity: 'error',
    evidence: { state: 'exited' },
    outcome: 'healed',
    reason: 'started',
    action: 'start_container',
    risk: 'low',
    attempts: 1,
    durationMs: 1234,
    retest: 'Container running',
    ...over,
  };
}

/**
 * A RunReport whose verdict, deployment, counts and headline are the report builder's for its
 * findings (under `failOn`, default `blocked`), as the engine would fill them.
 */
export function makeReport(
  findings: FindingReport[],
  { failOn, ...over }: Partial<RunReport> & { failOn?: FailOn } = {},
): RunReport {
  return {
    tool: { name: 'orixoon', version: '2.0.0' },
    startedAt: '2025-01-10T14:30:00.000Z',
    finishedAt: '2025-01-10T14:30:15.000Z',
    durationMs: 15_000,
    ...buildVerdict({ findings, failOn }),
    mode: {
      autoHeal: true,
      dryRun: false,
      discovered: false,
      configPath: '.github/orixoon.yml',
      phases: null,
    },
    phases: [],
    findings,
    actions: [],
    auto_healing: {
      summary: { total_actions: 0, successful: 0, failed: 0, success_rate: '0%' },
      actions: [],
    },
    recommendations: [],
    errors: [],
    notes: [],
    approvals: [],
    ...over,
  };
}

/**
 * The test file's fake GitHub API: started before its tests, stopped after them, and the injected
 * faults (forbidden and hanging endpoint groups) cleared after each test.
 */
export function useFakeGitHub(): FakeGitHub {
  const gh = new FakeGitHub();
  beforeAll(async () => {
    await gh.start();
  });
  afterAll(async () => {
    await gh.stop();
  });
  afterEach(() => {
    gh.forbidden.clear();
    gh.hanging.clear();
  });
  return gh;
}

export interface Harness {
  integration: GitHubIntegration;
  redactor: Redactor;
  /** Console lines, healing-log events and debug lines, in order. */
  lines: string[];
}

/** One action run's GitHub integration, as main.ts creates it, logging into `lines`. */
export function githubHarness(env: NodeJS.ProcessEnv, settings: Partial<GitHubSettings> = {}): Harness {
  const { redactor, log, lines } = capturingLogger();
  const integration = createGitHubIntegration(
    {
      token: ACTIONS_TOKEN,
      comment: 'always',
      checkRun: false,
      approveInput: [],
      timeoutMs: 5_000,
      ...settings,
    },
    { redactor, log, env },
  );
  return { integration, redactor, lines };
}
