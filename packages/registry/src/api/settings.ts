/** Settings of `createRegistry()`. */
import type { EncryptionKey } from '../secrets';
import type { StorageAdapter } from '../storage/types';

/** Result shape of a config validator (that of `validateConfig` in @tinyllm/config-builder). */
export interface ConfigValidationResult {
  valid: boolean;
  errors: ReadonlyArray<{ path: string; code: string; message: string }>;
  warnings: ReadonlyArray<{ path: string; code: string; message: string }>;
}

/** Settings of {@link createRegistry}. */
export interface RegistrySettings {
  storage: StorageAdapter;
  /**
   * Whose registry this is. A string: that user's view (global models plus their own; they may
   * change only their own). Omitted or `null`: the global view. `'*'`: administration (every
   * owner's records, e.g. for `rotateKey()`).
   */
  ownerId?: string | null;
  /** The key API keys are encrypted with (32 bytes, base64 or hex). Shorthand for `keys`. */
  encryptionKey?: string | Uint8Array;
  /**
   * Several keys for rotation: the first encrypts, all decrypt. Default: `encryptionKey`, else
   * the `TINYLLM_REGISTRY_KEY` environment variable.
   */
  keys?: EncryptionKey[];
  /** Hub URL for `importFromHub()`. Default `https://huggingface.co`. */
  hubUrl?: string;
  /** Fetch used for Hub requests. */
  fetch?: typeof globalThis.fetch;
  /** Validates saved training configs. Default: `validateConfig` of @tinyllm/config-builder. */
  validateConfig?: (config: unknown) => ConfigValidationResult;
  /** Called with errors of usage recording from hooks (hooks must never throw). */
  onHookError?: (error: unknown) => void;
  /** Clock, for tests. */
  now?: () => Date;
}
