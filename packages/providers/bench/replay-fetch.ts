/**
 * The in-process replay behind the bench's reference rows: one response recorded from the real
 * test server, served again by a `fetch` with no socket, one wire frame per read and each read a
 * macrotask after the last (as paced tokens arrive from the network). Both sides of a row run
 * through it, so the rows measure the adapter's own work against the client's without the
 * sockets and the server process, whose cost and scheduling swing the paced rows by ±10% on a
 * 2-core machine.
 */
import { setImmediate as nextMacrotask } from 'node:timers/promises';

/** A recorded response: status, headers and the body cut into wire frames. */
export interface RecordedResponse {
  status: number;
  headers: [string, string][];
  frames: Uint8Array[];
}

const encoder = new TextEncoder();

/**
 * Records the first response `send` gets through the returned fetch, cutting its body at
 * `delimiter` (`\n\n` for SSE, `\n` for NDJSON); the frame keeps its delimiter.
 */
export async function recordResponse(
  delimiter: string,
  send: (fetch: typeof globalThis.fetch) => Promise<void>,
): Promise<RecordedResponse> {
  let recorded: RecordedResponse | undefined;
  await send(async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const text = await response.text();
    const pieces = text.split(delimiter).filter((piece) => piece.length > 0);
    const headers: [string, string][] = [];
    response.headers.forEach((value, name) => {
      if (name !== 'content-length') headers.push([name, value]);
    });
    recorded ??= {
      status: response.status,
      headers,
      frames: pieces.map((piece) => encoder.encode(piece + delimiter)),
    };
    return new Response(text, { status: response.status, headers: response.headers });
  });
  if (!recorded) throw new Error('no response was recorded');
  return recorded;
}

/** A fetch that answers every request with `recorded`, one frame per read. */
export function replayFetch(recorded: RecordedResponse): typeof globalThis.fetch {
  return async () => {
    let index = 0;
    // Set when the reader lets go while a read waits (cancelled after its end marker). Checked
    // rather than caught: close() on a cancelled stream throws a Node error with its stack, which
    // was charged to whichever side cancels (the adapters do, at `[DONE]`; the clients read on to
    // the body's end): 1.4% of the Hugging Face adapter's CPU in a profile of 3,000 replays.
    let cancelled = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        await nextMacrotask();
        if (cancelled) return;
        if (index < recorded.frames.length) controller.enqueue(recorded.frames[index++]!);
        else controller.close();
      },
      cancel() {
        cancelled = true;
      },
    });
    return new Response(body, { status: recorded.status, headers: recorded.headers });
  };
}
