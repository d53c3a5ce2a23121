/**
 * Timeouts of one remote request: the whole request (`timeoutMs`, off by default so long
 * streams live), the wait for the server's first byte and the longest silence mid-stream (both
 * on by default). Each ends the request with a retryable `TIMEOUT` and aborts the fetch, which
 * closes the connection.
 *
 * There is one timer per request, never one per token: reads only store a timestamp
 * ({@link RequestTimeouts.touch}), and when the timer fires it checks that timestamp and re-arms
 * itself for the remaining time if the stream is still alive.
 */
import { TinyLLMError } from '@tinyllm/core';
import type { ErrorContext } from './http-errors';

/** Timeout settings every remote adapter accepts. */
export interface TimeoutSettings {
  /**
   * Longest time a whole request may take, streaming included, in milliseconds. Off by default,
   * so a long generation is never cut; the router's `timeoutMs` bounds attempts as well.
   */
  timeoutMs?: number;
  /**
   * Longest wait for the server's first byte (the response headers), in milliseconds. Default
   * 120 000: a server that accepts the connection and never answers fails with `TIMEOUT` instead
   * of hanging. Loading a large model before the first byte can take a while; raise it then.
   * `0` disables it.
   */
  firstByteTimeoutMs?: number;
  /**
   * Longest silence between two reads of a streaming response, in milliseconds. Default 60 000:
   * a stream that stalls fails with `TIMEOUT`. `0` disables it.
   */
  streamIdleTimeoutMs?: number;
}

/** Default of {@link TimeoutSettings.firstByteTimeoutMs}. */
export const defaultFirstByteTimeoutMs = 120_000;
/** Default of {@link TimeoutSettings.streamIdleTimeoutMs}. */
export const defaultStreamIdleTimeoutMs = 60_000;

const now = (): number => performance.now();

type Phase = 'waiting' | 'streaming';

/** The timeouts of one request. Create one per request; call {@link dispose} when it ends. */
export class RequestTimeouts {
  /** The request's signal: aborts when the caller's does or when a timeout fires (reason: the TIMEOUT error). */
  readonly signal: AbortSignal;
  /** The TIMEOUT error, once a timeout fired. */
  error: TinyLLMError | undefined;
  private readonly abortRequest: (reason: unknown) => void;
  private readonly startedAt = now();
  /** When the request went out (the first-byte clock starts there, not at a lazy SDK import). */
  private sentAt: number | undefined;
  private lastActivity = 0;
  private phase: Phase = 'waiting';
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The deadline the timer is armed for. */
  private armedFor = Number.POSITIVE_INFINITY;
  private readonly totalMs: number;
  private readonly firstByteMs: number;
  private readonly idleMs: number;
  /**
   * `signal` is the request's own (core's per-stream signal, see `ChatModelSpec.doStream`) and
   * `abort` aborts it: a timeout stops the request through it, with no controller or listener
   * of our own. That took core's signal plus this setup from 15.0 to 6.9 µs per request (an
   * AbortSignal costs ~5 µs to create, and the GC traces each one).
   */
  constructor(
    settings: TimeoutSettings,
    signal: AbortSignal,
    abort: (reason: unknown) => void,
    private readonly context: ErrorContext,
  ) {
    this.totalMs = positive(settings.timeoutMs, 0);
    this.firstByteMs = positive(settings.firstByteTimeoutMs, defaultFirstByteTimeoutMs);
    this.idleMs = positive(settings.streamIdleTimeoutMs, defaultStreamIdleTimeoutMs);
    this.signal = signal;
    this.abortRequest = abort;
    this.arm(this.nextDeadline());
  }

  /** The request is going out now: the first-byte clock starts. */
  requestSent(): void {
    if (this.sentAt !== undefined || this.signal.aborted) return;
    this.sentAt = now();
    // The idle clock starts at the first byte, so it cannot run out before `sentAt + idleMs`:
    // waking up then at the latest (the check re-arms for the real deadline) spares a second
    // timer when the response arrives, on every request.
    this.rearmIfSooner(this.idleMs > 0 ? this.sentAt + this.idleMs : undefined);
  }

  /** The response headers arrived: from now on the idle timeout applies. */
  responded(): void {
    if (this.phase === 'streaming') return;
    this.phase = 'streaming';
    this.lastActivity = now();
    this.rearmIfSooner();
  }

  /** Stops the request now (its signal aborts with `reason`). */
  abort(reason: unknown): void {
    this.abortRequest(reason);
  }

  /** A read returned data. One timestamp, no timer work. */
  touch(): void {
    this.lastActivity = now();
  }

  /** Stops the timer. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.NEGATIVE_INFINITY;
  }

  /** `error`, replaced by the TIMEOUT error when a timeout caused it. */
  wrap(error: unknown): unknown {
    return this.error ?? error;
  }

  private nextDeadline(): number | undefined {
    const deadlines: number[] = [];
    if (this.totalMs > 0) deadlines.push(this.startedAt + this.totalMs);
    if (this.phase === 'waiting' && this.firstByteMs > 0 && this.sentAt !== undefined)
      deadlines.push(this.sentAt + this.firstByteMs);
    if (this.phase === 'streaming' && this.idleMs > 0)
      deadlines.push(this.lastActivity + this.idleMs);
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
  }

  /**
   * Once per phase change (never per read): move the timer up if a deadline came closer
   * (`wakeUp`: an earlier check, no deadline itself).
   */
  private rearmIfSooner(wakeUp?: number): void {
    if (this.signal.aborted) return;
    const next = this.nextDeadline();
    const deadline = wakeUp === undefined || (next !== undefined && next < wakeUp) ? next : wakeUp;
    if (deadline === undefined || deadline >= this.armedFor) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.arm(deadline);
  }

  private arm(deadline: number | undefined): void {
    this.armedFor = deadline ?? Number.POSITIVE_INFINITY;
    if (deadline === undefined) return;
    this.timer = setTimeout(this.check, Math.max(0, deadline - now()));
    // The open socket keeps the process alive while a request runs; the timer must not.
    (this.timer as { unref?: () => void }).unref?.();
  }

  private readonly check = (): void => {
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
    if (this.signal.aborted) return;
    const at = now();
    let fired: { option: string; ms: number; what: string } | undefined;
    if (this.totalMs > 0 && at >= this.startedAt + this.totalMs)
      fired = { option: 'timeoutMs', ms: this.totalMs, what: 'did not finish' };
    else if (
      this.phase === 'waiting' &&
      this.firstByteMs > 0 &&
      this.sentAt !== undefined &&
      at >= this.sentAt + this.firstByteMs
    )
      fired = { option: 'firstByteTimeoutMs', ms: this.firstByteMs, what: 'did not answer' };
    else if (this.phase === 'streaming' && this.idleMs > 0 && at >= this.lastActivity + this.idleMs)
      fired = { option: 'streamIdleTimeoutMs', ms: this.idleMs, what: 'sent nothing' };
    if (!fired) {
      // Still alive: sleep until the next deadline (the stream's last read moved it).
      this.arm(this.nextDeadline());
      return;
    }
    this.error = new TinyLLMError({
      code: 'TIMEOUT',
      message: `${this.context.provider} ${fired.what} within ${fired.ms} ms (${fired.option}).`,
      retryable: true,
      provider: this.context.provider,
      ...(this.context.modelId ? { modelId: this.context.modelId } : {}),
      details: { timeout: fired.option, timeoutMs: fired.ms },
    });
    // Aborting the fetch closes the connection.
    this.abortRequest(this.error);
  };
}

function positive(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Number.isFinite(value) && value > 0 ? value : 0;
}
