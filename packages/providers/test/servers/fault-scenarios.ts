/**
 * Faults both local servers can play, for the remote fault matrix (see test/fault-matrix/).
 */
import type { ServerResponse } from 'node:http';
import type { RecordedRequest } from './http-test-server';

/** A fault a server plays on a chat request. */
export type FaultScenario =
  /** Read the request, then never answer (not even headers) until the client goes away. */
  | { kind: 'silent' }
  /** Answer and stream `chunks`, then go silent without ending the response. */
  | { kind: 'stall'; chunks: string[] }
  /** Fail with `status` and an error body that repeats the bearer key the client sent. */
  | { kind: 'echo-key'; status: number }
  /** Stream `chunks`, then a frame that is not JSON, then more text and a proper end. */
  | { kind: 'malformed'; chunks: string[] }
  /** Stream `chunks` with `delayMs` between them, then finish normally. */
  | { kind: 'slow-text'; chunks: string[]; delayMs: number };

/** The bearer key of a recorded request ('' when none). */
export function bearerKey(request: RecordedRequest): string {
  const header = request.headers.authorization;
  const value = Array.isArray(header) ? header[0] : header;
  return value?.replace(/^Bearer\s+/i, '') ?? '';
}

/** Keeps a response open, sending nothing, until the client closes it. */
export function holdOpen(response: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (response.destroyed) resolve();
    else response.on('close', () => resolve());
  });
}
