/**
 * Stream helpers are functions over any stream of events rather than methods on `ChatStream`,
 * so streams from third-party `ChatModel`s work with them too.
 */

/** Anything with the event shape: a `ChatStream`, `streamTools()`'s events, a parsed SSE stream. */
export interface StreamEventLike {
  type: string;
}

/**
 * The text of a stream, delta by delta (`text-delta` events only; reasoning and tool calls are
 * skipped). Stopping early stops the underlying request.
 *
 * @example
 * ```ts
 * for await (const text of textStream(model.stream(request))) process.stdout.write(text);
 * ```
 */
export async function* textStream(
  events: AsyncIterable<StreamEventLike>,
): AsyncGenerator<string, void, undefined> {
  for await (const event of events) {
    if (event.type === 'text-delta') yield (event as StreamEventLike & { text: string }).text;
  }
}
