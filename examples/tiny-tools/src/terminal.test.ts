import type { ChatResponse } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import {
  createLoadProgressPrinter,
  formatProgressBar,
  formatUsage,
  summarizeUsage,
} from './terminal';

function response(
  usage: { inputTokens: number; outputTokens: number; cachedInputTokens?: number },
  timings: ChatResponse['timings'],
): ChatResponse {
  return {
    text: '',
    toolCalls: [],
    invalidToolCalls: [],
    finishReason: 'stop',
    usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens, estimated: false },
    timings,
    provider: 'test',
    modelId: 'test',
  } as unknown as ChatResponse;
}

describe('formatProgressBar', () => {
  it('fills the bar in proportion and clamps out-of-range figures', () => {
    expect(formatProgressBar(0, 4_000_000)).toBe(`[${'.'.repeat(24)}]   0% 0.0/4.0 MB`);
    expect(formatProgressBar(1_000_000, 4_000_000)).toBe(
      `[${'#'.repeat(6)}${'.'.repeat(18)}]  25% 1.0/4.0 MB`,
    );
    expect(formatProgressBar(9, 4)).toContain(`[${'#'.repeat(24)}] 100%`);
    expect(formatProgressBar(5, 0)).toContain('  0%');
  });
});

describe('createLoadProgressPrinter', () => {
  it('prints one line per quarter when the output is not a terminal', () => {
    let text = '';
    const print = createLoadProgressPrinter({ write: (chunk) => (text += chunk) });
    print({ type: 'load-start', modelId: 'tiny', estimatedBytes: 0 });
    for (let loaded = 0; loaded <= 100; loaded += 5) {
      print({
        type: 'load-progress',
        modelId: 'tiny',
        progress: {
          status: 'progress-total',
          loadedBytes: loaded,
          totalBytes: 100,
          progress: loaded,
        },
      });
    }
    print({ type: 'load-end', modelId: 'tiny', durationMs: 12.3, memoryBytes: 4_400_000 });
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('loading tiny');
    expect(lines.filter((line) => line.includes('['))).toHaveLength(5);
    expect(lines.at(-1)).toBe('loaded tiny in 12 ms (4.4 MB)');
  });

  it('redraws one line on a terminal', () => {
    let text = '';
    const print = createLoadProgressPrinter({ write: (chunk) => (text += chunk), isTTY: true });
    for (const loaded of [10, 60, 100]) {
      print({
        type: 'load-progress',
        modelId: 'tiny',
        progress: {
          status: 'progress-total',
          loadedBytes: loaded,
          totalBytes: 100,
          progress: loaded,
        },
      });
    }
    expect(text.split('\r')).toHaveLength(4);
    expect(text).not.toContain('\n');
  });
});

describe('summarizeUsage and formatUsage', () => {
  it('sums tokens over the steps of one answer and weighs tokens/s by generation time', () => {
    const usage = summarizeUsage([
      response(
        { inputTokens: 400, outputTokens: 20 },
        { timeToFirstTokenMs: 40, totalMs: 240, tokensPerSecond: 100 },
      ),
      response(
        { inputTokens: 430, outputTokens: 10, cachedInputTokens: 415 },
        { timeToFirstTokenMs: 30, totalMs: 130, tokensPerSecond: 50 },
      ),
    ]);
    expect(usage).toMatchObject({
      inputTokens: 830,
      cachedInputTokens: 415,
      outputTokens: 30,
      timeToFirstTokenMs: 40,
      totalMs: 370,
    });
    // 30 tokens over 0.2 s + 0.2 s of generation.
    expect(usage.tokensPerSecond).toBeCloseTo(75);
    expect(formatUsage(usage)).toBe(
      'usage: 830 in (415 cached) + 30 out tokens · first token 40 ms · 75.0 tokens/s · 0.37 s',
    );
  });

  it('marks estimated counts and unknown timings', () => {
    const usage = summarizeUsage([response({ inputTokens: 5, outputTokens: 0 }, { totalMs: 10 })]);
    usage.estimated = true;
    expect(formatUsage(usage)).toBe(
      'usage: ~5 in + ~0 out tokens · first token n/a · n/a tokens/s · 0.01 s',
    );
  });
});
