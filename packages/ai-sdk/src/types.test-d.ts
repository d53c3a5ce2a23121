import type { ChatModel } from '@tinyllm/core';
import type { LanguageModel as LanguageModel5 } from 'ai-v5';
import type { LanguageModel as LanguageModel6 } from 'ai-v6';
import { describe, expectTypeOf, it } from 'vitest';
import { toLanguageModel } from './index';

declare const model: ChatModel;

describe('toLanguageModel types', () => {
  it('gives ai 6 a V3 model and ai 5 a V2 model, with no cast', () => {
    const six: LanguageModel6 = toLanguageModel(model);
    const five: LanguageModel5 = toLanguageModel(model, { specificationVersion: 'v2' });
    // @ts-expect-error ai 5 refuses V3 models, and so do its types.
    const refused: LanguageModel5 = toLanguageModel(model);
    expectTypeOf(six).not.toBeAny();
    expectTypeOf(five).not.toBeAny();
    expectTypeOf(refused).not.toBeAny();
  });
});
