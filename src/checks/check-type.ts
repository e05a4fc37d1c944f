import type { z } from 'zod';
import type { Check } from '../core/types.js';
import type { CheckConfigView } from '../core/config-view.js';

/** What a check type's `create` receives: the check's identity and its validated options. */
export interface CheckSpec<O> {
  id: string;
  phase: string;
  dependsOn: string[];
  options: O;
}

/**
 * A check type: its option schema (validated at load, with defaults) and a factory. Adding a type is
 * one new file exporting one of these plus one line in `registry.ts`.
 */
export interface CheckType<S extends z.ZodObject = z.ZodObject> {
  type: string;
  options: S;
  create(spec: CheckSpec<z.infer<S>>, config: CheckConfigView): Check;
}

export function defineCheckType<S extends z.ZodObject>(t: CheckType<S>): CheckType<S> {
  return t;
}
