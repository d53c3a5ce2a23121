import { TinyLLMError } from '@tinyllm/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RequestTimeouts } from './request-timeouts';

const context = { provider: 'test', modelId: 'm' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** A stream's own signal and its abort, as core hands them to `doStream`. */
const stream = (): [AbortSignal, (reason: unknown) => void] => {
  const controller = new AbortController();
  return [controller.signal, (reason) => controller.abort(reason)];
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('RequestTimeouts', () => {
  it('fires TIMEOUT naming firstByteTimeoutMs when no answer comes, aborting the signal', async () => {
    const timeouts = new RequestTimeouts({ firstByteTimeoutMs: 20 }, ...stream(), context);
    timeouts.requestSent();
    await sleep(60);
    expect(timeouts.signal.aborted).toBe(true);
    expect(TinyLLMError.hasCode(timeouts.signal.reason, 'TIMEOUT')).toBe(true);
    expect(timeouts.error?.retryable).toBe(true);
    expect(timeouts.error?.message).toContain('firstByteTimeoutMs');
    expect(timeouts.wrap(new Error('aborted'))).toBe(timeouts.error);
    timeouts.dispose();
  });

  it('does not start the first-byte clock before the request goes out', async () => {
    const timeouts = new RequestTimeouts({ firstByteTimeoutMs: 10 }, ...stream(), context);
    await sleep(40);
    expect(timeouts.signal.aborted).toBe(false);
    timeouts.dispose();
  });

  it('keeps a live stream alive with one timer, not one per read, and fires on silence', () => {
    // Fake clock: with real timers a loaded machine (CI runs test files side by side on 2
    // cores) could stretch a 10 ms sleep past the 30 ms idle limit and fail the test.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    // Counts the timers armed, around the fake (a vi.spyOn over the fake outlived useRealTimers
    // and left later tests on a clock that never ran).
    const fakeSetTimeout = globalThis.setTimeout;
    let armed = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      armed++;
      return fakeSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      const timeouts = new RequestTimeouts({ streamIdleTimeoutMs: 30 }, ...stream(), context);
      timeouts.requestSent();
      timeouts.responded();
      const armedBefore = armed;
      // 200 reads over 100 ms: the stream is never idle for 30 ms.
      for (let read = 0; read < 200; read++) {
        timeouts.touch();
        vi.advanceTimersByTime(0.5);
      }
      expect(timeouts.signal.aborted).toBe(false);
      // Re-armed a handful of times as the timer found the stream alive, never per read.
      const armedDuring = armed - armedBefore;
      expect(armedDuring).toBeLessThan(20);
      vi.advanceTimersByTime(80);
      expect(timeouts.error?.message).toContain('streamIdleTimeoutMs');
      timeouts.dispose();
    } finally {
      globalThis.setTimeout = fakeSetTimeout;
      vi.useRealTimers();
    }
  });

  it('ends a whole request at timeoutMs even while it streams, and follows the caller signal', async () => {
    const timeouts = new RequestTimeouts({ timeoutMs: 40 }, ...stream(), context);
    timeouts.requestSent();
    timeouts.responded();
    const started = performance.now();
    while (!timeouts.signal.aborted && performance.now() - started < 500) {
      timeouts.touch();
      await sleep(5);
    }
    expect(timeouts.error?.message).toContain('timeoutMs');
    timeouts.dispose();

    const caller = new AbortController();
    const followed = new RequestTimeouts(
      {},
      caller.signal,
      (reason) => caller.abort(reason),
      context,
    );
    caller.abort(new Error('stop'));
    expect(followed.signal.aborted).toBe(true);
    expect(followed.error).toBeUndefined();
    followed.dispose();
  });

  it("stops the request through the stream's own signal, by `abort` (no signal of its own)", async () => {
    const streamController = new AbortController();
    const abort = vi.fn((reason: unknown) => streamController.abort(reason));
    const timeouts = new RequestTimeouts(
      { firstByteTimeoutMs: 20 },
      streamController.signal,
      abort,
      context,
    );
    expect(timeouts.signal).toBe(streamController.signal);
    timeouts.requestSent();
    await sleep(60);
    expect(abort).toHaveBeenCalledTimes(1);
    expect(streamController.signal.aborted).toBe(true);
    expect(TinyLLMError.hasCode(streamController.signal.reason, 'TIMEOUT')).toBe(true);
    expect(timeouts.wrap(new Error('aborted'))).toBe(timeouts.error);
    timeouts.dispose();
  });
});
