import { ConfigError } from './errors';
import type { ConfigIssue } from './issues';
import { lineColumn, scanJson } from './json-text';
import { formatPath, isPlainObject, parsePath } from './paths';
import { keyOrder, type TrainingConfig } from './schema';
import { type ValidationOptions, validateConfig } from './validate';

function ordered(
  object: Record<string, unknown>,
  order: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const put = (key: string) =>
    Object.defineProperty(out, key, {
      value: object[key],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  for (const key of order) if (Object.hasOwn(object, key)) put(key);
  for (const key of Object.keys(object)) if (!order.includes(key)) put(key);
  return out;
}

/**
 * @internal Returns a copy with keys in the framework's order (model, tokenizer, training, data,
 * tools, evaluation, tensorboard, seed; fields as documented), unknown keys after the known
 * ones in their original order. Tool `parameters` are left as written.
 */
export function orderConfig(config: unknown): unknown {
  if (!isPlainObject(config)) return config;
  const root = ordered(config, keyOrder.root);
  for (const section of [
    'model',
    'tokenizer',
    'training',
    'data',
    'evaluation',
    'tensorboard',
  ] as const) {
    const value = root[section];
    if (isPlainObject(value)) root[section] = ordered(value, keyOrder[section]);
  }
  if (Array.isArray(root['tools'])) {
    root['tools'] = root['tools'].map((tool) =>
      isPlainObject(tool) ? ordered(tool, keyOrder.tool) : tool,
    );
  }
  return root;
}

/**
 * Serializes a config as the training framework's JSON file: keys in the framework's order,
 * two-space indent, trailing newline. Unknown keys are kept. Does not validate.
 *
 * @example
 * ```ts
 * await writeFile('configs/my_config.json', serializeConfig(config));
 * ```
 */
export function serializeConfig(config: TrainingConfig): string {
  return `${JSON.stringify(orderConfig(config), null, 2)}\n`;
}

/** Result of {@link parseConfig}. */
export interface ParsedConfig {
  /** The config exactly as written (unknown keys included). */
  config: TrainingConfig;
  /** Advice; each issue carries the line and column of its key. */
  warnings: ConfigIssue[];
}

/**
 * Parses and validates the text of a config file.
 *
 * @returns The config as written (no defaults injected, unknown keys kept, so serializing it
 *   again loses nothing) and the warnings.
 * @throws {ConfigError} when the text is not JSON (one `INVALID_JSON` issue with line and
 *   column, e.g. a trailing comma) or the config is invalid (every error, with its path and the
 *   line/column of the key it is about).
 * @example
 * ```ts
 * const { config, warnings } = parseConfig(await readFile('configs/my_config.json', 'utf8'));
 * ```
 */
export function parseConfig(text: string, options: ValidationOptions = {}): ParsedConfig {
  // Editors on Windows add a byte-order mark that JSON.parse rejects.
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let value: unknown;
  try {
    value = JSON.parse(source);
  } catch (cause) {
    const scan = scanJson(source);
    const error = scan.error;
    const location = error ?? {
      ...lineColumn(source, source.length),
      message: String((cause as Error).message),
    };
    throw new ConfigError({
      issues: [
        {
          severity: 'error',
          code: 'INVALID_JSON',
          path: '',
          message: `Invalid JSON at line ${location.line}, column ${location.column}: ${location.message}`,
          line: location.line,
          column: location.column,
        },
      ],
      cause,
    });
  }
  const result = validateConfig(value, options);
  const scan = scanJson(source);
  for (const duplicate of scan.duplicates) {
    result.warnings.push({
      severity: 'warning',
      code: 'DUPLICATE_KEY',
      path: duplicate.path,
      message: `${duplicate.path} appears more than once in the same object; only the last value is used.`,
      ...lineColumn(source, duplicate.offset),
    });
  }
  const locate = (issue: ConfigIssue): ConfigIssue => {
    if (issue.line !== undefined) return issue;
    const offset = nearestPosition(scan.positions, issue.path);
    return offset === undefined ? issue : { ...issue, ...lineColumn(source, offset) };
  };
  const errors = result.errors.map(locate);
  const warnings = result.warnings.map(locate);
  if (errors.length > 0) throw new ConfigError({ issues: errors, warnings });
  return { config: value as TrainingConfig, warnings };
}

// A missing key has no position; point at the closest ancestor that exists instead.
function nearestPosition(positions: Map<string, number>, path: string): number | undefined {
  const exact = positions.get(path);
  if (exact !== undefined) return exact;
  const segments = parsePath(path);
  if (segments === undefined) return undefined;
  for (let length = segments.length - 1; length > 0; length--) {
    const offset = positions.get(formatPath(segments.slice(0, length)));
    if (offset !== undefined) return offset;
  }
  return undefined;
}
