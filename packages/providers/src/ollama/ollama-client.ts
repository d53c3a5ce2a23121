/**
 * The `ollama` client, configured once per provider and shared by chat and model management.
 *
 * The client makes every request, but failed responses never reach it: the injected fetch turns
 * them into typed errors first. That keeps `Retry-After` (the client drops headers) and keeps
 * the client's `console.log` calls on non-JSON error bodies out of the app's console.
 */
import { redactKnownSecrets } from '@tinyllm/core';
import type { Ollama } from 'ollama';
import { parseErrorText } from '../shared/http-errors';
import { lazyDependency } from '../shared/load-dependency';
import {
  type RemoteProviderSettings,
  fetchWithSignal,
  resolveApiKey,
  withoutTrailingSlash,
} from '../shared/settings';
import { mapOllamaError } from './ollama-errors';

/** The provider id of the Ollama adapter. */
export const ollamaProviderId = 'ollama';

/** Default Ollama server address. */
export const defaultOllamaBaseURL = 'http://127.0.0.1:11434';

/** Loads the `ollama` package on first use (optional peer dependency). */
export const loadOllama = lazyDependency('ollama', ollamaProviderId, () => import('ollama'));

/** Options of one client. */
export interface OllamaClientOptions {
  /** Named in errors. */
  modelId?: string;
  /** The key to send (resolve it once per request with {@link OllamaClientFactory.apiKey}). */
  apiKey?: string;
  /** Called as each request goes out (starts the first-byte clock). */
  onRequest?: () => void;
  /** Sees every successful response (the chat stream reads its body itself). */
  onResponse?: (response: Response) => void;
  /**
   * Aborts the `signal` given to `create` (it belongs to this request alone). The client's own
   * signal is then linked into it with one listener, instead of `AbortSignal.any`, which cost
   * ~18 µs per request plus weak references for the GC to trace (bench/).
   */
  abort?: (reason: unknown) => void;
}

/** Creates configured clients. */
export interface OllamaClientFactory {
  /** The API key a request sends now: `apiKey`, else `OLLAMA_API_KEY` (read on each call). */
  apiKey(): string | undefined;
  /** A client whose requests all stop when `signal` fires; failed responses throw typed errors. */
  create(signal: AbortSignal, options?: OllamaClientOptions): Promise<Ollama>;
}

/** Creates the client factory of an Ollama provider. */
export function createOllamaClientFactory(settings: RemoteProviderSettings): OllamaClientFactory {
  const host = withoutTrailingSlash(settings.baseURL ?? defaultOllamaBaseURL);
  const baseFetch = settings.fetch ?? globalThis.fetch;
  const apiKey = (): string | undefined => resolveApiKey(settings.apiKey, 'OLLAMA_API_KEY');
  return {
    apiKey,
    async create(signal, options = {}) {
      const { Ollama } = await loadOllama();
      const key = options.apiKey ?? apiKey();
      const context = {
        provider: ollamaProviderId,
        ...(options.modelId ? { modelId: options.modelId } : {}),
      };
      const checked: typeof globalThis.fetch = async (input, init) => {
        options.onRequest?.();
        const response = await baseFetch(input, init);
        if (!response.ok) {
          let text = '';
          try {
            text = await response.text();
          } catch {
            // a body we cannot read still has a status
          }
          const parsed = parseErrorText(text);
          const failure = Object.assign(new Error(parsed.message ?? `HTTP ${response.status}`), {
            status_code: response.status,
          });
          throw redactKnownSecrets(
            mapOllamaError(failure, { ...context, headers: response.headers }),
            [key],
          );
        }
        options.onResponse?.(response);
        return response;
      };
      return new Ollama({
        host,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...settings.headers },
        // The client takes no signal for non-streaming calls: the injected fetch adds ours.
        fetch: fetchWithSignal(checked, signal, options.abort),
      });
    },
  };
}
