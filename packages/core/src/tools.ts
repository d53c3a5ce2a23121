/**
 * Tools: definitions the model sees, plus the implementation the tool loop runs. Parameters
 * are a schema from any library (zod 4 or 3, valibot, arktype, any Standard Schema) or a JSON
 * Schema (`jsonSchema()` or a plain object). They are converted to JSON Schema for the model
 * and arguments are validated with the same schema before a tool runs. Converters and
 * validators load on first use, so defining tools costs nothing at import time.
 */
import { toJsonSchema } from './any-schema/to-json-schema';
import type { InferSchema, SchemaInput } from './any-schema/types';
import { validateWithSchema } from './any-schema/validate';
import { TinyLLMError } from './errors';
import type { ToolDefinition } from './messages';

/** Context passed to a tool's `execute`. */
export interface ToolExecutionContext {
  /** Id of the tool call being executed. */
  toolCallId: string;
  /** Fires when the caller aborts the tool loop. */
  signal: AbortSignal;
}

/** A tool: its definition and (optionally) its implementation. */
export interface Tool<Args = Record<string, unknown>, Result = unknown> {
  readonly name: string;
  readonly description?: string;
  /** The arguments schema as given (see {@link SchemaInput}). */
  readonly parameters: SchemaInput<Args>;
  /** Runs the tool. Its result is sent back to the model (strings as they are, other values as JSON). */
  readonly execute?: (args: Args, context: ToolExecutionContext) => Result | Promise<Result>;
}

/**
 * A tool of any argument type, for collections of tools. (`Tool<Args>` is contravariant in
 * `Args` through `execute`, so a list of differently typed tools needs this wider type.)
 */
// biome-ignore lint/suspicious/noExplicitAny: the variance escape hatch described above
export type AnyTool = Tool<any, any>;

/** Options of {@link tool}. */
export interface ToolOptions<Schema extends SchemaInput, Result> {
  name: string;
  description?: string;
  /** zod 4 or 3, valibot, arktype or any Standard Schema, `jsonSchema(…)`, or a JSON Schema object. */
  parameters: Schema;
  execute?: (args: InferSchema<Schema>, context: ToolExecutionContext) => Result | Promise<Result>;
}

/**
 * Defines a tool.
 *
 * @example
 * ```ts
 * const weather = tool({
 *   name: 'get_weather',
 *   description: 'Current weather in a city',
 *   parameters: z.object({ city: z.string() }), // or valibot, arktype, jsonSchema(…)
 *   execute: async ({ city }) => ({ city, temperatureC: 21 }),
 * });
 * ```
 */
export function tool<Schema extends SchemaInput, Result = unknown>(
  options: ToolOptions<Schema, Result>,
): Tool<InferSchema<Schema>, Result> {
  const { name, description, parameters, execute } = options;
  // arktype's schemas are functions; everything else is a non-array object.
  const isSchema =
    (typeof parameters === 'function' && '~standard' in parameters) ||
    (typeof parameters === 'object' && parameters !== null && !Array.isArray(parameters));
  if (!isSchema) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `Tool "${name}" needs parameters: a schema (zod, valibot, arktype, …) or a JSON Schema object.`,
      path: 'parameters',
      retryable: false,
    });
  }
  return {
    name,
    ...(description === undefined ? {} : { description }),
    parameters: parameters as SchemaInput<InferSchema<Schema>>,
    ...(execute ? { execute } : {}),
  };
}

/** The definition sent to the model (its parameters converted to JSON Schema). */
export async function toToolDefinition(value: AnyTool): Promise<ToolDefinition> {
  let parameters: ToolDefinition['parameters'];
  try {
    parameters = await toJsonSchema(value.parameters);
  } catch (error) {
    if (TinyLLMError.isInstance(error) && error.code === 'MISSING_DEPENDENCY') throw error;
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `Tool "${value.name}" has parameters that cannot be converted to JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
      path: 'parameters',
      retryable: false,
      details: { tool: value.name },
      cause: error,
    });
  }
  return {
    name: value.name,
    ...(value.description === undefined ? {} : { description: value.description }),
    parameters,
  };
}

/**
 * Validates a model's arguments for a tool. Rejects with `INVALID_TOOL_ARGUMENTS` naming the
 * path of the first problem, and listing every problem in `details.issues`.
 */
export async function validateToolArguments<Args>(
  value: Tool<Args, unknown>,
  args: unknown,
): Promise<Args> {
  const result = await validateWithSchema(value.parameters, args);
  if (!result.issues) return result.value;
  const first = result.issues[0] ?? { path: '', message: 'invalid' };
  throw new TinyLLMError({
    code: 'INVALID_TOOL_ARGUMENTS',
    message: `Invalid arguments for tool "${value.name}" at ${first.path || '(root)'}: ${first.message}`,
    path: first.path,
    retryable: false,
    details: { tool: value.name, issues: result.issues },
  });
}
