/**
 * Terminal output shared by the demo and chat-cli: a load/download progress bar and the usage line. Written by hand
 * because both are a few lines and a progress-bar package would be the demo's biggest dependency.
 */
import type { ChatResponse } from '@tinyllm/core';
import type { ModelManagerEvent } from '@tinyllm/providers/transformers';

/** Where the demo writes; `process.stdout` in the CLI, a buffer in tests. */
export interface Output {
  write(text: string): void;
  /** True for a terminal: the progress bar then redraws one line instead of printing many. */
  readonly isTTY?: boolean;
}

const barWidth = 24;

/** `[#######.................]  31% 12.4/40.0 MB` */
export function formatProgressBar(loadedBytes: number, totalBytes: number): string {
  const fraction = totalBytes > 0 ? Math.min(1, Math.max(0, loadedBytes / totalBytes)) : 0;
  const filled = Math.round(fraction * barWidth);
  const percent = `${Math.round(fraction * 100)}%`.padStart(4);
  const megabytes = (bytes: number) => (bytes / 1e6).toFixed(1);
  return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${percent} ${megabytes(loadedBytes)}/${megabytes(totalBytes)} MB`;
}

/**
 * A listener for model manager events that draws one progress bar per load. On a terminal it
 * redraws in place; elsewhere (CI logs, tests) it prints at most one line per 25 %.
 */
export function createLoadProgressPrinter(output: Output): (event: ModelManagerEvent) => void {
  let lastQuarter = -1;
  let lastBar = '';
  return (event) => {
    if (event.type === 'load-start') {
      lastQuarter = -1;
      lastBar = '';
      output.write(`loading ${event.modelId}\n`);
    } else if (event.type === 'load-progress' && event.progress.status === 'progress-total') {
      const { loadedBytes, totalBytes, progress } = event.progress;
      const bar = `  ${formatProgressBar(loadedBytes, totalBytes)}`;
      if (bar === lastBar) return;
      lastBar = bar;
      if (output.isTTY) output.write(`\r${bar}`);
      else {
        const quarter = Math.floor(progress / 25);
        if (quarter > lastQuarter) {
          lastQuarter = quarter;
          output.write(`${bar}\n`);
        }
      }
    } else if (event.type === 'load-end') {
      if (output.isTTY) output.write('\n');
      output.write(
        `loaded ${event.modelId} in ${Math.round(event.durationMs)} ms (${(event.memoryBytes / 1e6).toFixed(1)} MB)\n`,
      );
    } else if (event.type === 'load-error') {
      output.write(`\nfailed to load ${event.modelId}: ${event.error.message}\n`);
    }
  };
}

/** Usage summed over the model calls of one answer (one call per tool-loop step). */
export interface AnswerUsage {
  inputTokens: number;
  /** Of the input tokens, those the model continued from a cache of an earlier request. */
  cachedInputTokens: number;
  outputTokens: number;
  estimated: boolean;
  /** Time to first token of the first call, ms. */
  timeToFirstTokenMs: number | undefined;
  /** Output tokens per second over all calls' generation time. */
  tokensPerSecond: number | undefined;
  totalMs: number;
}

/** Sums the responses of one tool loop into the figures the usage line shows. */
export function summarizeUsage(responses: readonly ChatResponse[]): AnswerUsage {
  let generationSeconds = 0;
  let generatedTokens = 0;
  const summary: AnswerUsage = {
    inputTokens: 0,
    cachedInputTokens: 0,
    outputTokens: 0,
    estimated: false,
    timeToFirstTokenMs: responses[0]?.timings.timeToFirstTokenMs,
    tokensPerSecond: undefined,
    totalMs: 0,
  };
  for (const response of responses) {
    summary.inputTokens += response.usage.inputTokens;
    summary.cachedInputTokens += response.usage.cachedInputTokens ?? 0;
    summary.outputTokens += response.usage.outputTokens;
    summary.estimated ||= response.usage.estimated;
    summary.totalMs += response.timings.totalMs;
    const rate = response.timings.tokensPerSecond;
    if (rate !== undefined && rate > 0) {
      generationSeconds += response.usage.outputTokens / rate;
      generatedTokens += response.usage.outputTokens;
    }
  }
  if (generationSeconds > 0) summary.tokensPerSecond = generatedTokens / generationSeconds;
  return summary;
}

/** `usage: 412 in (380 cached) + 23 out tokens · first token 41 ms · 180.2 tokens/s · 0.3 s` */
export function formatUsage(usage: AnswerUsage): string {
  const approx = usage.estimated ? '~' : '';
  const cached = usage.cachedInputTokens > 0 ? ` (${usage.cachedInputTokens} cached)` : '';
  const parts = [
    `usage: ${approx}${usage.inputTokens} in${cached} + ${approx}${usage.outputTokens} out tokens`,
    `first token ${usage.timeToFirstTokenMs === undefined ? 'n/a' : `${Math.round(usage.timeToFirstTokenMs)} ms`}`,
    `${usage.tokensPerSecond === undefined ? 'n/a' : usage.tokensPerSecond.toFixed(1)} tokens/s`,
    `${(usage.totalMs / 1000).toFixed(2)} s`,
  ];
  return parts.join(' · ');
}
