/**
 * What differs between the V2 spec (`ai` 5) and the V3 spec (`ai` 6 and 7): finish reasons,
 * usage and warnings. Everything else (prompt, content, stream parts) has one shape.
 */
import type {
  LanguageModelV3FinishReason,
  LanguageModelV3Usage,
  SharedV3Warning,
} from '@ai-sdk/provider';
import type {
  LanguageModelV2CallWarning,
  LanguageModelV2FinishReason,
  LanguageModelV2Usage,
} from 'ai-sdk-provider-v2';
import type { FinishReason, Usage } from '@tinyllm/core';
import type { Unsupported } from './call-options';

/** One spec version's mappings. */
export interface SpecMapping<F, U, W> {
  finishReason(reason: FinishReason): F;
  usage(usage: Usage): U;
  warning(unsupported: Unsupported): W;
}

export const v3: SpecMapping<LanguageModelV3FinishReason, LanguageModelV3Usage, SharedV3Warning> = {
  finishReason: (reason) => ({ unified: reason, raw: reason }),
  usage: (usage) => ({
    inputTokens: {
      total: usage.inputTokens,
      noCache: usage.inputTokens - (usage.cachedInputTokens ?? 0),
      cacheRead: usage.cachedInputTokens,
      cacheWrite: undefined,
    },
    outputTokens: { total: usage.outputTokens, text: usage.outputTokens, reasoning: undefined },
    raw: {
      inputTokens: usage.inputTokens,
      outputTokens: usage.outputTokens,
      totalTokens: usage.totalTokens,
      ...(usage.cachedInputTokens === undefined
        ? {}
        : { cachedInputTokens: usage.cachedInputTokens }),
      estimated: usage.estimated,
    },
  }),
  warning: (unsupported) =>
    unsupported.kind === 'setting'
      ? { type: 'unsupported', feature: unsupported.setting }
      : { type: 'unsupported', feature: `tool ${unsupported.name}`, details: unsupported.details },
};

export const v2: SpecMapping<
  LanguageModelV2FinishReason,
  LanguageModelV2Usage,
  LanguageModelV2CallWarning
> = {
  finishReason: (reason) => reason,
  usage: (usage) => ({
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    totalTokens: usage.totalTokens,
    ...(usage.cachedInputTokens === undefined
      ? {}
      : { cachedInputTokens: usage.cachedInputTokens }),
  }),
  warning: (unsupported) =>
    unsupported.kind === 'setting'
      ? { type: 'unsupported-setting', setting: unsupported.setting }
      : { type: 'other', message: `Tool ${unsupported.name}: ${unsupported.details}` },
};
