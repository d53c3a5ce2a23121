/**
 * Loads an optional package on first use, so it stays off core's import path and apps that do
 * not need it need not install it. A missing package is a `MISSING_DEPENDENCY` error naming it.
 */
import { TinyLLMError } from '../errors';

export async function loadOptional<Module>(
  name: string,
  load: () => Promise<Module>,
  purpose: string,
): Promise<Module> {
  try {
    return await load();
  } catch (error) {
    throw new TinyLLMError({
      code: 'MISSING_DEPENDENCY',
      message: `${purpose} needs the package "${name}": install it (npm install ${name}).`,
      retryable: false,
      details: { package: name },
      cause: error,
    });
  }
}
