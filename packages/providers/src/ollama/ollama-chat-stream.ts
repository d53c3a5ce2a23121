/**
 * Reading Ollama's `/api/chat` NDJSON stream into provider events.
 *
 * We parse the stream ourselves rather than iterate the `ollama` client's: the client (0.6.4)
 * skips a line that is not JSON, losing text without an error (so no fallback), and prints the
 * raw line (model output) with `console.warn`. Here a malformed line is a GENERATION_FAILED and
 * nothing is printed. Reading the body directly also drops two async layers per token.
 */
import {
  HermesToolCallParser,
  type ProviderStreamEvent,
  TinyLLMError,
  type Usage,
  createToolCallId,
  normalizeToolCallPayload,
} from '@tinyllm/core';
import { type BodyEventsOptions, type BodyFormat, readBodyEvents } from '../shared/body-events';
import { Utf8ChunkDecoder } from '../shared/utf8-chunks';
import {
  type ErrorContext,
  isContextOverflowMessage,
  streamEndedEarlyError,
} from '../shared/http-errors';
import { type OllamaChatChunk, ollamaChatChunkSchema } from './ollama-schemas';

/** Server-side durations Ollama reports at the end of a response, in milliseconds. */
export interface OllamaServerTimings {
  totalMs: number | undefined;
  loadMs: number | undefined;
  promptEvalMs: number | undefined;
  evalMs: number | undefined;
  promptTokens: number | undefined;
  outputTokens: number | undefined;
}

/**
 * The hot path: most lines carry only a piece of text. This guard accepts exactly those
 * (`done: false`, a message whose only non-empty field besides `role` is a string `content`)
 * and returns the text; anything else goes through the zod schema, which on every token cost
 * about as much as the rest of the adapter together (see bench/).
 */
export function plainContentChunk(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const chunk = value as { done?: unknown; message?: unknown };
  if (chunk.done !== false) return undefined;
  const message = chunk.message as Record<string, unknown> | null | undefined;
  if (typeof message !== 'object' || message === null) return undefined;
  let text: string | undefined;
  for (const key in message) {
    const field = message[key];
    if (key === 'content') {
      if (typeof field !== 'string') return undefined;
      text = field;
    } else if (key === 'role' || key === 'images') {
      // not read
    } else if (field !== null && field !== undefined && field !== '') return undefined;
  }
  return text;
}

const nanosecondsToMs = (value: number | null | undefined): number | undefined =>
  value === null || value === undefined ? undefined : value / 1e6;

/** Converts Ollama's nanosecond durations to milliseconds. */
export function toServerTimings(chunk: OllamaChatChunk): OllamaServerTimings {
  return {
    totalMs: nanosecondsToMs(chunk.total_duration),
    loadMs: nanosecondsToMs(chunk.load_duration),
    promptEvalMs: nanosecondsToMs(chunk.prompt_eval_duration),
    evalMs: nanosecondsToMs(chunk.eval_duration),
    promptTokens: chunk.prompt_eval_count ?? undefined,
    outputTokens: chunk.eval_count ?? undefined,
  };
}

/** Options of {@link readOllamaChatStream}. */
export interface OllamaChatStreamOptions extends BodyEventsOptions {
  /** Parse `<tool_call>`/`<think>` text in the content. */
  parseTextToolCalls: boolean;
  onServerTimings?: ((timings: OllamaServerTimings) => void) | undefined;
}

const newline = '\n';

/**
 * Reads an NDJSON chat body. Lines that arrived in one network read become one batch of events
 * (consecutive text merged). A line that is not a chat chunk fails with GENERATION_FAILED after
 * the events before it; a body that ends before `done: true` fails with PROVIDER_UNAVAILABLE.
 * The reader is cancelled (closing the connection) whenever iteration stops early. The read loop
 * is the shared `readBodyEvents`; this file only decodes lines.
 */
