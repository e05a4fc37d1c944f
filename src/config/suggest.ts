// "Did you mean" for config errors: the closest allowed key, action or id by edit distance, and the
// keys a mapping allows, read from the same zod schema the loader validates with.
import type { z } from 'zod';
import type { PathSeg } from './yaml-data.js';

/**
 * Levenshtein distance, one row at a time. With `limit`, it stops as soon as the distance must
 * exceed it (and answers limit + 1): a config may hold a thousand ids to compare against.
 */
export function editDistance(a: string, b: string, limit = Infinity): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (row[j]! < rowMin) rowMin = row[j]!;
    }
    if (rowMin > limit) return limit + 1;
    prev = row;
  }
  return Math.min(prev[b.length]!, limit + 1);
}

/** The candidate nearest to `word`, when it is near enough to be a misspelling of it. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // A key longer than any real one is not a typo; it is also not worth the time.
  if (word.length > 64) return undefined;
  const limit = Math.max(2, Math.floor(word.length / 3));
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase(), bestDistance - 1);
    if (d < bestDistance) [best, bestDistance] = [c, d];
    if (d === 0) break;
  }
  return best;
}

/** `did you mean "x"? ` or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `did you mean "${c}"? `;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  keyType?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  entries?: Record<string, string>;
  values?: unknown[];
}

const def = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let s = schema;
  for (let guard = 0; guard < 20; guard++) {
    const d = def(s);
    if (d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else if (d.type === 'union' && d.discriminator && d.options && value && typeof value === 'object') {
      const tag = (value as Record<string, unknown>)[d.discriminator];
      const option = d.options.find((o) => {
        const lit = def(o).shape?.[d.discriminator!];
        return lit !== undefined && (def(lit).values ?? []).includes(tag);
      });
      if (!option) return s;
      s = option;
    } else return s;
  }
  return s;
}

/** The keys the mapping at `path` allows, or none when the schema there is not a fixed mapping. */
export function allowedKeys(schema: z.ZodType, path: readonly PathSeg[], data: unknown): string[] {
  let s: z.ZodType | undefined = schema;
  let value = data;
  for (const seg of path) {
    s = unwrap(s, value);
    const d = def(s);
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[seg] : undefined;
    if (typeof seg === 'number') s = d.element;
    else s = d.shape?.[seg] ?? d.valueType;
    if (!s) return [];
  }
  s = unwrap(s, value);
  const d = def(s);
  if (d.shape) return Object.keys(d.shape);
  if (d.keyType) {
    const k = def(d.keyType);
    if (k.entries) return Object.values(k.entries);
  }
  return [];
}

/** The value at `path` in plain data. */
export function valueAt(data: unknown, path: readonly PathSeg[]): unknown {
  let v = data;
  for (const seg of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[seg] : undefined;
  return v;
}
