/** `rotateKey()`: moves every writable API key to the first configured encryption key. */
import { TinyLLMError } from '@tinyllm/core';
import { canWrite } from '../storage/shared';
import type { RegistryContext } from './context';

/** Creates `rotateKey()` on a shared context. */
export function createKeyRotation(context: RegistryContext) {
  const { storage, scope, box } = context;
  return async function rotateKey(): Promise<{ rotated: number }> {
    const primary = box.primaryKeyId;
    if (primary === undefined) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: 'rotateKey() needs at least one configured key.',
        path: 'keys',
      });
    }
    let rotated = 0;
    for (const model of await context.listAll({})) {
      if (model.apiKey === null || model.apiKey.keyId === primary) continue;
      if (!canWrite(model.ownerId, scope)) continue;
      const plaintext = box.decrypt(model.apiKey, model.id);
      await storage.replaceModel(
        {
          ...model,
          apiKey: box.encrypt(plaintext, model.id),
          updatedAt: context.now(),
          revision: model.revision + 1,
        },
        model.revision,
        scope,
      );
      rotated += 1;
    }
    return { rotated };
  };
}