export function readOllamaChatStream(
  source: ReadableStream<Uint8Array> | (() => Promise<ReadableStream<Uint8Array>>),
  options: OllamaChatStreamOptions,
): AsyncIterableIterator<ProviderStreamEvent> {
  const context: ErrorContext = {
    provider: options.provider,
    ...(options.modelId ? { modelId: options.modelId } : {}),
  };
  const textParser = options.parseTextToolCalls ? new HermesToolCallParser() : undefined;
  let sawToolCall = false;
  let finished = false;

  const pushText = (text: string, events: ProviderStreamEvent[]): void => {
    if (!textParser) {
      events.push({ type: 'text-delta', text });
      return;
    }
    for (const event of textParser.push(text)) {
      if (event.type === 'tool-call') sawToolCall = true;
      events.push(event);
    }
  };

  const malformed = (line: string, cause?: unknown): TinyLLMError =>
    new TinyLLMError({
      ...context,
      code: 'GENERATION_FAILED',
      message: `${options.provider} sent a malformed stream line: ${line.slice(0, 200)}`,
      ...(cause === undefined ? {} : { cause }),
    });

  const handleLine = (line: string, events: ProviderStreamEvent[]): void => {
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (error) {
      throw malformed(line, error);
    }
    const text = plainContentChunk(raw);
    if (text !== undefined) {
      if (text.length > 0) pushText(text, events);
      return;
    }
    if (typeof raw === 'object' && raw !== null && 'error' in raw) {
      // Ollama reports a failure after the stream started as an `{"error": "..."}` line.
      const message = String((raw as { error: unknown }).error);
      throw new TinyLLMError({
        ...context,
        code: isContextOverflowMessage(message) ? 'CONTEXT_LENGTH_EXCEEDED' : 'GENERATION_FAILED',
        message: `${options.provider} failed: ${message}`,
      });
    }
    const parsed = ollamaChatChunkSchema.safeParse(raw);
    if (!parsed.success) throw malformed(line, parsed.error);
    const chunk = parsed.data;
    const message = chunk.message;
    if (message?.thinking) events.push({ type: 'reasoning-delta', text: message.thinking });
    if (message?.content) pushText(message.content, events);
    for (const call of message?.tool_calls ?? []) {
      // Ollama sends each tool call complete in one chunk, usually without an id.
      const normalized = normalizeToolCallPayload({
        name: call.function.name,
        arguments: call.function.arguments ?? {},
      });
      if ('error' in normalized) {
        events.push({
          type: 'tool-call-error',
          invalidToolCall: {
            raw: JSON.stringify(call.function),
            message: normalized.error,
            name: call.function.name,
          },
        });
      } else {
        sawToolCall = true;
        events.push({
          type: 'tool-call',
          toolCall: { id: call.id || createToolCallId(), ...normalized },
        });
      }
    }
    if (!chunk.done) return;
    if (textParser) {
      for (const event of textParser.flush()) {
        if (event.type === 'tool-call') sawToolCall = true;
        events.push(event);
      }
    }
    options.onServerTimings?.(toServerTimings(chunk));
    const usage: Usage | undefined =
      chunk.eval_count === null || chunk.eval_count === undefined
        ? undefined
        : {
            inputTokens: chunk.prompt_eval_count ?? 0,
            outputTokens: chunk.eval_count,
            totalTokens: (chunk.prompt_eval_count ?? 0) + chunk.eval_count,
            estimated: false,
          };
    const reason = chunk.done_reason ?? 'stop';
    finished = true;
    events.push({
      type: 'finish',
      finishReason:
        reason === 'length'
          ? 'length'
          : reason === 'stop'
            ? sawToolCall
              ? 'tool-calls'
              : 'stop'
            : 'other',
      ...(usage ? { usage } : {}),
    });
  };

  const decoder = new Utf8ChunkDecoder();
  let buffer = '';
  // Handles the complete lines of `buffer` (all of it when `final`); a failure is returned, to
  // be raised after the events before it.
  const handleLines = (events: ProviderStreamEvent[], final: boolean): unknown => {
    let start = 0;
    try {
      for (
        let end = buffer.indexOf(newline);
        end !== -1 && !finished;
        end = buffer.indexOf(newline, start)
      ) {
        const line = buffer.slice(start, end);
        start = end + 1;
        if (line.trim().length > 0) handleLine(line, events);
      }
      if (final && !finished && buffer.slice(start).trim().length > 0)
        handleLine(buffer.slice(start), events);
    } catch (error) {
      return error;
    } finally {
      buffer = buffer.slice(start);
    }
    return undefined;
  };
  const format: BodyFormat = {
    get complete() {
      return finished;
    },
    decode(bytes, events) {
      if (bytes === undefined) {
        buffer += decoder.flush();
        return handleLines(events, true);
      }
      buffer += decoder.decode(bytes);
      return handleLines(events, false);
    },
    close() {
      if (!finished) throw streamEndedEarlyError(context);
    },
  };
  return readBodyEvents(source, format, options);
}
