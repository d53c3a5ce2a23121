/**
 * Retry timing: exponential backoff with full jitter, and an abortable sleep.
 *
 * Written here rather than taken from a retry library because the router needs three things
 * together that the usual ones (p-retry, async-retry) do not offer at once: the server's
 * `retryAfterMs` as a floor, an injectable sleep/random for deterministic tests, and fallback
 * to another model instead of rethrowing. The arithmetic is a few lines.
 */
import { abortedError } from '../errors';

/** Retry settings of the router. */
export interface RetryOptions {
  /** Retries after the first attempt of each model (so `maxRetries + 1` attempts). Default 2. */
  maxRetries: number;
  /** Backoff before the first retry, before jitter. Default 500 ms. */
  initialDelayMs: number;
  /** Upper bound of the backoff, before jitter. Default 10 000 ms. */
  maxDelayMs: number;
  /** Growth of the backoff per retry. Default 2. */
  factor: number;
  /**
   * Full jitter: wait a uniformly random time in `[0, backoff)`, which spreads out clients that
   * failed together. Default `true`.
   */
  jitter: boolean;
  /**
   * The longest wait a server's `retryAfterMs` can impose. A longer request is honoured only up
   * to this bound. Default 30 000 ms.
   */
  maxRetryAfterMs: number;
}

/** The default {@link RetryOptions}. */
export const defaultRetryOptions: Readonly<RetryOptions> = Object.freeze({
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: true,
  maxRetryAfterMs: 30_000,
});

/**
 * The delay before retry number `retryIndex` (0 for the first retry): the exponential backoff
 * `min(maxDelayMs, initialDelayMs * factor^retryIndex)`, jittered in full when `jitter` is set,
 * and never less than the server's `retryAfterMs` (itself capped at `maxRetryAfterMs`).
 */
export function computeRetryDelay(
  retryIndex: number,
  options: RetryOptions,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const backoff = Math.min(
    options.maxDelayMs,
    options.initialDelayMs * options.factor ** retryIndex,
  );
  let delay = options.jitter ? Math.floor(random() * backoff) : backoff;
  if (retryAfterMs !== undefined && retryAfterMs > 0)
    delay = Math.max(delay, Math.min(retryAfterMs, options.maxRetryAfterMs));
  return Math.max(0, delay);
}

/** A sleep the router can be given; it should reject when `signal` fires. */
export type SleepFunction = (ms: number, signal?: AbortSignal) => Promise<void>;

/** Sleeps `ms` milliseconds; rejects with `ABORTED` (and clears its timer) when `signal` fires. */
export const sleep: SleepFunction = (ms, signal) => {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
};

/**
 * Runs an injected sleep so that it ends with `ABORTED` as soon as `signal` fires, even if the
 * injected function ignores the signal.
 */
export function abortableSleep(
  sleepFunction: SleepFunction,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  if (!signal) return sleepFunction(ms);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(abortedError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    sleepFunction(ms, signal).then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortedError(signal) : error);
      },
    );
  });
}
