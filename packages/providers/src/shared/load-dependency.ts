/**
 * Lazy loading of optional peer dependencies (the provider SDKs), so importing one adapter
 * never loads another's SDK and a missing SDK is a clear, typed error.
 */
import { TinyLLMError } from '@tinyllm/core';

const moduleNotFoundCodes = new Set(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND']);

/** True when `error` says a module could not be resolved. */
export function isModuleNotFound(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  const message = (error as { message?: unknown }).message;
  if (typeof code === 'string' && moduleNotFoundCodes.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Cannot find (module|package)|Failed to (resolve|load)/i.test(message) &&
    message.includes(packageName)
  );
}

/**
 * Imports an optional peer dependency once. `load` must be a literal `() => import('pkg')` so
 * bundlers see the specifier. A missing package becomes `MISSING_DEPENDENCY` naming it.
 */
export function lazyDependency<Module>(
  packageName: string,
  provider: string,
  load: () => Promise<Module>,
): () => Promise<Module> {
  let loading: Promise<Module> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      if (isModuleNotFound(error, packageName)) {
        throw new TinyLLMError({
          code: 'MISSING_DEPENDENCY',
          message: `The ${provider} adapter needs the optional package "${packageName}". Install it: npm install ${packageName}`,
          provider,
          retryable: false,
          details: { packageName },
          cause: error,
        });
      }
      throw error;
    });
    return loading;
  };
}
