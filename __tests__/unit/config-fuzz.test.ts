// Seeded fuzzing of the config loader: hundreds of malformed configs, each built from a real example
// by one or more mutations (type flips, huge and negative numbers, NaN/Infinity, deep nesting, alias
// bombs, prototype keys, binary garbage, BOMs, truncation, tags, duplicate keys, bad ${VAR}s and Redis
// URLs). Each must load or be refused with a ConfigError whose every problem has file:line:column —
// never another exception, a stack trace or a long stall. ORIXOON_FUZZ_SEED=n replays one seed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { describe, expect, test } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/load.js';
import { MAX_CONFIG_BYTES, MAX_PROBLEMS } from '../../src/config/limits.js';

const ROOT = path.resolve(__dirname, '../..');
const ENV = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/app', REDIS_URL: 'redis://127.0.0.1:6379/0' };
const CASES = 400;

/** mulberry32: a tiny seeded PRNG, so every failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Tree = Map<string, Tree> | Tree[] | string | number | boolean | null;

const BASES = ['examples/orixoon.yml', '__tests__/fixtures/full-config.yml'].map(
  (f) => parse(readFileSync(path.join(ROOT, f), 'utf8'), { mapAsMap: true }) as Tree,
);

class Gen {
  readonly random: () => number;
  constructor(seed: number) {
    this.random = prng(seed);
  }
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.random() < p;
  }
}

const WEIRD_NUMBERS = [1e10, 1e12, -1, -0.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, 0, 1e-9, 86_401, 3_000_000];
const NON_FINITE = [Infinity, -Infinity, NaN];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const REDIS_URLS = [
  'redis://c:6379/x',
  'redis://c/-1',
  'redis://c/99999999999',
  'redis://c?db=zz',
  'rediss://[::1',
  'http://c:6379/0',
];

/** Every container node (map or list) of the tree with a way to replace one of its children. */
function containers(t: Tree, out: Array<Map<string, Tree> | Tree[]> = []): Array<Map<string, Tree> | Tree[]> {
  if (t instanceof Map) {
    out.push(t);
    for (const v of t.values()) containers(v, out);
  } else if (Array.isArray(t)) {
    out.push(t);
    for (const v of t) containers(v, out);
  }
  return out;
}

function setRandomChild(g: Gen, tree: Tree, make: (old: Tree) => Tree): void {
  const all = containers(tree);
  const c = g.pick(all);
  if (c instanceof Map) {
    const keys = [...c.keys()];
    if (keys.length === 0) return void c.set('k', make(null));
    const k = g.pick(keys);
    c.set(k, make(c.get(k)!));
  } else if (c.length) {
    const i = g.int(c.length);
    c[i] = make(c[i]!);
  } else c.push(make(null));
}

function deep(g: Gen, depth: number): Tree {
  let t: Tree = g.pick(['x', 1, null] as Tree[]);
  for (let i = 0; i < depth; i++) t = g.chance(0.5) ? [t] : new Map([['k', t]]);
  return t;
}

function randomValue(g: Gen, old: Tree): Tree {
  const options: Array<() => Tree> = [
    () => 'text',
    () => g.pick(WEIRD_NUMBERS),
    () => g.chance(0.5),
    () => null,
    () => [],
    () => new Map(),
    () => ['a', 1, true],
    () => new Map<string, Tree>([['enabled', 'yes']]),
    () => 'x'.repeat(g.int(100_000)),
  ];
  // A type flip: anything but what was there.
  for (;;) {
    const v = g.pick(options)();
    if (typeof v !== typeof old || Array.isArray(v) !== Array.isArray(old)) return v;
  }
}

