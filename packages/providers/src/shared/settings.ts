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
 */
export function fetchWithSignal(
  fetchImplementation: typeof globalThis.fetch,
  signal: AbortSignal,
): typeof globalThis.fetch {
  return (input, init) => {
    const own = init?.signal;
    const combined = own ? AbortSignal.any([own, signal]) : signal;
    return fetchImplementation(input, { ...init, signal: combined });
  };
}
