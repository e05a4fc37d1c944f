// Secrets in every channel, the way the runner runs the action (`node index.js` of a fresh bundle,
// INPUT_* and GITHUB_* variables, a local fake GitHub API and webhook receiver). A command check and
// its heal command print a short password from the environment (7 characters), a short value the
// config expands (6 characters), a curl-style `Authorization: Basic base64(user:password)` header, the
// value's own base64, a URL-encoded expanded value and an unregistered bearer token. None of them
// reaches the console, report.json, the healing log, the job summary, the PR comment or the webhook;
// a 2-character value named like a secret is refused with a warning instead of masking every letter.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS_TOKEN, FakeGitHub, prEnv } from '../helpers/github-server.js';
import { WebhookServer } from '../helpers/webhook-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bundleDir = mkdtempSync(join(tmpdir(), 'oxs-bundle-'));
const PASSWORD = 'hunter2';
const PIN = 'x7Q2kp';
const WORD = 'p@ss w/rd';
const TINY = '7x';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

let gh: FakeGitHub;
let hooks: WebhookServer;

beforeAll(async () => {
  const built = spawnSync(
    process.execPath,
    ['scripts/build.mjs', '--outdir', bundleDir, '--schema-out', join(bundleDir, 'schema.json')],
    { cwd: root, encoding: 'utf8', timeout: 120_000 },
  );
  if (built.status !== 0) throw new Error(`build failed: ${built.stderr}`);
  gh = await new FakeGitHub().start();
  hooks = await new WebhookServer().start();
}, 150_000);
afterAll(async () => {
  await gh?.stop();
  await hooks?.stop();
});

// `$DEPLOY_PASSWORD` is the shell's (from the environment); `${OXS_…}` are the config's expansions.
const SCRIPT = [
  'echo "login with $DEPLOY_PASSWORD and pin ${OXS_PIN} and tiny ${OXS_TINY_TOKEN} ok"',
  `echo "> Authorization: Basic $(printf 'deploy:%s' "$DEPLOY_PASSWORD" | base64)"`,
  `echo "pin64=$(printf '%s' '\${OXS_PIN}' | base64) pw64=$(printf '%s' "$DEPLOY_PASSWORD" | base64)"`,
  `echo "word=$(node -e 'process.stdout.write(encodeURIComponent(process.argv[1]))' '\${OXS_WORD}')"`,
  'echo "> Authorization: Bearer opaque-unregistered-bearer-token"',
  'exit 1',
].join('\n');

const CONFIG = `version: 2
auto_healing: { max_healing_attempts: 1, retry_delay_seconds: 0, stabilization_timeout_seconds: 0.2 }
safety_limits: { cooldown_seconds: 0 }
notifications:
  notify_on_healing_attempt: true
  notify_on_healing_failure: true
  notification_channels: [webhook]
  webhook_url: "\${OXS_HOOK}"
  timeout_seconds: 3
phases:
  - name: smoke
    checks:
      - id: api
        type: command
        run: ${JSON.stringify(SCRIPT)}
        heal: ${JSON.stringify(SCRIPT)}
`;

describe('secrets never leave the run', () => {
  it('short, base64, URL-encoded and header forms are masked in every channel; a 2-character value is refused with a warning', async () => {
    const pr = 801;
    const dir = mkdtempSync(join(tmpdir(), 'oxs-'));
    mkdirSync(join(dir, '.github'));
    writeFileSync(join(dir, '.github', 'orixoon.yml'), CONFIG);
    const outputFile = join(dir, 'output.txt');
    const summaryFile = join(dir, 'summary.md');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...prEnv(gh, { pr }),
      GITHUB_WORKSPACE: dir,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: dir,
      DEPLOY_PASSWORD: PASSWORD,
      OXS_PIN: PIN,
      OXS_WORD: WORD,
      OXS_TINY_TOKEN: TINY,
      OXS_HOOK: `${hooks.url}/hooks/oxs`,
      'INPUT_GITHUB-TOKEN': ACTIONS_TOKEN,
      INPUT_CONFIG: '.github/orixoon.yml',
      'INPUT_REPORT-DIR': 'reports',
      'INPUT_TIMEOUT-SECONDS': '60',
    };
    // Asynchronously: the fake GitHub API and the webhook receiver answer from this process.
    const r = await new Promise<{ status: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(bundleDir, 'index.js')],
        { cwd: dir, env, timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
          resolve({ status: code, stdout, stderr });
        },
      );
    });
    expect(r.status, r.stdout + r.stderr).toBe(1);
    const reportsRoot = join(dir, 'reports');
    const [stamp] = readdirSync(reportsRoot);
    const files = {
      console: `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      reportJson: readFileSync(join(reportsRoot, stamp!, 'report.json'), 'utf8'),
      log: readFileSync(join(reportsRoot, stamp!, 'healing_actions.log'), 'utf8'),
      summary: readFileSync(summaryFile, 'utf8'),
      prComment: gh
        .prCommentList(pr)
        .map((c) => c.body)
        .join('\n'),
      webhook: hooks.received.map((h) => h.rawBody).join('\n'),
    };
    // The output did reach every channel (masked): otherwise this test would prove nothing.
    expect(files.prComment).toContain('failed');
    expect(hooks.received.length).toBeGreaterThanOrEqual(2);
    for (const text of [files.reportJson, files.webhook, files.log]) expect(text).toContain('login with ***');
    const report = JSON.parse(files.reportJson) as { findings: Array<{ evidence: { output: string } }> };
    const output = report.findings[0]!.evidence.output;
    expect(output).toContain('and pin *** and tiny 7x ok');
    expect(output).toContain('Authorization: Basic ***');
    expect(output).toContain('Authorization: Bearer ***');
    expect(output).toMatch(/pin64=\*\*\* pw64=\*\*\*/);
    expect(output).toContain('word=***');

    const forbidden = [
      PASSWORD,
      PIN,
      WORD,
      encodeURIComponent(WORD),
      b64(`deploy:${PASSWORD}`),
      b64(PASSWORD),
      b64(PIN),
      'opaque-unregistered-bearer-token',
    ];
    for (const [channel, text] of Object.entries(files)) {
      for (const secret of forbidden) expect(text.includes(secret), `${secret} in ${channel}`).toBe(false);
    }
    // The 2-character value stays as it is (masking it would blank every "7x"), and the run says so.
    expect(files.console).toMatch(/OXS_TINY_TOKEN.*too short to mask/);
    expect(files.log).toMatch(/OXS_TINY_TOKEN.*too short to mask/);
    const warning = files.console.split('\n').find((l) => l.includes('too short to mask'))!;
    expect(warning).not.toContain(TINY);
    // Ordinary words were not masked along the way.
    expect(files.prComment).toContain("Command check 'api' failed");
  }, 120_000);
});
