/**
 * A deterministic scripted {@link ChatModel} for unit tests: each call plays the next turn of a
 * script, so tests can stage replies, tool calls, failures and slow streams without a real model.
 */
import { defineChatModel } from '../define-model';
import { type ErrorCode, TinyLLMError, abortedError } from '../errors';
import type { ChatRequest, FinishReason, Usage } from '../messages';
import type { ChatModel, ModelCapabilities, ProviderStreamEvent } from '../model';

/** A scripted reply. Chunks stream in order; `error`, when set, is thrown after them. */
export interface ScriptedReply {
  /** The reply text, as one chunk or as several `text-delta` chunks. */
  text?: string | readonly string[];
  /** Reasoning, streamed before the text. */
  reasoning?: string | readonly string[];
  /** Tool calls, emitted after the text. A missing `id` becomes `call_<callIndex>_<index>`. */
  toolCalls?: ReadonlyArray<{ name: string; arguments: Record<string, unknown>; id?: string }>;
  /** Defaults to `tool-calls` when there are tool calls, else `stop`. */
  finishReason?: FinishReason;
  /** Provider-reported usage; when absent, usage is estimated (and flagged `estimated`). */
  usage?: {
    inputTokens: number;
    outputTokens: number;
    totalTokens?: number;
    cachedInputTokens?: number;
  };
  /** Wait this long before each chunk (and before finishing), honouring the abort signal. */
  chunkDelayMs?: number;
  /**
   * Fail after streaming the chunks above (none by default, so the call fails before any
   * event). Use it to test mid-stream failures.
   */
  error?: ScriptedError;
}

/** A scripted failure: a ready error, or the fields of a {@link TinyLLMError} to create. */
export type ScriptedError =
  | TinyLLMError
  | { code: ErrorCode; message: string; retryAfterMs?: number; retryable?: boolean };

/** A turn that fails; same as a {@link ScriptedReply} with only `error`. */
export interface ScriptedFailure {
  error: ScriptedError;
  /** Wait this long before failing, honouring the abort signal. */
  chunkDelayMs?: number;
}

/** A turn computed from the request and the zero-based index of the call. */
export type ScriptedTurnFunction = (
  request: ChatRequest,
  callIndex: number,
) => ScriptedReply | ScriptedFailure | Promise<ScriptedReply | ScriptedFailure>;

/** One turn of a script: what one call returns. */
export type ScriptedTurn = ScriptedReply | ScriptedFailure | ScriptedTurnFunction;

/** Settings of {@link createScriptedModel}. */
export interface ScriptedModelSettings {
  /** The turns, one per call, in order. */
  script: readonly ScriptedTurn[];
  /** Start the script over when it is exhausted instead of failing. Defaults to `false`. */
  repeat?: boolean;
  /** Defaults to `scripted`. */
  provider?: string;
  /** Defaults to `scripted-model`. */
  modelId?: string;
  /** Defaults to streaming and tools. */
  capabilities?: ModelCapabilities;
}

/** A scripted model: a {@link ChatModel} that records the requests it received. */
export interface ScriptedModel extends ChatModel {
  /** Every request the model started to serve, in order (validated, as the model saw them). */
  readonly calls: ChatRequest[];
}

/**
 * Creates a deterministic scripted {@link ChatModel} for tests. Each call (through `chat` or
 * `stream`) plays the next turn; when the script runs out, the call fails with an
 * `INVALID_CONFIG` error naming the model, unless `repeat` is set. Streams honour the signal:
 * aborting during a `chunkDelayMs` wait ends the call with `ABORTED` at once.
 *
 * @example
 * ```ts
 * import { createScriptedModel } from '@tinyllm/core/testing';
 *
 * const model = createScriptedModel({
 *   script: [
 *     { error: { code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 100 } },
 *     { text: ['Hel', 'lo'] },
 *     { toolCalls: [{ name: 'get_weather', arguments: { city: 'Oslo' } }] },
 *     (request) => ({ text: `You said ${request.messages.length} messages` }),
 *   ],
 * });
 * await expect(model.chat(request)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
 * expect((await model.chat(request)).text).toBe('Hello');
 * expect(model.calls).toHaveLength(2);
 * ```
 */
export function createScriptedModel(settings: ScriptedModelSettings): ScriptedModel {
  const provider = settings.provider ?? 'scripted';
  const modelId = settings.modelId ?? 'scripted-model';
  const context = { provider, modelId };
  const calls: ChatRequest[] = [];
  const { script } = settings;

  async function* play(
    request: ChatRequest,
    { signal }: { signal: AbortSignal },
  ): AsyncGenerator<ProviderStreamEvent> {
    const callIndex = calls.length;
    calls.push(request);
    if (script.length === 0 || (callIndex >= script.length && !settings.repeat)) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: `Scripted model "${modelId}" received call #${callIndex + 1}, but its script has only ${script.length} turn(s).`,
        retryable: false,
        ...context,
      });
    }
    const entry = script[callIndex % script.length]!;
    const turn: ScriptedReply =
      typeof entry === 'function' ? await entry(request, callIndex) : entry;
    const delay = turn.chunkDelayMs ?? 0;

    if (turn.reasoning !== undefined) {
      for (const chunk of chunksOf(turn.reasoning)) {
        if (delay > 0) await sleep(delay, signal, context);
        yield { type: 'reasoning-delta', text: chunk };
      }
    }
    if (turn.text !== undefined) {
      for (const chunk of chunksOf(turn.text)) {
        if (delay > 0) await sleep(delay, signal, context);
        yield { type: 'text-delta', text: chunk };
      }
    }
    if (turn.toolCalls) {
      let index = 0;
      for (const call of turn.toolCalls) {
        if (delay > 0) await sleep(delay, signal, context);
        yield {
          type: 'tool-call',
          toolCall: {
            id: call.id ?? `call_${callIndex}_${index}`,
            name: call.name,
            arguments: call.arguments,
          },
        };
        index++;
      }
    }
    if (delay > 0) await sleep(delay, signal, context);
    if (turn.error) throw toError(turn.error, context);
    const usage: Usage | undefined = turn.usage && {
      inputTokens: turn.usage.inputTokens,
      outputTokens: turn.usage.outputTokens,
      totalTokens: turn.usage.totalTokens ?? turn.usage.inputTokens + turn.usage.outputTokens,
      estimated: false,
      ...(turn.usage.cachedInputTokens === undefined
        ? {}
        : { cachedInputTokens: turn.usage.cachedInputTokens }),
    };
    const finishReason: FinishReason =
      turn.finishReason ?? (turn.toolCalls?.length ? 'tool-calls' : 'stop');
    yield usage ? { type: 'finish', finishReason, usage } : { type: 'finish', finishReason };
  }

  const model = defineChatModel({
    ...context,
    capabilities: settings.capabilities ?? { streaming: true, tools: true },
    doStream: play,
  });
  return Object.assign(model, { calls });
}

function chunksOf(value: string | readonly string[]): readonly string[] {
  return typeof value === 'string' ? [value] : value;
}

function toError(
  error: ScriptedError,
  context: { provider: string; modelId: string },
): TinyLLMError {
  if (TinyLLMError.isInstance(error)) return error;
  return new TinyLLMError({ ...context, ...error });
}

/** Sleeps `ms`, rejecting with `ABORTED` as soon as `signal` fires. */
function sleep(
  ms: number,
  signal: AbortSignal,
  context: { provider: string; modelId: string },
): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortedError(signal, context));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal, context));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
