/**
 * Models the router looks up on every request, by name, for names its `models` map does not
 * hold: how a registry's `name@production` reaches the router without core depending on the
 * registry, and why a promotion applies to the next request without a restart.
 */
import { TinyLLMError, toTinyLLMError } from '../errors';
import type { ChatModel } from '../model';

/**
 * Returns the model `name` stands for now, or `undefined` when there is none. Called once per
 * request (and per fallback step), never cached by the router, so the resolver decides what to
 * cache (e.g. one model per registry record revision).
 */
export type ModelResolver = (
  name: string,
) => ChatModel | undefined | Promise<ChatModel | undefined>;

/** Runs `resolver` for `name`: MODEL_NOT_FOUND when it has no such model, typed errors otherwise. */
export async function resolveWithResolver(
  resolver: ModelResolver,
  name: string,
): Promise<ChatModel> {
  let model: ChatModel | undefined;
  try {
    model = await resolver(name);
  } catch (error) {
    throw toTinyLLMError(error, {
      code: 'INVALID_CONFIG',
      message: `Resolving the model "${name}" failed: ${error instanceof Error ? error.message : String(error)}`,
      retryable: false,
    });
  }
  if (model === undefined) {
    throw new TinyLLMError({
      code: 'MODEL_NOT_FOUND',
      message: `No model named "${name}" is configured or resolvable.`,
      retryable: false,
      details: { modelName: name },
    });
  }
  return model;
}
