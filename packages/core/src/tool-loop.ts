/**
 * The tool loop: run the model, execute the tools it asks for, feed the results back, repeat
 * until it answers or `maxSteps` is reached. Every step is observable, as a stream of events
 * ({@link streamTools}) or through callbacks ({@link runTools}).
 */
import { TinyLLMError, abortedError, throwIfAborted, toTinyLLMError } from './errors';
import type { ChatRequest, ChatResponse, Message, ToolCall, ToolMessage, Usage } from './messages';
import { addUsage, responseToMessage } from './messages';
import type { ChatModel, ChatStreamEvent } from './model';
import { type AnyTool, type Tool, toToolDefinition, validateToolArguments } from './tools';

/** The outcome of one tool call. */
export interface ToolResult {
  toolCall: ToolCall;
  /** What the tool returned (undefined when it failed). */
  result: unknown;
  /** The text sent back to the model. */
  content: string;
  isError: boolean;
  /** The typed error, when the call failed (unknown tool, invalid arguments, tool threw). */
  error?: TinyLLMError;
  durationMs: number;
}

/** One model call and the tools it triggered. */
export interface ToolLoopStep {
  step: number;
  response: ChatResponse;
  toolResults: ToolResult[];
}

/** Events of {@link streamTools}: the model's own events tagged with their step, plus loop events. */
export type ToolLoopEvent =
  | { type: 'step-start'; step: number }
  | (ChatStreamEvent & { step: number })
  | { type: 'tool-result'; step: number; toolResult: ToolResult }
  | { type: 'step-finish'; step: number; stepResult: ToolLoopStep };

/** Options of {@link runTools} and {@link streamTools}. */
export interface ToolLoopOptions {
  /** Tools available to the model, by list or by name. */
  tools: ReadonlyArray<AnyTool> | Readonly<Record<string, AnyTool>>;
  /**
   * Executes calls to tools that have no `execute` of their own (e.g. tools run by the UI).
   * Receives validated arguments.
   */
  execute?: (toolCall: ToolCall, context: { signal: AbortSignal }) => unknown | Promise<unknown>;
  /** Maximum number of model calls (default 5). */
  maxSteps?: number;
  /** `report` (default) sends tool failures back to the model as error results; `throw` ends the loop. */
  onToolError?: 'report' | 'throw';
  signal?: AbortSignal;
}

/** The result of a finished tool loop. */
export interface ToolLoopResult {
  /** The last model response (the answer, unless `stoppedBy` is `max-steps`). */
  response: ChatResponse;
  /** The final text. */
  text: string;
  steps: ToolLoopStep[];
  /** The whole conversation: the request's messages plus every assistant and tool message. */
  messages: Message[];
  /** Usage summed over all steps (`estimated` if any step was estimated). */
  usage: Usage;
  /** `answer` when the model replied without tool calls, `max-steps` when the step limit was hit. */
  stoppedBy: 'answer' | 'max-steps';
}

function toolMap(tools: ToolLoopOptions['tools']): Map<string, AnyTool> {
  const entries = Array.isArray(tools)
    ? (tools as AnyTool[]).map((entry) => [entry.name, entry] as const)
    : Object.values(tools as Record<string, AnyTool>).map((entry) => [entry.name, entry] as const);
  return new Map(entries);
}

