// The action's workflow log and outputs, run as the runner runs dist/index.js (INPUT_* variables,
// GITHUB_OUTPUT, the local fake GitHub API, real `command` checks): a foldable group per phase, an
// annotation per blocked finding, the comment/check-run/summary outputs, and several jobs on one PR
// keeping one sticky comment and one check run each (comment-header, check-name).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { ACTIONS_BOT, ACTIONS_TOKEN, prEnv, useFakeGitHub } from '../helpers/github-server.js';
import { tempDir } from '../helpers/engine.js';
import { actionEnv, NodeProcess, readCommandFile, requireDist } from './process-support.js';

const gh = useFakeGitHub();
const started: NodeProcess[] = [];
beforeAll(() => requireDist());
afterEach(() => {
  for (const p of started.splice(0)) p.stop();
});

interface ActionRun {
  code: number | null;
  lines: string[];
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Each PR its own head commit, so check runs of one test never mix with another's. */
const headOf = (pr: number): string => `${'c0ffee'.repeat(6)}${String(pr).padStart(4, '0')}`;

async function runAction(dir: string, inputs: Record<string, string>, pr: number): Promise<ActionRun> {
  const { env, files } = actionEnv(
    dir,
    { config: 'orixoon.yml', 'report-dir': 'reports', 'github-token': ACTIONS_TOKEN, ...inputs },
    prEnv(gh, { pr, headSha: headOf(pr) }),
  );
  const p = new NodeProcess('index.js', [], { cwd: dir, env });
  started.push(p);
  const exit = await p.exited;
  return {
    code: exit.code,
    lines: p.stdout.split('\n'),
    stdout: p.stdout,
    outputs: readCommandFile(files.output),
    summary: readFileSync(files.summary, 'utf8'),
  };
}

/** Two phases: the first heals one check and cannot heal another; the second passes. */
function twoPhases(dir: string): void {
  writeFileSync(
    join(dir, 'orixoon.yml'),
    [
      'auto_healing: { retry_delay_seconds: 0.1, stabilization_timeout_seconds: 1 }',
      'phases:',
      '  - name: infrastructure',
      '    checks:',
      `      - { id: flag, type: command, run: "test -f ${dir}/flag.ok", heal: "touch ${dir}/flag.ok" }`,
      '      - { id: broken, type: command, run: "false" }',
      '  - name: smoke',
      '    checks:',
      '      - { id: fine, type: command, run: "true" }',
      '',
    ].join('\n'),
  );
}

/** The lines between `::group::TITLE` and the next `::endgroup::`. */
function group(lines: string[], title: string): string[] {
  const start = lines.indexOf(`::group::${title}`);
  expect(start, `no group "${title}" in:\n${lines.join('\n')}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf('::endgroup::', start);
  expect(end).toBeGreaterThan(start);
  return lines.slice(start + 1, end);
}

describe('the workflow log', () => {
  test('a group per phase with its lines inside, an ::error annotation per blocked finding, and the URL and summary outputs', async () => {
    const dir = tempDir();
    twoPhases(dir);
    const r = await runAction(
      dir,
      {
        'check-run': 'true',
        comment: 'always',
        'comment-header': 'staging',
        'check-name': 'Orixoon staging',
      },
      31,
    );
    expect(r.code, r.stdout).toBe(1);
    expect(existsSync(join(dir, 'flag.ok'))).toBe(true);

    // Groups: one per phase, never nested, each holding its phase's lines (healing included).
    expect(r.lines.filter((l) => l.startsWith('::group::'))).toEqual([
      '::group::Phase 1/2: infrastructure',
      '::group::Phase 2/2: smoke',
    ]);
    expect(r.lines.filter((l) => l === '::endgroup::')).toHaveLength(2);
    const infra = group(r.lines, 'Phase 1/2: infrastructure');
    expect(infra).toContain("❌ Command check 'broken' failed (exit 1)");
    expect(infra.some((l) => l.startsWith('🔧 Action done ('))).toBe(true);
    expect(infra.some((l) => l.startsWith('✅ HEALED: Heal command completed'))).toBe(true);
    expect(group(r.lines, 'Phase 2/2: smoke').some((l) => l.startsWith('✓ fine: '))).toBe(true);
    const verdict = r.lines.indexOf('🚫 Deployment: BLOCKED (1 finding not healed)');
    expect(verdict).toBeGreaterThan(r.lines.lastIndexOf('::endgroup::'));

    // One annotation per blocked finding, titled by check and issue code; none for the healed one.
    const annotations = r.lines.filter((l) => /^::(error|warning) title=/.test(l));
    expect(annotations).toEqual([
      expect.stringMatching(
        /^::error title=broken%3A command_failed::Command check 'broken' failed \(exit 1\)%0Anot healable: /,
      ),
    ]);
    for (const l of r.lines.filter((x) => x.startsWith('::error') || x.startsWith('::warning')))
      expect(l).not.toContain(ACTIONS_TOKEN);

    // Outputs: the comment, the check run and the summary.md of this run.
    const comments = gh.prCommentList(31);
    expect(comments).toHaveLength(1);
    expect(r.outputs['comment-url']).toBe(comments[0]!.html_url);
    const runs = [...gh.checkRuns.values()].filter((c) => c.head_sha === headOf(31));
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ head_sha: headOf(31), status: 'completed', conclusion: 'failure' });
    expect(r.outputs['check-run-url']).toBe(
      `https://github.example/${gh.owner}/${gh.repo}/runs/${runs[0]!.id}`,
    );
    const summaryPath = r.outputs['summary-path']!;
    expect(summaryPath).toBe(join(dirname(r.outputs.report!), 'summary.md'));
    expect(readFileSync(summaryPath, 'utf8').trim()).toBe(r.summary.trim());
  });

  test('without a PR comment or a check run, the URL outputs are empty and summary-path is still set', async () => {
    const dir = tempDir();
    twoPhases(dir);
    const r = await runAction(dir, { comment: 'never', 'check-run': 'false' }, 32);
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ 'comment-url': '', 'check-run-url': '', status: 'blocked' });
    expect(existsSync(r.outputs['summary-path']!)).toBe(true);
    expect(gh.prCommentList(32)).toEqual([]);
  });
});

