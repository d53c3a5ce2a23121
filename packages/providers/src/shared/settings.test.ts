import { describe, expect, it } from 'vitest';
import { fetchWithSignal } from './settings';

/** A fetch that hands back the signal it was given. */
const seen: { signal?: AbortSignal | null } = {};
const recordingFetch: typeof fetch = async (_input, init) => {
  seen.signal = init?.signal;
  return new Response('ok');
};

describe('fetchWithSignal', () => {
  it("stops an SDK's request when either signal fires (combined)", async () => {
    const ours = new AbortController();
    const sdk = new AbortController();
    await fetchWithSignal(recordingFetch, ours.signal)('http://x', { signal: sdk.signal });
    expect(seen.signal?.aborted).toBe(false);
    sdk.abort('sdk stopped');
    expect(seen.signal?.aborted).toBe(true);
    expect(seen.signal?.reason).toBe('sdk stopped');
  });

  it("with `abort`, sends our signal and links the SDK's into it", async () => {
    const ours = new AbortController();
    const sdk = new AbortController();
    const wrapped = fetchWithSignal(recordingFetch, ours.signal, (reason) => ours.abort(reason));
    await wrapped('http://x', { signal: sdk.signal });
    expect(seen.signal).toBe(ours.signal);
    sdk.abort('sdk stopped');
    expect(ours.signal.aborted).toBe(true);
    expect(ours.signal.reason).toBe('sdk stopped');
  });

  it('with `abort`, an SDK signal that already fired aborts at once', async () => {
    const ours = new AbortController();
    const sdk = new AbortController();
    sdk.abort('early');
    await fetchWithSignal(recordingFetch, ours.signal, (reason) => ours.abort(reason))('http://x', {
      signal: sdk.signal,
    });
    expect(ours.signal.reason).toBe('early');
  });

  it('passes our signal when the SDK gives none', async () => {
    const ours = new AbortController();
    await fetchWithSignal(recordingFetch, ours.signal)('http://x');
    expect(seen.signal).toBe(ours.signal);
  });
});
