/**
 * A Web `ReadableStream` over any event stream, for APIs that take one (`Response`, `pipeTo`,
 * transferable streams). Pull-based: an event is read from the source only when the consumer
 * asks, and cancelling the stream stops the source (which ends the model's request).
 */
import type { StreamEventLike } from './text-stream';

/** The events of `events` as a Web `ReadableStream`. */
export function toReadableStream<Event extends StreamEventLike>(
  events: AsyncIterable<Event>,
): ReadableStream<Event> {
  let iterator: AsyncIterator<Event> | undefined;
  return new ReadableStream<Event>(
    {
      async pull(controller) {
        iterator ??= events[Symbol.asyncIterator]();
        const step = await iterator.next();
        if (step.done) controller.close();
        else controller.enqueue(step.value);
      },
      async cancel() {
        await iterator?.return?.();
      },
    },
    // One event at a time: the source is not read ahead of the consumer.
    { highWaterMark: 0 },
  );
}