describe('several jobs on one PR', () => {
  test('different comment-header values keep separate sticky comments, each updated in place; check-name names each check run', async () => {
    const pr = 33;
    const dir = tempDir();
    twoPhases(dir);
    const job = (header: string, env: string) =>
      runAction(
        dir,
        { 'check-run': 'true', comment: 'always', 'comment-header': header, 'check-name': `Orixoon ${env}` },
        pr,
      );
    const staging = await job('staging', 'staging');
    const production = await job('production', 'production');
    expect(staging.outputs['comment-url']).not.toBe(production.outputs['comment-url']);
    const ours = () => gh.prCommentList(pr).filter((c) => c.user.login === ACTIONS_BOT.login);
    expect(ours()).toHaveLength(2);
    const [first, second] = ours();
    expect(first!.body.startsWith('<!-- orixoon:sticky:staging -->\n')).toBe(true);
    expect(first!.body).toContain('<sub>Orixoon · staging</sub>');
    expect(second!.body.startsWith('<!-- orixoon:sticky:production -->\n')).toBe(true);
    const productionBody = second!.body;

    // The staging job again (flag healed the first time, so the report differs): its own comment is
    // updated in place, the production one is left alone.
    const again = await job('staging', 'staging');
    expect(again.outputs['comment-url']).toBe(staging.outputs['comment-url']);
    expect(ours()).toHaveLength(2);
    expect(gh.find('POST', new RegExp(`/issues/${pr}/comments$`))).toHaveLength(2);
    expect(gh.find('PATCH', new RegExp(`/issues/comments/${first!.id}$`))).toHaveLength(1);
    expect(gh.find('PATCH', new RegExp(`/issues/comments/${second!.id}$`))).toHaveLength(0);
    expect(ours()[1]!.body).toBe(productionBody);
    expect(ours()[0]!.body.startsWith('<!-- orixoon:sticky:staging -->\n')).toBe(true);

    // A job without a header keeps the one unkeyed comment of earlier versions: a third comment.
    const plain = await runAction(dir, { comment: 'always' }, pr);
    expect(ours()).toHaveLength(3);
    expect(ours()[2]!.body.startsWith('<!-- orixoon:sticky -->\n')).toBe(true);
    expect(plain.outputs['comment-url']).toBe(ours()[2]!.html_url);

    const names = [...gh.checkRuns.values()].filter((c) => c.head_sha === headOf(pr)).map((c) => c.name);
    expect(names.filter((n) => n === 'Orixoon staging')).toHaveLength(2);
    expect(names.filter((n) => n === 'Orixoon production')).toHaveLength(1);
    expect(again.outputs['check-run-url']).toMatch(/\/runs\/\d+$/);
  });

  test('a comment-header that could break the marker, or a check-name on two lines, is bad input: nothing is checked', async () => {
    const dir = tempDir();
    twoPhases(dir);
    const bad = await runAction(dir, { 'comment-header': 'x --> <b>' }, 34);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/::error::Input comment-header must be 1-64 letters, digits/);
    expect(bad.outputs.status).toBe('blocked');
    expect(existsSync(join(dir, 'flag.ok'))).toBe(false);
    const twoLines = await runAction(dir, { 'check-name': 'a\nb' }, 34);
    expect(twoLines.stdout).toMatch(/::error::Input check-name must be one line/);
    expect(existsSync(join(dir, 'flag.ok'))).toBe(false);
    expect(gh.prCommentList(34)).toEqual([]);
  });
});
