/**
 * zod issues → the validator's stable codes and plain-language messages.
 */
import type { z } from 'zod';
import type { ConfigIssue, ConfigIssueCode } from './issues';
import { formatPath, getAtPath, isPlainObject, type PathSegment } from './paths';
import { trainingMethods } from './schema';
import { closestMatch } from './suggest';
import { renamedKeys } from './validate-keys';

/** @internal */
export function toConfigIssue(
  issue: z.core.$ZodIssue,
  input: Record<string, unknown>,
): ConfigIssue {
  const segments = issue.path as PathSegment[];
  const path = formatPath(segments);
  const value = getAtPath(input, segments);
  const error = (code: ConfigIssueCode, message: string, suggestion?: string): ConfigIssue =>
    suggestion === undefined
      ? { severity: 'error', code, path, message }
      : { severity: 'error', code, path, message, suggestion };

  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        const what = segments.length === 1 ? `The ${path} section` : path;
        const alias = presentAlias(input, segments);
        if (alias !== undefined) {
          return error(
            'REQUIRED',
            `${what} is required; the config has ${alias} instead, which the framework does not read. Rename it.`,
            path,
          );
        }
        return error('REQUIRED', `${what} is required.`);
      }
      return error(
        'INVALID_TYPE',
        `${path} must be ${expectedWords[issue.expected] ?? issue.expected}, not ${describeValue(value)}.`,
      );
    }
    case 'too_small': {
      if (issue.origin === 'string') return error('TOO_SMALL', `${path} must not be empty.`);
      if (issue.origin === 'array')
        return error('TOO_SMALL', `${path} must have at least ${issue.minimum} item(s).`);
      const bound = issue.inclusive ? `at least ${issue.minimum}` : `greater than ${issue.minimum}`;
      return error('TOO_SMALL', `${path} must be ${bound}; it is ${describeValue(value)}.`);
    }
    case 'too_big': {
      const bound = issue.inclusive ? `at most ${issue.maximum}` : `less than ${issue.maximum}`;
      return error('TOO_LARGE', `${path} must be ${bound}; it is ${describeValue(value)}.`);
    }
    case 'invalid_value': {
      const allowed = issue.values.map((option) => String(option));
      const suggestion = typeof value === 'string' ? closestMatch(value, allowed) : undefined;
      const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
      return error(
        'INVALID_VALUE',
        `${path} must be one of ${allowed.map((option) => `"${option}"`).join(', ')}; it is ${describeValue(value)}.${hint}`,
        suggestion,
      );
    }
    case 'invalid_union': {
      // A discriminated union reports a bad or missing `method` at training.method.
      if ('discriminator' in issue && issue.discriminator !== undefined) {
        const allowed = trainingMethods.map((method) => `"${method}"`).join(', ');
        if (value === undefined)
          return error('REQUIRED', `${path} is required: one of ${allowed}.`);
        const suggestion =
          typeof value === 'string' ? closestMatch(value, trainingMethods) : undefined;
        const hint = suggestion === undefined ? '' : ` Did you mean "${suggestion}"?`;
        return error(
          'INVALID_VALUE',
          `${path} must be one of ${allowed}; it is ${describeValue(value)}.${hint}`,
          suggestion,
        );
      }
      return error('INVALID_TYPE', `${path} has the wrong shape: ${issue.message}.`);
    }
    case 'custom': {
      const code =
        (issue.params as { code?: ConfigIssueCode } | undefined)?.code ?? 'INVALID_VALUE';
      return error(code, issue.message);
    }
    default:
      return error('INVALID_VALUE', `${path}: ${issue.message}.`);
  }
}

// When a required key is missing but an old name for it is present (`lr` for
// `learning_rate`), say so in the error: that is almost always the actual mistake.
function presentAlias(input: Record<string, unknown>, segments: PathSegment[]): string | undefined {
  const key = segments[segments.length - 1];
  if (typeof key !== 'string') return undefined;
  const parentSegments = segments.slice(0, -1);
  const parent = getAtPath(input, parentSegments);
  if (!isPlainObject(parent)) return undefined;
  const section = parentSegments.length === 0 ? 'root' : String(parentSegments[0]);
  const aliases = renamedKeys[section];
  if (aliases === undefined) return undefined;
  for (const [alias, replacement] of Object.entries(aliases)) {
    if (replacement === key && Object.hasOwn(parent, alias))
      return formatPath([...parentSegments, alias]);
  }
  return undefined;
}

const expectedWords: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

/** @internal */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
      return `the string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return Number.isInteger(value) || !Number.isFinite(value)
        ? String(value)
        : `the fraction ${value}`;
    case 'boolean':
      return String(value);
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
