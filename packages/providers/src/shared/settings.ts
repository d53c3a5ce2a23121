/**
 * The settings shape shared by every remote adapter, and helpers to apply it.
 */
import type { TimeoutSettings } from './request-timeouts';

/** Settings every remote adapter accepts. */
export interface RemoteProviderSettings extends TimeoutSettings {
  /** Server URL. Each adapter documents its default. */
  baseURL?: string;
  /**
   * API key or token, sent as a bearer token. Read lazily on each request, falling back to the
   * adapter's environment variable, so a key rotated in the environment is picked up.
   */
  apiKey?: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** A `fetch` implementation to use instead of the global one (proxies, tests, tracing). */
  fetch?: typeof globalThis.fetch;
}

/** Reads `explicit`, else the environment variable `name` (when there is an environment). */
export function resolveApiKey(explicit: string | undefined, name: string): string | undefined {
  if (explicit !== undefined && explicit.length > 0) return explicit;
  const env = typeof process === 'undefined' ? undefined : process.env[name];
  return env !== undefined && env.length > 0 ? env : undefined;
}

/** Removes trailing slashes so paths can be appended with one `/`. */
export function withoutTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Wraps `fetch` so every request also stops when `signal` fires, whatever signal the caller of
 * fetch (an SDK) passed. This is how we abort SDK calls that take no signal.
 *
 * With `abort` (which aborts `signal`, a signal of one request), the SDK's signal is linked into
 * `signal` by one listener and the request carries `signal`; otherwise the two are combined with
 * `AbortSignal.any` (safe for a long-lived `signal`, but ~18 µs per request on node 20).
 */
export function fetchWithSignal(
  fetchImplementation: typeof globalThis.fetch,
  signal: AbortSignal,
  abort?: (reason: unknown) => void,
): typeof globalThis.fetch {
  return (input, init) => {
    const own = init?.signal;
    if (!own) return fetchImplementation(input, { ...init, signal });
    if (abort) {
      if (own.aborted) abort(own.reason);
      else own.addEventListener('abort', () => abort(own.reason), { once: true });
      return fetchImplementation(input, { ...init, signal });
    }
    return fetchImplementation(input, { ...init, signal: AbortSignal.any([own, signal]) });
  };
}
