// Every config example a user may copy — the ```yaml / ```json blocks of README.md and the files in
// examples/ — loads through the real loader. The environment holds only the variables the README's
// workflows set (as dummy values): an example that needs more would exit 2 for the user who copies it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { loadPatterns } from '../../src/checks/logs.js';
import { loadConfigFile, parseConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';

const ROOT = path.resolve(__dirname, '../..');
const CONFIG_KEYS = new Set(Object.keys(configSchema.shape).filter((k) => k !== '$schema'));
const WORKFLOW_KEYS = new Set(['jobs', 'on', 'runs-on', 'steps']);

interface Block {
  line: number;
  lang: string;
  text: string;
}

/** Fenced ```yaml / ```yml / ```json blocks, dedented by their fence's indentation. */
function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(yaml|yml|json)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    blocks.push({ line: i + 2, lang: open[2]!, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

type Kind = 'config' | 'workflow' | 'patterns' | 'other';

function kindOf(data: unknown): Kind {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return 'other';
  const keys = Object.keys(data);
  if (keys.some((k) => CONFIG_KEYS.has(k))) return 'config';
  if (keys.some((k) => WORKFLOW_KEYS.has(k))) return 'workflow';
  if (keys.includes('patterns')) return 'patterns';
  return 'other';
}

/** The variables the README's workflows put in a step's `env:`, with a dummy value of the right kind. */
function workflowEnv(blocks: Block[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const b of blocks) {
    const data = parse(b.text) as { jobs?: Record<string, { steps?: Array<{ env?: object }> }> };
    if (kindOf(data) !== 'workflow') continue;
    for (const job of Object.values(data.jobs ?? {}))
      for (const step of job.steps ?? [])
        for (const name of Object.keys(step.env ?? {}))
          env[name] = /REDIS/.test(name)
            ? 'redis://:dummy@127.0.0.1:6379/0'
            : /DATABASE|POSTGRES/.test(name)
              ? 'postgres://dummy:dummy@127.0.0.1:5432/app'
              : /WEBHOOK/.test(name)
                ? 'https://hooks.example.invalid/dummy'
                : 'dummy';
  }
  return env;
}

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const blocks = codeBlocks(readme);
const env = workflowEnv(blocks);

describe('documented config examples load', () => {
  test('the README tells users to set DATABASE_URL and REDIS_URL, and nothing else a config needs', () => {
    expect(env).toMatchObject({ DATABASE_URL: expect.any(String), REDIS_URL: expect.any(String) });
    expect(env).not.toHaveProperty('SLACK_WEBHOOK_URL');
  });

  test('every config block in README.md loads with only the workflow variables set', () => {
    const configs = blocks.filter((b) => kindOf(parse(b.text)) === 'config');
    // The main example and the notifications block at least: the extraction must not come up empty.
    expect(configs.length).toBeGreaterThanOrEqual(2);
    for (const b of configs) {
      const file = `README.md:${b.line}.${b.lang === 'json' ? 'json' : 'yml'}`;
      expect(() => parseConfig(b.text, file, env), file).not.toThrow();
    }
    const main = configs.find((b) => /phases:/.test(b.text))!;
    const loaded = parseConfig(main.text, 'README.md', env);
    expect(loaded.config.phases.length).toBeGreaterThan(3);
    // With SLACK_WEBHOOK_URL unset, `${SLACK_WEBHOOK_URL:-}` is no URL (the notifier then uses its env fallback).
    expect(loaded.config.notifications.slack_webhook_url).toBe('');
  });

  test('every block in README.md is a config, a workflow or a documented payload, and parses', () => {
    const kinds = blocks.map((b) => kindOf(parse(b.text)));
    expect(kinds).toContain('workflow');
    expect(kinds.filter((k) => k === 'other').length).toBeLessThanOrEqual(1); // the webhook payload
  });

  test('every file in examples/ loads: configs through the loader, pattern files through theirs', async () => {
    const dir = path.join(ROOT, 'examples');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) =>
      /\.(ya?ml|json)$/.test(f),
    );
    const seen: Record<Kind, number> = { config: 0, workflow: 0, patterns: 0, other: 0 };
    for (const f of files) {
      const full = path.join(dir, f);
      const kind = kindOf(parse(readFileSync(full, 'utf8')));
      seen[kind]++;
      if (kind === 'config') expect(() => loadConfigFile(full, env), f).not.toThrow();
      else if (kind === 'patterns') expect((await loadPatterns(full)).length, f).toBeGreaterThan(0);
      else expect(kind, `${f} is neither a config, a workflow nor a pattern file`).toBe('workflow');
    }
    expect(seen.config).toBeGreaterThanOrEqual(1);
    expect(seen.patterns).toBeGreaterThanOrEqual(1);
  });
});
