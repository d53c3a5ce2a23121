/**
 * The request validator on core's hot path, without zod: every `stream()`/`chat()` of a model
 * built with `defineChatModel()` (and every router call) runs it, and importing zod alone costs
 * more than a whole HTTP client. It mirrors `chatRequestSchema` in `../schemas/messages.ts`
 * (the source of the types); `chat-request.test.ts` holds the two to the same verdicts.
 *
 * Objects are strict: an unknown key is an issue naming it, with a did-you-mean.
 */
import { didYouMean } from './did-you-mean';

/** One problem found in a value: where (`messages[2].content`) and what. */
export interface ValidationIssue {
  path: string;
  message: string;
}

type Issues = ValidationIssue[];
type Check = (value: unknown, path: string, issues: Issues) => void;

// Stop collecting after this many issues: a huge broken request should not build a huge error.
const maxIssues = 20;

function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

const string =
  (minLength = 0): Check =>
  (value, path, issues) => {
    if (typeof value !== 'string')
      issues.push({ path, message: `expected a string, received ${describe(value)}` });
    else if (value.length < minLength)
      issues.push({ path, message: 'expected a non-empty string' });
  };

const boolean: Check = (value, path, issues) => {
  if (typeof value !== 'boolean')
    issues.push({ path, message: `expected a boolean, received ${describe(value)}` });
};

const record: Check = (value, path, issues) => {
  if (!isRecord(value))
    issues.push({ path, message: `expected an object, received ${describe(value)}` });
};

function number(options: {
  integer?: boolean;
  min?: number;
  exclusiveMin?: number;
  max?: number;
}): Check {
  return (value, path, issues) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push({ path, message: `expected a finite number, received ${describe(value)}` });
    } else if (options.integer && !Number.isSafeInteger(value)) {
      issues.push({ path, message: 'expected an integer' });
    } else if (options.min !== undefined && value < options.min) {
      issues.push({ path, message: `expected a number >= ${options.min}` });
    } else if (options.exclusiveMin !== undefined && value <= options.exclusiveMin) {
      issues.push({ path, message: `expected a number > ${options.exclusiveMin}` });
    } else if (options.max !== undefined && value > options.max) {
      issues.push({ path, message: `expected a number <= ${options.max}` });
    }
  };
}

function array(
  item: Check,
  options: { min?: number; max?: number; minMessage?: string } = {},
): Check {
  return (value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push({ path, message: `expected an array, received ${describe(value)}` });
      return;
    }
    if (options.min !== undefined && value.length < options.min)
      issues.push({
        path,
        message: options.minMessage ?? `expected at least ${options.min} items`,
      });
    if (options.max !== undefined && value.length > options.max)
      issues.push({ path, message: `expected at most ${options.max} items` });
    for (let index = 0; index < value.length && issues.length < maxIssues; index++)
      item(value[index], at(path, index), issues);
  };
}

function literal(...values: readonly string[]): Check {
  const expected = values.map((entry) => JSON.stringify(entry)).join(' | ');
  return (value, path, issues) => {
    if (typeof value !== 'string' || !values.includes(value))
      issues.push({
        path,
        message: `expected ${expected}, received ${JSON.stringify(value) ?? 'undefined'}`,
      });
  };
}

/** A strict object: listed keys (optional unless in `required`), nothing else. */
function object(shape: Readonly<Record<string, Check>>, required: readonly string[] = []): Check {
  const keys = Object.keys(shape);
  return (value, path, issues) => {
    if (!isRecord(value)) {
      issues.push({ path, message: `expected an object, received ${describe(value)}` });
      return;
    }
    for (const key of required) {
      if (value[key] === undefined) issues.push({ path: at(path, key), message: 'required' });
    }
    for (const key in value) {
      const check = shape[key];
      if (check === undefined) {
        const suggestion = didYouMean(key, keys);
        issues.push({
          path: at(path, key),
          message: `unknown key "${key}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`,
        });
      } else if (value[key] !== undefined) check(value[key], at(path, key), issues);
    }
  };
}

/** One of several strict objects, chosen by a string discriminator key. */
function union(key: string, variants: Readonly<Record<string, Check>>): Check {
  const tag = literal(...Object.keys(variants));
  return (value, path, issues) => {
    if (!isRecord(value)) {
      issues.push({ path, message: `expected an object, received ${describe(value)}` });
      return;
    }
    const variant = typeof value[key] === 'string' ? variants[value[key] as string] : undefined;
    if (variant === undefined) tag(value[key], at(path, key), issues);
    else variant(value, path, issues);
  };
}

const toolCall = object({ id: string(1), name: string(1), arguments: record }, [
  'id',
  'name',
  'arguments',
]);

const message = union('role', {
  system: object({ role: string(), content: string() }, ['content']),
  user: object({ role: string(), content: string() }, ['content']),
  assistant: object(
    { role: string(), content: string(), reasoning: string(), toolCalls: array(toolCall) },
    ['content'],
  ),
  tool: object(
    {
      role: string(),
      toolCallId: string(1),
      toolName: string(1),
      content: string(),
      isError: boolean,
    },
    ['toolCallId', 'toolName', 'content'],
  ),
});

const toolNamePattern = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const toolName: Check = (value, path, issues) => {
  if (typeof value !== 'string') string()(value, path, issues);
  else if (!toolNamePattern.test(value))
    issues.push({ path, message: 'tool names are 1-64 characters: letters, digits, _ . -' });
};

const toolDefinition = object({ name: toolName, description: string(), parameters: record }, [
  'name',
  'parameters',
]);

const namedToolChoice = object({ type: literal('tool'), name: string(1) }, ['type', 'name']);
const toolChoice: Check = (value, path, issues) => {
  if (typeof value === 'string') literal('auto', 'none', 'required')(value, path, issues);
  else namedToolChoice(value, path, issues);
};

const responseFormat = union('type', {
  text: object({ type: string() }),
  json: object({
    type: string(),
    schema: record,
    name: string(1),
    description: string(),
    strict: boolean,
  }),
});

const providerOptions: Check = (value, path, issues) => {
  if (!isRecord(value)) return record(value, path, issues);
  for (const key in value) record(value[key], at(path, key), issues);
};

const chatRequest = object(
  {
    messages: array(message, { min: 1, minMessage: 'a request needs at least one message' }),
    tools: array(toolDefinition),
    toolChoice,
    responseFormat,
    providerOptions,
    maxOutputTokens: number({ integer: true, exclusiveMin: 0 }),
    temperature: number({ min: 0, max: 2 }),
    topP: number({ exclusiveMin: 0, max: 1 }),
    topK: number({ integer: true, exclusiveMin: 0 }),
    stop: array(string(1), { max: 16 }),
    seed: number({ integer: true }),
  },
  ['messages'],
);

/** Every problem of a chat request (at most 20), in document order; empty when it is valid. */
export function checkChatRequest(value: unknown): ValidationIssue[] {
  const issues: Issues = [];
  chatRequest(value, '', issues);
  return issues;
}