function stringifyResult(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

async function executeToolCall(
  toolCall: ToolCall,
  tools: Map<string, AnyTool>,
  options: ToolLoopOptions,
  signal: AbortSignal,
): Promise<ToolResult> {
  const startedAt = performance.now();
  const fail = (error: TinyLLMError): ToolResult => ({
    toolCall,
    result: undefined,
    content: JSON.stringify({ error: error.message }),
    isError: true,
    error,
    durationMs: performance.now() - startedAt,
  });
  const definition = tools.get(toolCall.name);
  if (!definition) {
    return fail(
      new TinyLLMError({
        code: 'INVALID_TOOL_ARGUMENTS',
        message: `The model called an unknown tool "${toolCall.name}". Known tools: ${[...tools.keys()].join(', ') || '(none)'}.`,
        path: 'name',
        details: { tool: toolCall.name },
      }),
    );
  }
  let args: unknown;
  try {
    args = await validateToolArguments(definition as Tool<unknown, unknown>, toolCall.arguments);
  } catch (error) {
    return fail(toTinyLLMError(error, { code: 'INVALID_TOOL_ARGUMENTS' }));
  }
  try {
    throwIfAborted(signal);
    let result: unknown;
    if (definition.execute !== undefined) {
      result = await (definition as Tool<unknown, unknown>).execute!(args, {
        toolCallId: toolCall.id,
        signal,
      });
    } else if (options.execute) {
      result = await options.execute(
        { ...toolCall, arguments: args as Record<string, unknown> },
        { signal },
      );
    } else {
      throw new TinyLLMError({
        code: 'TOOL_EXECUTION_FAILED',
        message: `Tool "${toolCall.name}" has no execute function and no executor was given.`,
      });
    }
    return {
      toolCall,
      result,
      content: stringifyResult(result),
      isError: false,
      durationMs: performance.now() - startedAt,
    };
  } catch (error) {
    if (signal.aborted) throw abortedError(signal);
    return fail(
      toTinyLLMError(error, {
        code: 'TOOL_EXECUTION_FAILED',
        message: `Tool "${toolCall.name}" failed: ${error instanceof Error ? error.message : String(error)}`,
      }),
    );
  }
}

/**
 * Runs the tool loop as a stream of events: text as it is generated, tool calls as they are
 * made, tool results as they come back. The generator's return value is the {@link ToolLoopResult}.
 *
 * @example
 * ```ts
 * for await (const event of streamTools(model, { messages }, { tools: [calculator] })) {
 *   if (event.type === 'text-delta') process.stdout.write(event.text);
 *   if (event.type === 'tool-call') console.log('calling', event.toolCall.name);
 * }
 * ```
 */
export async function* streamTools(
  model: ChatModel,
  request: ChatRequest,
  options: ToolLoopOptions,
): AsyncGenerator<ToolLoopEvent, ToolLoopResult> {
  const tools = toolMap(options.tools);
  const maxSteps = options.maxSteps ?? 5;
  if (!Number.isInteger(maxSteps) || maxSteps < 1) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: 'maxSteps must be an integer ≥ 1.',
      path: 'maxSteps',
    });
  }
  const signal = options.signal ?? new AbortController().signal;
  const messages: Message[] = [...request.messages];
  const steps: ToolLoopStep[] = [];
  let usage: Usage = { inputTokens: 0, outputTokens: 0, totalTokens: 0, estimated: false };
  const definitions =
    request.tools ??
    (await Promise.all([...tools.values()].map((entry) => toToolDefinition(entry))));

  for (let step = 1; ; step++) {
    throwIfAborted(signal);
    yield { type: 'step-start', step };
    const stream = model.stream(
      { ...request, messages: [...messages], tools: definitions },
      { signal },
    );
    for await (const event of stream) yield { ...event, step };
    const response = await stream.finalResponse();
    usage = addUsage(usage, response.usage);
    messages.push(responseToMessage(response));

    const done = response.toolCalls.length === 0 || step >= maxSteps;
    // Independent calls of one step run in parallel; results keep the model's order.
    // At the step limit the requested calls are not executed: nobody would read their results.
    const toolResults = done
      ? []
      : await Promise.all(
          response.toolCalls.map((call) => executeToolCall(call, tools, options, signal)),
        );
    for (const toolResult of toolResults) {
      if (toolResult.error && options.onToolError === 'throw') throw toolResult.error;
      const toolMessage: ToolMessage = {
        role: 'tool',
        toolCallId: toolResult.toolCall.id,
        toolName: toolResult.toolCall.name,
        content: toolResult.content,
        ...(toolResult.isError ? { isError: true } : {}),
      };
      messages.push(toolMessage);
      yield { type: 'tool-result', step, toolResult };
    }
    const stepResult: ToolLoopStep = { step, response, toolResults };
    steps.push(stepResult);
    yield { type: 'step-finish', step, stepResult };
    if (done) {
      return {
        response,
        text: response.text,
        steps,
        messages,
        usage,
        stoppedBy: response.toolCalls.length === 0 ? 'answer' : 'max-steps',
      };
    }
  }
}

/**
 * Runs the tool loop to completion.
 *
 * @example
 * ```ts
 * const result = await runTools(model, { messages: [{ role: 'user', content: 'What is 12*7?' }] }, {
 *   tools: [calculator],
 *   onStep: (step) => console.log(step.toolResults),
 * });
 * console.log(result.text);
 * ```
 */
export async function runTools(
  model: ChatModel,
  request: ChatRequest,
  options: ToolLoopOptions & {
    /** Called after each step (model call + tool executions). */
    onStep?: (step: ToolLoopStep) => void;
    /** Called with every event, as {@link streamTools} yields it. */
    onEvent?: (event: ToolLoopEvent) => void;
  },
): Promise<ToolLoopResult> {
  const iterator = streamTools(model, request, options);
  while (true) {
    const next = await iterator.next();
    if (next.done) return next.value;
    options.onEvent?.(next.value);
    if (next.value.type === 'step-finish') options.onStep?.(next.value.stepResult);
  }
}
