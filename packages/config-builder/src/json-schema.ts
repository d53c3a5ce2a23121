import { z } from 'zod';
import { trainingConfigSchema } from './schema';

let cached: Record<string, unknown> | undefined;

/**
 * JSON Schema (draft 2020-12) of the whole config, for form builders and editors
 * (`"$schema"` in VS Code, react-jsonschema-form, …). Includes titles, descriptions, the
 * framework's defaults (`default`), ranges (`minimum`, `exclusiveMinimum`, …) and the method
 * union as `oneOf` keyed by `training.method`.
 *
 * Cross-field rules (use_lora needs lora_r; not both bf16 and fp16) and the warnings cannot be
 * expressed in JSON Schema: run {@link validateConfig} on submit as well.
 *
 * @returns A new object on every call, safe to modify.
 */
export function configJsonSchema(): Record<string, unknown> {
  cached ??= clean(
    z.toJSONSchema(trainingConfigSchema, { target: 'draft-2020-12', io: 'input' }),
  ) as Record<string, unknown>;
  return structuredClone(cached);
}

// zod writes the safe-integer range on every `.int()`; it says nothing to a form user.
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === 'maximum' && entry === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'minimum' && entry === Number.MIN_SAFE_INTEGER) continue;
    out[key] = clean(entry);
  }
  return out;
}
