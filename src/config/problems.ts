// Where a problem is: file, line, column and key of a path in the config, for YAML and JSON alike.
// Every config problem is reported through a Locator, so each one says where to look.
import { isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import type { PathSeg } from './yaml-data.js';

export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `phases[0].checks[1].max_stuck`. */
  key: string;
  message: string;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.problems = problems;
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}

export function keyPath(path: readonly PathSeg[]): string {
  return path.reduce<string>(
    (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );
}

/** Finds the offset of the value at a path (with `key`, of that key in the mapping at the path). */
export type NodeOffset = (path: readonly PathSeg[], key?: string) => number | undefined;

/** 1-based line and column of an offset, from the offsets where lines start. */
export function lineStarts(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

export function yamlOffset(doc: Document): NodeOffset {
  return (path, key) => {
    const node = path.length === 0 ? doc.contents : (doc.getIn(path, true) as Node | undefined);
    if (!node) return undefined;
    if (key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      const keyNode = pair && (pair.key as Node);
      if (keyNode?.range) return keyNode.range[0];
    }
    return node.range?.[0];
  };
}

export class Locator {
  private readonly find: NodeOffset;
  readonly pos: (offset: number) => { line: number; column: number };
  readonly file: string;
  constructor(find: NodeOffset, pos: (offset: number) => { line: number; column: number }, file: string) {
    this.find = find;
    this.pos = pos;
    this.file = file;
  }

  /** Position of the node at `path`; for a missing key, its parent's; with `key`, the key itself. */
  at(path: readonly PathSeg[], key?: string): { line: number; column: number } {
    for (let n = path.length; n >= 0; n--) {
      const offset = this.find(path.slice(0, n), n === path.length ? key : undefined);
      if (offset !== undefined) return this.pos(offset);
    }
    return { line: 1, column: 1 };
  }

  problem(path: readonly PathSeg[], message: string, key?: string): ConfigProblem {
    const full = key !== undefined ? [...path, key] : path;
    return { file: this.file, key: keyPath(full), message, ...this.at(path, key) };
  }
}
