import { formatPath, isPlainObject, type PathSegment } from './paths';
import type { TrainingConfig } from './schema';
import { orderConfig } from './serialize';

/** One difference between two configs. */
export interface ConfigChange {
  /** `added`: only in the second config; `removed`: only in the first; `changed`: in both, different. */
  kind: 'added' | 'removed' | 'changed';
  /** JSON path of the field, e.g. `training.lora_r` or `tools[1].description`. */
  path: string;
  /** Value in the first config (absent for `added`). */
  before?: unknown;
  /** Value in the second config (absent for `removed`). */
  after?: unknown;
}

/**
 * Structural difference of two configs, down to single fields, in the framework's key order:
 * what a side-by-side comparison view shows. Key order and formatting are ignored. Lists are
 * compared item by item; a list that changes type or a scalar that becomes an object is one
 * `changed` entry.
 *
 * @example
 * ```ts
 * diffConfigs(getTemplate('sft_toolbench').config, mine)
 * // [{ kind: 'changed', path: 'training.lora_r', before: 8, after: 16 }, …]
 * ```
 */
export function diffConfigs(a: TrainingConfig, b: TrainingConfig): ConfigChange[] {
  const changes: ConfigChange[] = [];
  compare(orderConfig(a), orderConfig(b), [], changes);
  return changes;
}

function compare(a: unknown, b: unknown, path: PathSegment[], changes: ConfigChange[]): void {
  if (isPlainObject(a) && isPlainObject(b)) {
    // Keys of the first config in order, then keys only the second has.
    const keys = [...Object.keys(a), ...Object.keys(b).filter((key) => !Object.hasOwn(a, key))];
    for (const key of keys) {
      const at = [...path, key];
      if (!Object.hasOwn(b, key))
        changes.push({ kind: 'removed', path: formatPath(at), before: a[key] });
      else if (!Object.hasOwn(a, key))
        changes.push({ kind: 'added', path: formatPath(at), after: b[key] });
      else compare(a[key], b[key], at, changes);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const length = Math.max(a.length, b.length);
    for (let index = 0; index < length; index++) {
      const at = [...path, index];
      if (index >= b.length)
        changes.push({ kind: 'removed', path: formatPath(at), before: a[index] });
      else if (index >= a.length)
        changes.push({ kind: 'added', path: formatPath(at), after: b[index] });
      else compare(a[index], b[index], at, changes);
    }
    return;
  }
  if (!Object.is(a, b) && !(a === 0 && b === 0)) {
    changes.push({ kind: 'changed', path: formatPath(path), before: a, after: b });
  }
}