/** Mutations of the parsed tree; each returns a label for the report. */
const TREE_MUTATIONS: Array<(g: Gen, t: Tree) => string> = [
  (g, t) => (setRandomChild(g, t, (old) => randomValue(g, old)), 'type flip'),
  (g, t) => (setRandomChild(g, t, () => g.pick(WEIRD_NUMBERS)), 'huge or negative number'),
  (g, t) => (setRandomChild(g, t, () => g.pick(NON_FINITE)), 'non-finite number'),
  (g, t) => (setRandomChild(g, t, () => deep(g, 20 + g.int(400))), 'deep nesting'),
  (g, t) => {
    const maps = containers(t).filter((c): c is Map<string, Tree> => c instanceof Map);
    g.pick(maps).set(g.pick(PROTO_KEYS), g.pick([new Map([['tables', []]]), 0, false, 'x'] as Tree[]));
    return 'prototype key';
  },
  (g, t) => {
    const maps = containers(t).filter((c): c is Map<string, Tree> => c instanceof Map);
    const m = g.pick(maps);
    const k = g.pick([...m.keys(), 'url']);
    m.set(k, g.pick(REDIS_URLS));
    return 'bad redis url';
  },
  (g, t) => {
    setRandomChild(g, t, () => g.pick(['${UNSET_VAR}', '${A:-}', '${', '${REDIS_URL}x', '$${X}']));
    return 'env var';
  },
  (g, t) => {
    // In range: some mutated configs must still load.
    setRandomChild(g, t, (old) => (typeof old === 'number' ? 1 + g.int(5) : old));
    return 'benign';
  },
];

/** A JSON text of the tree; non-finite numbers become 1e999 / -1e999 / NaN (the last is not JSON). */
function jsonText(t: Tree): string {
  if (t instanceof Map)
    return `{${[...t].map(([k, v]) => `${JSON.stringify(k)}: ${jsonText(v)}`).join(', ')}}`;
  if (Array.isArray(t)) return `[${t.map(jsonText).join(', ')}]`;
  if (typeof t === 'number' && !Number.isFinite(t))
    return Number.isNaN(t) ? 'NaN' : t > 0 ? '1e999' : '-1e999';
  return JSON.stringify(t);
}

function bomb(levels: number): string {
  const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `l${i}: &l${i} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`,
    );
  return lines.join('\n');
}

/** Mutations of the text itself. */
const TEXT_MUTATIONS: Array<(g: Gen, text: string) => [string, string]> = [
  (g, s) => [`\uFEFF${g.chance(0.3) ? '\uFEFF' : ''}${s}`, 'BOM'],
  (g, s) => {
    const garbage = Array.from({ length: 1 + g.int(64) }, () => String.fromCharCode(g.int(256))).join('');
    const at = g.int(s.length + 1);
    return [s.slice(0, at) + garbage + s.slice(at), 'binary garbage'];
  },
  (g, s) => [s.slice(0, g.int(s.length)), 'truncated'],
  (g, s) => [`${s}\n${bomb(3 + g.int(8))}\nprotected: { tables: *l2 }\n`, 'alias bomb'],
  (g, s) => [`${s}\nauto_healing: *missing\n`, 'unknown alias'],
  (g, s) => [`self: &self [*self]\n${s}`, 'self alias'],
  (g, s) => {
    const lines = s.split('\n');
    const i = g.int(lines.length);
    lines.splice(i, 0, lines[i] ?? '');
    return [lines.join('\n'), 'duplicated line'];
  },
  (g, s) => [
    g.pick([
      `%YAML 1.1\n---\n${s}\nx: !!binary aGVsbG8=\n`,
      `${s}\nx: !!timestamp 2001-12-14\n`,
      `${s}\nbase: &b { enabled: true }\nauto_healing: { <<: *b }\n`,
      `${s}\n---\nversion: 2\n`,
      `${s}\n? [a, b]\n: 1\n`,
      `${s}\n!!set { a, b }\n`,
    ]),
    'tags and YAML features',
  ],
  (g, s) => [`${s}\nx: ${'['.repeat(500 + g.int(5000))}`, 'unclosed nesting'],
  (g) => [
    Array.from({ length: g.int(2000) }, () => String.fromCharCode(g.int(0x10000))).join(''),
    'random text',
  ],
  (g, s) => {
    let out = '';
    for (const c of s) out += g.chance(0.02) ? String.fromCharCode(g.int(128)) : c;
    return [out, 'character flips'];
  },
];

interface Case {
  text: string;
  file: string;
  labels: string[];
}

