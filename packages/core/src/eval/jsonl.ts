/**
 * Shared helpers of the eval harness: JSONL case files and plain-text metric tables. Both case
 * kinds (single exchanges, conversations) parse and print the same way.
 */
import type { z } from 'zod';
import { TinyLLMError } from '../errors';

/**
 * Parses one case per non-empty line and validates it, with a typed `INVALID_REQUEST` naming the
 * line (and the field inside it) on the first bad line. `label` starts the message ("Eval case").
 */
export function parseJsonlCases<Schema extends z.ZodType>(
  jsonl: string,
  schema: Schema,
  label: string,
): Array<z.output<Schema>> {
  const cases: Array<z.output<Schema>> = [];
  for (const [index, line] of jsonl.split('\n').entries()) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `${label} line ${index + 1} is not valid JSON.`,
        path: `line ${index + 1}`,
        cause: error,
      });
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `${label} line ${index + 1}: ${issue.path.join('.')}: ${issue.message}`,
        path: `line ${index + 1}.${issue.path.join('.')}`,
      });
    }
    cases.push(parsed.data);
  }
  return cases;
}

/** Two aligned columns, name then value. */
export function formatRows(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([name]) => name.length));
  return rows.map(([name, value]) => `${name.padEnd(width)}  ${value}`).join('\n');
}
