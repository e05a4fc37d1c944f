// Turns a parsed YAML/JSON document into plain data for validation, refusing what must never reach
// it: keys that reach an object's prototype (`__proto__`, `constructor`, `prototype`), duplicate or
// non-scalar keys, merge keys, unknown or looping aliases, alias bombs, nesting deeper than any real
// config, non-finite numbers and typed values (dates, binary). Every mapping becomes a null-prototype
// object, so no key is ever inherited. One pass over the nodes (plus what aliases copy, bounded):
// the time is linear in the file's size.
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node, type Pair } from 'yaml';
import { MAX_ALIAS_EXPANSION, MAX_CONFIG_DEPTH, MAX_PROBLEMS } from './limits.js';

export type PathSeg = string | number;

export interface DataProblem {
  path: PathSeg[];
  /** Offset in the source of the node or key at fault. */
  offset: number;
  message: string;
}

/** Keys that would reach Object.prototype when data is copied or merged: refused everywhere. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function yamlToData(doc: Document): { value: unknown; problems: DataProblem[] } {
  const problems: DataProblem[] = [];
  // Anchors seen so far in document order; an alias refers to the latest one of its name before it.
  const anchors = new Map<string, Node>();
  // Nodes being converted (ancestors of the current one): an alias to one of them is a loop.
  const open = new Set<unknown>();
  let copied = 0;
  let aliasDepth = 0;
  let aliasOffset = 0;
  let stopped = false;

  const report = (path: PathSeg[], offset: number | undefined, message: string): void => {
    if (problems.length <= MAX_PROBLEMS) problems.push({ path, offset: offset ?? 0, message });
  };
  const start = (node: unknown): number | undefined => (node as Node | null)?.range?.[0];

  const pairs = (items: readonly Pair[], path: PathSeg[], depth: number): Record<string, unknown> => {
    const out = Object.create(null) as Record<string, unknown>;
    for (const pair of items) {
      if (stopped) break;
      const keyNode = pair.key as Node | null;
      const keyAt = start(keyNode) ?? start(pair.value);
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        report(
          path,
          keyAt,
          keyNode === null || (isScalar(keyNode) && keyNode.value === null)
            ? 'a key is missing before this value'
            : 'a key must be a plain name, not a list, mapping or alias',
        );
        continue;
      }
      if (aliasDepth === 0 && keyNode.anchor) anchors.set(keyNode.anchor, keyNode);
      const raw = keyNode.value;
      const key = typeof raw === 'symbol' ? '<<' : String(raw);
      if (FORBIDDEN_KEYS.has(key)) {
        report(
          [...path, key],
          keyAt,
          `"${key}" is not allowed as a key (it would change how the config is read): remove it`,
        );
        continue;
      }
      if (key === '<<') {
        report(
          [...path, key],
          keyAt,
          'YAML merge keys (<<) are not supported: write the keys out (an alias may stand for a whole value)',
        );
        continue;
      }
      if (key in out) {
        report([...path, key], keyAt, `duplicate key "${key}": each key may appear once in a mapping`);
        continue;
      }
      out[key] = convert(pair.value, [...path, key], depth + 1);
    }
    return out;
  };

  const convert = (node: unknown, path: PathSeg[], depth: number): unknown => {
    if (stopped || node === null || node === undefined) return null;
    if (aliasDepth > 0 && ++copied > MAX_ALIAS_EXPANSION) {
      stopped = true;
      report(
        path,
        aliasOffset,
        `aliases here copy more than ${MAX_ALIAS_EXPANSION} values (an alias bomb?): write the values out or use fewer aliases`,
      );
      return null;
    }
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        report(
          path,
          start(node),
          `unknown alias *${node.source}: define the anchor &${node.source} before this line (check the spelling)`,
        );
        return null;
      }
      if (open.has(target)) {
        report(path, start(node), `alias *${node.source} refers to a value that contains it (a loop)`);
        return null;
      }
      if (aliasDepth++ === 0) aliasOffset = start(node) ?? 0;
      try {
        return convert(target, path, depth);
      } finally {
        aliasDepth--;
      }
    }
    if (depth > MAX_CONFIG_DEPTH) {
      stopped = true;
      report(path, start(node), `nested deeper than ${MAX_CONFIG_DEPTH} levels: no config needs that`);
      return null;
    }
    const anchored = node as Node & { anchor?: string };
    if (aliasDepth === 0 && anchored.anchor) anchors.set(anchored.anchor, anchored);
    if (isScalar(node)) {
      const v = node.value;
      if (typeof v === 'number') {
        if (Number.isFinite(v)) return v;
        report(path, start(node), `expected a finite number, got ${String(v)}`);
        return null;
      }
      if (typeof v === 'string' || typeof v === 'boolean' || v === null) return v;
      report(path, start(node), 'a typed YAML value (date, binary…) is not supported here: quote it');
      return null;
    }
    open.add(node);
    try {
      if (isMap(node)) return pairs(node.items, path, depth);
      if (isSeq(node)) {
        return node.items.map((item, i) =>
          // `[a: 1]` is a list holding a one-key mapping.
          isPair(item) ? pairs([item], [...path, i], depth + 1) : convert(item, [...path, i], depth + 1),
        );
      }
    } finally {
      open.delete(node);
    }
    report(path, start(node), 'unsupported YAML node');
    return null;
  };

  const value = convert(doc.contents, [], 0);
  return { value, problems };
}