function makeCase(seed: number): Case {
  const g = new Gen(seed);
  const labels: string[] = [];
  const asJson = g.chance(0.3);
  const tree = structuredClone(g.pick(BASES));
  const treeMutations = g.int(3);
  for (let i = 0; i < treeMutations; i++) labels.push(g.pick(TREE_MUTATIONS)(g, tree));
  let text = asJson ? jsonText(tree) : stringify(tree, { aliasDuplicateObjects: false, lineWidth: 0 });
  if (treeMutations === 0 || g.chance(0.5)) {
    const [t, label] = g.pick(TEXT_MUTATIONS)(g, text);
    text = t;
    labels.push(label);
  }
  return { text, file: asJson ? `fuzz-${seed}.json` : `fuzz-${seed}.yml`, labels };
}

type Outcome = { kind: 'loaded' } | { kind: 'refused'; problems: number } | { kind: 'broken'; why: string };

function judge(c: Case): Outcome {
  let loaded;
  try {
    loaded = parseConfig(c.text, c.file, ENV);
  } catch (e) {
    if (!(e instanceof ConfigError)) return { kind: 'broken', why: `threw ${String(e).slice(0, 300)}` };
    if (e.problems.length === 0 || e.problems.length > MAX_PROBLEMS + 1)
      return { kind: 'broken', why: `${e.problems.length} problems` };
    for (const p of e.problems) {
      const where = `${p.file}:${p.line}:${p.column}`;
      if (
        p.file !== c.file ||
        !Number.isInteger(p.line) ||
        !Number.isInteger(p.column) ||
        p.line! < 1 ||
        p.column! < 1
      )
        return { kind: 'broken', why: `problem without a position: ${where}: ${p.message}` };
      if (!p.message || /\n\s+at /.test(p.message) || p.message.length > 2000)
        return { kind: 'broken', why: `bad message: ${p.message.slice(0, 300)}` };
    }
    return { kind: 'refused', problems: e.problems.length };
  }
  if (Object.getPrototypeOf(loaded.config) !== null) return { kind: 'broken', why: 'config has a prototype' };
  return { kind: 'loaded' };
}

describe('config loader fuzzing', () => {
  test(`${CASES} seeded malformed configs: each loads or is a ConfigError with file:line:column`, () => {
    const only = process.env.ORIXOON_FUZZ_SEED;
    const seeds = only ? [Number(only)] : Array.from({ length: CASES }, (_, i) => 1000 + i);
    const started = performance.now();
    const broken: string[] = [];
    const counts = { loaded: 0, refused: 0 };
    const labels = new Map<string, number>();
    let slowest = 0;
    for (const seed of seeds) {
      const c = makeCase(seed);
      const t0 = performance.now();
      const outcome = judge(c);
      const ms = performance.now() - t0;
      slowest = Math.max(slowest, ms);
      for (const l of c.labels) labels.set(l, (labels.get(l) ?? 0) + 1);
      if (outcome.kind === 'broken') broken.push(`seed ${seed} [${c.labels.join(', ')}]: ${outcome.why}`);
      else counts[outcome.kind]++;
      // A hang guard, not a speed target (speed is measured by npm run bench): a shared, loaded CI
      // machine must not turn a 200 ms case into a failure, but a parse that never ends must fail.
      if (ms > 10_000) broken.push(`seed ${seed} [${c.labels.join(', ')}]: took ${Math.round(ms)} ms`);
    }
    // One oversized file too: refused before it is parsed.
    const huge = judge({ text: `# ${'x'.repeat(MAX_CONFIG_BYTES)}`, file: 'huge.yml', labels: [] });
    if (huge.kind !== 'refused') broken.push(`a file over 1 MiB: ${JSON.stringify(huge)}`);
    const totalMs = performance.now() - started;

    expect(broken).toEqual([]);
    if (!only) {
      expect(counts.loaded + counts.refused).toBe(CASES);
      // Both outcomes occur: the mutations are not all fatal, and not all harmless.
      expect(counts.loaded).toBeGreaterThan(10);
      expect(counts.refused).toBeGreaterThan(CASES / 2);
      for (const label of [
        'prototype key',
        'alias bomb',
        'deep nesting',
        'non-finite number',
        'binary garbage',
        'BOM',
      ])
        expect(labels.get(label) ?? 0, label).toBeGreaterThanOrEqual(5);
      expect(totalMs).toBeLessThan(60_000);
    }
    console.log(
      `fuzz: ${seeds.length} configs in ${Math.round(totalMs)} ms (slowest ${Math.round(slowest)} ms): ${counts.loaded} loaded, ${counts.refused} refused`,
    );
  }, 60_000);
});
